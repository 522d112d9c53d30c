"""The table facade twin: ``AsyncDatabase``, ``AsyncTable``, ``AsyncView`` and friends."""

from .accessors import TableAccessor, ViewAccessor
from .database import AsyncDatabase
from .reads import FKAccessor
from .table import AsyncTable, AsyncView
from .validated import AsyncValidatedTable, validate_foreign_keys

__all__ = [
    "AsyncDatabase",
    "AsyncTable",
    "AsyncValidatedTable",
    "AsyncView",
    "FKAccessor",
    "TableAccessor",
    "ViewAccessor",
    "validate_foreign_keys",
]
