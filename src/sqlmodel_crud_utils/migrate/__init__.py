"""Schema migrations: numbered files, a version table, Alembic operations and autogenerate.

Example::

    from sqlmodel_crud_utils import Database
    from sqlmodel_crud_utils.migrate import MigrationRunner

    runner = MigrationRunner(Database("sqlite:///app.db"), "migrations")
    runner.up()
"""

from __future__ import annotations

from .errors import (
    ChangedMigrationError,
    DuplicateMigrationError,
    IrreversibleMigrationError,
    MigrationError,
    MigrationFailedError,
    MigrationGapError,
    MigrationLockError,
    MissingMigrationError,
    OutOfOrderMigrationError,
    UnversionedDatabaseError,
)
from .files import Migration
from .runner import LOCK_KEY, MigrationRunner
from .schema import VERSION_TABLE

__all__ = [
    "LOCK_KEY",
    "VERSION_TABLE",
    "ChangedMigrationError",
    "DuplicateMigrationError",
    "IrreversibleMigrationError",
    "Migration",
    "MigrationError",
    "MigrationFailedError",
    "MigrationGapError",
    "MigrationLockError",
    "MigrationRunner",
    "MissingMigrationError",
    "OutOfOrderMigrationError",
    "UnversionedDatabaseError",
]
