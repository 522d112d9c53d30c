"""Schema migrations: numbered files, a version table, Alembic operations and autogenerate.

Example::

    from sqlmodel_crud_utils import Database
    from sqlmodel_crud_utils.migrate import MigrationRunner

    runner = MigrationRunner(Database("sqlite:///app.db"), "migrations")
    runner.up()

``AsyncMigrationRunner`` (the async twin) is imported on first use, so the
sync runner needs no async driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AsyncMigrationError,
    ChangedMigrationError,
    ChangedMigrationWarning,
    DuplicateMigrationError,
    IrreversibleMigrationError,
    MigrationError,
    MigrationFailedError,
    MigrationGapError,
    MigrationLockError,
    MigrationNameWarning,
    MigrationWarning,
    MissingMigrationError,
    OutOfOrderMigrationError,
    UnversionedDatabaseError,
)
from .files import NO_TRANSACTION_MARKER, Migration
from .plan import LOCK_KEY
from .schema import VERSION_TABLE
from .sync.runner import MigrationRunner

if TYPE_CHECKING:
    from .aio.runner import AsyncMigrationRunner

__all__ = [
    "LOCK_KEY",
    "NO_TRANSACTION_MARKER",
    "VERSION_TABLE",
    "AsyncMigrationError",
    "AsyncMigrationRunner",
    "ChangedMigrationError",
    "ChangedMigrationWarning",
    "DuplicateMigrationError",
    "IrreversibleMigrationError",
    "Migration",
    "MigrationError",
    "MigrationFailedError",
    "MigrationGapError",
    "MigrationLockError",
    "MigrationNameWarning",
    "MigrationRunner",
    "MigrationWarning",
    "MissingMigrationError",
    "OutOfOrderMigrationError",
    "UnversionedDatabaseError",
]


def __getattr__(name: str) -> Any:
    if name == "AsyncMigrationRunner":
        from .aio.runner import AsyncMigrationRunner

        globals()[name] = AsyncMigrationRunner  # later lookups (and introspection) find it
        return AsyncMigrationRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
