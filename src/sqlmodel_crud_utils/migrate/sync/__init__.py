# This file is generated from src/sqlmodel_crud_utils/migrate/aio/__init__.py by scripts/unasync.py. Do not edit it by hand.
"""The async migration runner (the hand-written source of ``migrate/sync``)."""

from .runner import MigrationRunner

__all__ = ["MigrationRunner"]
