# This file is generated from src/sqlmodel_crud_utils/facade/aio/__init__.py by scripts/unasync.py. Do not edit it by hand.
"""The table facade twin: ``Database``, ``Table``, ``View`` and friends."""

from .accessors import TableAccessor, ViewAccessor
from .database import Database
from .reads import FKAccessor
from .table import Table, View
from .validated import ValidatedTable, validate_foreign_keys

__all__ = [
    "Database",
    "Table",
    "ValidatedTable",
    "View",
    "FKAccessor",
    "TableAccessor",
    "ViewAccessor",
    "validate_foreign_keys",
]
