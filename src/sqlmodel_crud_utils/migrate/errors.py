"""Typed errors of the migration runner."""

from __future__ import annotations

from pathlib import Path

from sqlmodel_crud_utils.exceptions import SQLModelCRUDError

__all__ = [
    "AsyncMigrationError",
    "ChangedMigrationError",
    "ChangedMigrationWarning",
    "DuplicateMigrationError",
    "IrreversibleMigrationError",
    "MigrationError",
    "MigrationFailedError",
    "MigrationGapError",
    "MigrationLockError",
    "MigrationNameWarning",
    "MigrationWarning",
    "MissingMigrationError",
    "OutOfOrderMigrationError",
    "UnversionedDatabaseError",
]


class MigrationError(SQLModelCRUDError):
    """Base class of the migration errors.

    Attributes:
        paths: The files involved, when there are any.
    """

    def __init__(self, message: str, paths: list[Path] | None = None) -> None:
        super().__init__(message)
        self.paths = list(paths or [])


class DuplicateMigrationError(MigrationError):
    """Two files share one version number."""


class MigrationGapError(MigrationError):
    """The numbering of the files skips a version."""


class OutOfOrderMigrationError(MigrationGapError):
    """A pending file is older than the newest applied migration."""


class MissingMigrationError(MigrationError):
    """An applied migration's file is gone."""


class ChangedMigrationError(MigrationError):
    """An applied migration's file was edited after it ran (strict runners only)."""


class AsyncMigrationError(MigrationError):
    """The sync runner was given a migration whose ``up``/``down`` is ``async def``."""


class UnversionedDatabaseError(MigrationError):
    """Tables exist but the database has no migration history: enroll it first."""


class IrreversibleMigrationError(MigrationError):
    """A migration to roll back has no ``down`` step."""


class MigrationLockError(MigrationError):
    """Another runner held the migration lock for too long."""


class MigrationFailedError(MigrationError):
    """A migration raised; its transaction was rolled back.

    Attributes:
        version: The version of the failed migration.
        path: Its file.
    """

    def __init__(self, version: int, path: Path, original_error: BaseException) -> None:
        super().__init__(f"Migration {path.name} failed: {original_error}", [path])
        self.version = version
        self.path = path
        self.original_error = original_error


class MigrationWarning(UserWarning):
    """Base class of the migration warnings.

    Attributes:
        paths: The files involved.
    """

    def __init__(self, message: str, paths: list[Path] | None = None) -> None:
        super().__init__(message)
        self.paths = list(paths or [])


class ChangedMigrationWarning(MigrationWarning):
    """An applied migration's file was edited after it ran (its checksum differs)."""


class MigrationNameWarning(MigrationWarning):
    """A file looks like a migration but its name does not follow ``NNNN-description.ext``."""
