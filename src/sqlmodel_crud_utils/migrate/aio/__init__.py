"""The async migration runner (the hand-written source of ``migrate/sync``)."""

# ruff: noqa: E501, RUF100 (the generated twin starts with a long header line)

from .runner import AsyncMigrationRunner

__all__ = ["AsyncMigrationRunner"]
