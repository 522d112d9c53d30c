"""The fastlite/deebase-style table facade.

``Database``/``Table``/``View`` (sync) and ``AsyncDatabase``/``AsyncTable``/
``AsyncView`` (async) share one behaviour; the sync twin is generated from the
async source.  Names load on first use, so importing the sync twin never
imports SQLAlchemy's asyncio extension.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .common import (
    NOT_GIVEN,
    Column,
    ColumnAccessor,
    ForeignKey,
    ForeignKeyRef,
    FTSIndex,
    Index,
    Text,
)
from .errors import (
    CheckConstraintError,
    DeeBaseError,
    DuplicateKeyError,
    ForeignKeyError,
    ForeignKeyValidationError,
    IntegrityError,
    InvalidOperationError,
    MultipleRecordsError,
    NotFoundError,
    NotNullError,
    SchemaError,
    ValidationError,
)

if TYPE_CHECKING:
    from .aio import AsyncDatabase, AsyncTable, AsyncView
    from .sync import Database, Table, View

_LAZY = {
    "AsyncDatabase": ".aio",
    "AsyncTable": ".aio",
    "AsyncView": ".aio",
    "Database": ".sync",
    "Table": ".sync",
    "View": ".sync",
}

__all__ = [
    "NOT_GIVEN",
    "AsyncDatabase",
    "AsyncTable",
    "AsyncView",
    "CheckConstraintError",
    "Column",
    "ColumnAccessor",
    "Database",
    "DeeBaseError",
    "DuplicateKeyError",
    "FTSIndex",
    "ForeignKey",
    "ForeignKeyError",
    "ForeignKeyRef",
    "ForeignKeyValidationError",
    "Index",
    "IntegrityError",
    "InvalidOperationError",
    "MultipleRecordsError",
    "NotFoundError",
    "NotNullError",
    "SchemaError",
    "Table",
    "Text",
    "ValidationError",
    "View",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
