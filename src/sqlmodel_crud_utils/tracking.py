"""Change history: the ``change_history`` table and how to read it.

The table lives in :data:`HISTORY_METADATA`, apart from ``SQLModel.metadata``;
create it with ``HISTORY_METADATA.create_all(engine)``.  ``get_change_history``
in ``sync`` / ``a_sync`` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.sql import Select

#: Metadata holding the history table (separate from ``SQLModel.metadata``).
HISTORY_METADATA = MetaData()

#: One row per tracked insert, update or delete.
change_history_table = Table(
    "change_history",
    HISTORY_METADATA,
    Column("id", Integer, primary_key=True),
    Column("table_name", String(255), nullable=False, index=True),
    Column("table_schema", String(255)),
    Column("row_pk", String(255), nullable=False, index=True),
    Column("operation", String(16), nullable=False),
    Column("changes", JSON, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(100)),
)

#: Keys of the dictionaries ``get_change_history`` returns.
HISTORY_KEYS = (
    "id",
    "table_name",
    "table_schema",
    "row_pk",
    "operation",
    "changes",
    "changed_at",
    "changed_by",
)


def format_row_pk(value: Any) -> str:
    """The ``row_pk`` text of a primary-key value (tuples and lists comma-joined)."""
    if isinstance(value, (tuple, list)):
        return ",".join(str(part) for part in value)
    return str(value)


def history_select(model: Any, id_str: Any) -> Select[Any]:
    """The select of ``get_change_history``: one row's history, oldest first."""
    table = sa_inspect(model).local_table
    history = change_history_table.c
    schema_clause = (
        history.table_schema.is_(None)
        if table.schema is None
        else history.table_schema == table.schema
    )
    return (
        select(*[history[key] for key in HISTORY_KEYS])
        .where(
            history.table_name == table.name,
            schema_clause,
            history.row_pk == format_row_pk(id_str),
        )
        .order_by(history.id)
    )


def history_dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Turn result rows of :func:`history_select` into plain dictionaries."""
    return [dict(row._mapping) for row in rows]


__all__ = [
    "HISTORY_METADATA",
    "change_history_table",
    "format_row_pk",
    "history_select",
]
