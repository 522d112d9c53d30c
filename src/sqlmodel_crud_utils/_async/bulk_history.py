"""Change history for the bulk helpers (only when the model is tracked).

The bulk helpers write with Core statements, which the ORM's flush-based
tracking does not see.  For a tracked model they read the affected rows
before (and, for updates, after) the write and insert one history row per
written row, in the same transaction.  Cost: one ``SELECT`` of the affected
rows per chunk before the write (two for updates) and one executemany insert
of history rows; nothing at all for models that are not tracked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, tuple_

from sqlmodel_crud_utils.tracking import is_tracked, record_bulk_changes
from sqlmodel_crud_utils.utils import chunked

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

#: Keys per ``SELECT ... IN`` when reading rows for the history.
_CHUNK = 500

Rows = dict[tuple[Any, ...], dict[str, Any]]


def tracked(model: Any) -> bool:
    """Whether the bulk helpers must record history for ``model``."""
    return is_tracked(model)


def _pk_keys(model: Any) -> list[str]:
    mapper = sa_inspect(model)
    return [mapper.get_property_by_column(column).key for column in mapper.primary_key]


async def read_rows(
    session: AsyncSession, model: Any, fields: Sequence[str], keys: Iterable[tuple[Any, ...]]
) -> Rows:
    """Current values of the rows whose ``fields`` match one of ``keys``, by primary key."""
    mapper = sa_inspect(model)
    table = mapper.local_table
    columns = {prop.key: prop.columns[0] for prop in mapper.column_attrs}
    pk_keys = _pk_keys(model)
    conn = await session.connection(bind_arguments={"mapper": mapper})
    found: Rows = {}
    for chunk in chunked(list(keys), _CHUNK):
        if len(fields) == 1:
            condition = columns[fields[0]].in_([key[0] for key in chunk])
        else:
            condition = tuple_(*[columns[name] for name in fields]).in_(list(chunk))
        result = await conn.execute(select(*columns.values()).select_from(table).where(condition))
        for row in result:
            values_by_key = dict(zip(columns, row, strict=True))
            found[tuple(values_by_key[key] for key in pk_keys)] = values_by_key
    return found


async def record(
    session: AsyncSession,
    model: Any,
    operation: str,
    rows: Sequence[Mapping[str, Any]],
    old_rows: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Insert the history rows of a bulk write in the write's transaction."""
    entry = record_bulk_changes(session, model, operation, rows, old_rows=old_rows)
    if entry is None:
        return
    conn = await session.connection(bind_arguments={"mapper": sa_inspect(model)})
    await conn.execute(entry.statement, entry.parameters)


async def record_update(session: AsyncSession, model: Any, before: Rows) -> None:
    """Record an update of the rows read into ``before`` (their new values are read now)."""
    after = await read_rows(session, model, _pk_keys(model), list(before))
    keys = [key for key in before if key in after]
    await record(session, model, "update", [after[k] for k in keys], [before[k] for k in keys])


async def record_upsert(
    session: AsyncSession, model: Any, before: Rows, objects: Sequence[Any]
) -> None:
    """Record rows an upsert returned: inserts for new keys, updates for existing ones."""
    pk_keys = _pk_keys(model)
    columns = [prop.key for prop in sa_inspect(model).column_attrs]
    inserted: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    for obj in objects:
        values = {key: getattr(obj, key) for key in columns}
        key = tuple(values[name] for name in pk_keys)
        if key in before:
            updated.append(values)
            old.append(before[key])
        else:
            inserted.append(values)
    await record(session, model, "insert", inserted)
    await record(session, model, "update", updated, old)
