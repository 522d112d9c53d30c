"""Statement builders of the facade's tables (no I/O).

Filters are ``{column: value}`` mappings turned into bound ``col = :v`` terms
(``IS NULL`` for ``None``); free SQL (``where``) goes through
:func:`~sqlmodel_crud_utils.facade._sql.bound_text`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from sqlmodel_crud_utils._core.coerce import coerce_value
from sqlmodel_crud_utils.exceptions import ValidationError

from ._plan import plan_for
from ._sql import bound_text, unknown_column

__all__ = [
    "apply_xtra",
    "conditions",
    "count_stmt",
    "key_columns",
    "key_filters",
    "on_conflict",
    "select_stmt",
    "upsert_statement",
]

_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Params = Sequence[Any] | Mapping[str, Any] | None


def column_names(table: sa.Table) -> list[str]:
    """The column names of ``table``."""
    return [column.name for column in table.columns]


def check_columns(table: sa.Table, names: Sequence[str]) -> None:
    """Raise :class:`SchemaError` for a name that is not a column of ``table``."""
    for name in names:
        if name not in table.columns:
            raise unknown_column(table.name, name, column_names(table))


def conditions(table: sa.Table, filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    """Bound equality terms for ``filters``, values converted to the columns' types.

    Raises:
        SchemaError: If a key is not a column.
        ValidationError: If a value cannot be read as its column's type.
    """
    terms: list[ColumnElement[bool]] = []
    for name, value in plan_for(table).filter_values(filters).items():
        column = table.columns[name]
        terms.append(column.is_(None) if value is None else column == value)
    return terms


def apply_xtra(values: dict[str, Any], xtra: Mapping[str, Any]) -> dict[str, Any]:
    """Fill in missing ``xtra`` values; reject conflicting ones.

    Raises:
        ValidationError: If a value differs from the table's ``xtra`` filter.
    """
    for name, expected in xtra.items():
        if name in values and values[name] != expected:
            raise ValidationError(
                f"value conflicts with the table's xtra filter {name}={expected!r}",
                field=name,
                value=values[name],
            )
        values[name] = expected
    return values


def key_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The primary key columns, or the first column for views and key-less tables."""
    pks = list(table.primary_key.columns)
    return pks if pks else [next(iter(table.columns))]


def key_filters(table: sa.Table, value: Any) -> dict[str, Any]:
    """``{pk column: value}`` for a key value (a tuple for a composite key).

    Raises:
        ValidationError: If the number of values does not match the key.
    """
    columns = key_columns(table)
    if len(columns) == 1:
        if isinstance(value, (tuple, list)) and len(value) == 1:
            value = value[0]
        return {columns[0].name: coerce_value(columns[0], value)}
    if not isinstance(value, (tuple, list)) or len(value) != len(columns):
        names = ", ".join(c.name for c in columns)
        raise ValidationError(
            f"table '{table.name}' has a composite primary key ({names}): pass a tuple of "
            f"{len(columns)} values",
            field="pk",
            value=value,
        )
    return {c.name: coerce_value(c, v) for c, v in zip(columns, value, strict=True)}


def _select_columns(table: sa.Table, select: str) -> list[Any]:
    if select.strip() == "*":
        return list(table.columns)
    out: list[Any] = []
    for part in select.split(","):
        part = part.strip()
        if not part:
            continue
        if _PLAIN_NAME.match(part):
            if part not in table.columns:
                raise unknown_column(table.name, part, column_names(table))
            out.append(table.columns[part])
        else:
            out.append(sa.literal_column(part))
    return out


def _filtered(
    stmt: Any, table: sa.Table, filters: Mapping[str, Any], where: str | None, where_args: Params
) -> Any:
    for term in conditions(table, filters):
        stmt = stmt.where(term)
    if where:
        stmt = stmt.where(bound_text(where, where_args, convert=plan_for(table).where_value))
    return stmt


def select_stmt(
    table: sa.Table,
    *,
    filters: Mapping[str, Any],
    where: str | None = None,
    where_args: Params = None,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
    select: str = "*",
    default_order: bool = False,
) -> sa.Select[Any]:
    """``SELECT`` with filters, free ``where`` SQL, ordering and paging.

    When paging (or ``default_order``) without ``order_by``, rows are ordered
    by the primary key.
    """
    stmt: sa.Select[Any] = sa.select(*_select_columns(table, select)).select_from(table)
    stmt = _filtered(stmt, table, filters, where, where_args)
    if order_by:
        stmt = stmt.order_by(sa.text(order_by))
    elif limit is not None or offset is not None or default_order:
        stmt = stmt.order_by(*table.primary_key.columns)
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValidationError("must be a non-negative integer", field=name, value=value)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset is not None:
        stmt = stmt.offset(offset)
    return stmt


def count_stmt(
    table: sa.Table, filters: Mapping[str, Any], where: str | None, where_args: Params
) -> sa.Select[Any]:
    """``SELECT count(*)`` with filters and free ``where`` SQL."""
    stmt = sa.select(sa.func.count()).select_from(table)
    return _filtered(stmt, table, filters, where, where_args)  # type: ignore[no-any-return]


def filtered_delete(
    table: sa.Table, filters: Mapping[str, Any], where: str | None = None, where_args: Params = None
) -> sa.Delete:
    """``DELETE`` with filters and free ``where`` SQL."""
    return _filtered(sa.delete(table), table, filters, where, where_args)  # type: ignore[no-any-return]


def on_conflict(
    dialect: str,
    table: sa.Table,
    conflict: Sequence[str],
    update_columns: Sequence[str] | None,
    scope: Mapping[str, Any] | None = None,
) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE`` (or ``DO NOTHING``).

    Args:
        dialect: ``"sqlite"`` or ``"postgresql"``.
        table: The table.
        conflict: The conflict target columns.
        update_columns: Columns to take from the new row; ``None`` means
            ``DO NOTHING``.  An empty list still updates (a no-op) so that
            ``RETURNING`` gives the existing row.
        scope: ``xtra`` filters the existing row must match to be updated.

    Returns:
        The insert statement (values are bound at execution).
    """
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    if update_columns is None:
        return insert.on_conflict_do_nothing(index_elements=list(conflict))
    names = [name for name in update_columns if name not in conflict] or [conflict[0]]
    set_ = {name: insert.excluded[name] for name in names}
    where = sa.and_(*conditions(table, scope)) if scope else None
    return insert.on_conflict_do_update(index_elements=list(conflict), set_=set_, where=where)


def upsert_statement(
    dialect: str, table: sa.Table, conflict: Sequence[str], update_columns: Sequence[str] | None
) -> Any:
    """:func:`on_conflict` without an ``xtra`` scope, built once per table and shape.

    Bulk writes run one per batch; the same statement object is reused.
    """
    update = None if update_columns is None else tuple(update_columns)
    key = ("on_conflict", dialect, tuple(conflict), update)
    return plan_for(table).statement(
        key, lambda: on_conflict(dialect, table, conflict, update_columns)
    )
