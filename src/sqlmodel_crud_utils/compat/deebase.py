"""deebase 0.7.0's public names, bound to the async table facade.

Port a deebase script by changing only its import::

    from sqlmodel_crud_utils.compat.deebase import Database, Text, NotFoundError

``Database``, ``Table``, ``View``, ``ValidatedTable`` and
``validate_foreign_keys`` are the async twin (deebase is async); the markers,
code generation helpers, validators and exceptions are the objects the rest
of the package uses, so ``except NotFoundError`` catches what any facade call
raises.  ``MigrationRunner`` is the async migration runner.

deebase's meaning is kept where the facade contract keeps it, with its defects
fixed (native upserts, ``RETURNING``, SAVEPOINTs, quoted names, a live ``db.t``).
One default differs from the package's own :class:`AsyncDatabase`: like
deebase, this ``Database`` does not enforce SQLite foreign keys unless asked
(``Database(url, foreign_keys=True)`` or ``await db.enable_foreign_keys()``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sqlmodel_crud_utils.exceptions import DatabaseConnectionError

from ..facade.aio import AsyncTable as Table
from ..facade.aio import AsyncValidatedTable as ValidatedTable
from ..facade.aio import AsyncView as View
from ..facade.aio import validate_foreign_keys
from ..facade.aio.database import AsyncDatabase
from ..facade.codegen import create_mod, create_mod_from_tables, dataclass_src
from ..facade.common import Column, ColumnAccessor, ForeignKey, FTSIndex, Index, Text
from ..facade.errors import (
    DeeBaseError,
    ForeignKeyValidationError,
    IntegrityError,
    InvalidOperationError,
    NotFoundError,
    SchemaError,
    ValidationError,
)
from ..facade.validators import apply_validators, apply_validators_async

__all__ = [
    "Column",
    "ColumnAccessor",
    "ConnectionError",
    "Database",
    "DeeBaseError",
    "FTSIndex",
    "ForeignKey",
    "ForeignKeyValidationError",
    "Index",
    "IntegrityError",
    "InvalidOperationError",
    "MigrationRunner",  # noqa: F822 - loaded on first use (module __getattr__)
    "NotFoundError",
    "SchemaError",
    "Table",
    "Text",
    "ValidatedTable",
    "ValidationError",
    "View",
    "apply_validators",
    "apply_validators_async",
    "create_mod",
    "create_mod_from_tables",
    "dataclass_src",
    "validate_foreign_keys",
]

#: deebase's name for a failed connection (only connection failures raise it).
ConnectionError = DatabaseConnectionError


class Database(AsyncDatabase):
    """deebase's ``Database``: the async facade without SQLite foreign key enforcement.

    Args:
        url: A URL such as ``sqlite:///app.db`` (the async driver is chosen for
            you) or ``postgresql://...``; ``None`` opens an in-memory SQLite
            database.  An async engine or connection is used as given.
        echo: Log the SQL.
        foreign_keys: Enforce foreign keys on SQLite; off by default, as in
            deebase.  PostgreSQL always enforces them.
        sqlite_pragmas: Extra PRAGMAs for every SQLite connection.
        engine_options: Passed to the engine factory.

    Raises:
        ValueError: If the URL names an unsupported database.
    """

    def __init__(
        self,
        url: str | sa.URL | AsyncEngine | AsyncConnection | None = None,
        *,
        echo: bool = False,
        foreign_keys: bool = False,
        sqlite_pragmas: dict[str, Any] | None = None,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            url,
            echo=echo,
            foreign_keys=foreign_keys,
            sqlite_pragmas=sqlite_pragmas,
            engine_options=engine_options,
        )


def __getattr__(name: str) -> Any:
    # The async migration runner loads on first use: it pulls in the migration
    # machinery, which a script that never migrates does not need.
    if name == "MigrationRunner":
        try:
            from ..migrate import AsyncMigrationRunner
        except (ImportError, AttributeError) as exc:
            raise AttributeError(
                "MigrationRunner needs sqlmodel_crud_utils.migrate.AsyncMigrationRunner, "
                f"which is not available: {exc}"
            ) from exc
        globals()[name] = AsyncMigrationRunner
        return AsyncMigrationRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
