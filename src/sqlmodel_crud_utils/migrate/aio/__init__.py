"""The async migration runner (the hand-written source of ``migrate/sync``)."""

from .runner import AsyncMigrationRunner

__all__ = ["AsyncMigrationRunner"]
