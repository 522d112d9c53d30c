"""Change history: the ``change_history`` table, how it is written and read.

The table lives in :data:`HISTORY_METADATA`, apart from ``SQLModel.metadata``;
create it with ``HISTORY_METADATA.create_all(engine)``.  ``get_change_history``
in ``sync`` / ``a_sync`` reads it.

Models that inherit :class:`TrackChangesMixin` get one history row per insert,
update and delete flushed through an ORM session, once
:func:`register_change_tracking` has installed the session listeners.  Bulk
statements bypass the ORM; :func:`record_bulk_changes` builds the history rows
for them.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    event,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import InstanceState, Mapper, Session
from sqlalchemy.sql import Insert, Select

from sqlmodel_crud_utils.audit import audit_user_value, current_user, enable_audit

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
    "HistoryInsert",
    "TrackChangesMixin",
    "change_history_table",
    "format_row_pk",
    "history_select",
    "is_tracked",
    "record_bulk_changes",
    "register_change_tracking",
]


# --------------------------------------------------------------------------- #
# Writing the history
# --------------------------------------------------------------------------- #

#: ``session.info`` key naming who made the changes (wins over the current user).
CHANGED_BY_KEY = "changed_by"

#: ``session.info`` key holding the old values loaded before a flush.
_OLD_VALUES_KEY = "sqlmodel_crud_utils.tracking.old_values"

_OPERATIONS = ("insert", "update", "delete")

_register_lock = threading.Lock()
_registered = False


class TrackChangesMixin:
    """Marks a model whose ORM inserts, updates and deletes are recorded.

    Adds no column.  Recording starts once :func:`register_change_tracking`
    has run; the ``change_history`` table must exist in the model's database.

    Attributes:
        __track_exclude__: Attribute names left out of the recorded changes
            (passwords, large blobs, ...).
    """

    __track_exclude__: ClassVar[tuple[str, ...]] = ()


def register_change_tracking() -> None:
    """Install the session listeners that record changes of tracked models.

    Idempotent and thread-safe.  The listeners are installed on
    ``sqlalchemy.orm.Session``, so they serve every session, async ones
    included.  ``before_flush`` loads, with one select by primary key and
    without autoflush, the old values of changed attributes that were expired
    (for example after a commit); ``after_flush`` inserts one history row per
    flushed tracked object through ``session.connection(bind_arguments=
    {"mapper": mapper})``, in the flush's transaction.
    """
    global _registered
    if _registered:
        return
    with _register_lock:
        # The audit listener must run first, so that ``updated_by`` values it
        # fills are part of the recorded changes.
        enable_audit()
        for name, listener in (("before_flush", _load_old_values), ("after_flush", _record)):
            if not event.contains(Session, name, listener):
                event.listen(Session, name, listener)
        _registered = True


def is_tracked(model: Any) -> bool:
    """Whether changes of ``model`` (a class or instance) are being recorded."""
    cls = model if isinstance(model, type) else type(model)
    return _registered and issubclass(cls, TrackChangesMixin)


def _tracked_keys(mapper: Mapper[Any]) -> list[str]:
    excluded = set(getattr(mapper.class_, "__track_exclude__", ()))
    return [
        prop.key
        for prop in mapper.column_attrs
        if prop.key not in excluded and prop.columns[0].key not in excluded
    ]


def _jsonable(value: Any) -> Any:
    """``value`` after a JSON round trip; anything JSON cannot hold becomes ``str(value)``."""
    try:
        return json.loads(json.dumps(value, default=str, allow_nan=False))
    except (TypeError, ValueError):
        return str(value)


def _pair(old: Any, new: Any) -> list[Any]:
    return [_jsonable(old), _jsonable(new)]


def _changed_by(source: Any, explicit: Any = None) -> str | None:
    """Who made the changes: ``explicit``, ``source.info["changed_by"]``, the current user."""
    if explicit is not None:
        return audit_user_value(explicit)
    info = getattr(source, "info", None)
    if isinstance(info, dict) and CHANGED_BY_KEY in info:
        return audit_user_value(info[CHANGED_BY_KEY])
    return audit_user_value(current_user())


def _sync_session(session_or_connection: Any) -> Any:
    return getattr(session_or_connection, "sync_session", session_or_connection)


def _identity(state: InstanceState[Any]) -> tuple[Any, ...]:
    if state.identity is not None:
        return tuple(state.identity)
    mapper = state.mapper
    return tuple(
        state.dict.get(mapper.get_property_by_column(column).key) for column in mapper.primary_key
    )


def _row_pk(identity: Sequence[Any]) -> str:
    return format_row_pk(identity[0] if len(identity) == 1 else tuple(identity))


def _unknown_old_keys(state: InstanceState[Any], keys: Iterable[str], deleting: bool) -> list[str]:
    """Keys whose old value is not in memory: expired before being changed (or deleted)."""
    if deleting:
        return [key for key in keys if key not in state.dict]
    unknown = []
    for key in keys:
        history = state.attrs[key].history
        if history.added and not history.deleted:
            unknown.append(key)
    return unknown


def _load_old_values(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: read the old values that only the database still knows."""
    # Drop what a failed earlier flush may have left behind.
    session.info.pop(_OLD_VALUES_KEY, None)
    loaded: dict[InstanceState[Any], dict[str, Any]] = {}
    for deleting, objects in ((False, session.dirty), (True, session.deleted)):
        for obj in objects:
            if not isinstance(obj, TrackChangesMixin):
                continue
            state: InstanceState[Any] = sa_inspect(obj)
            if state.identity is None:
                continue
            mapper = state.mapper
            keys = _unknown_old_keys(state, _tracked_keys(mapper), deleting)
            if not keys:
                continue
            columns = [mapper.get_property(key).columns[0] for key in keys]
            where = and_(
                *(
                    column == value
                    for column, value in zip(mapper.primary_key, state.identity, strict=True)
                )
            )
            connection = session.connection(bind_arguments={"mapper": mapper})
            row = connection.execute(select(*columns).where(where)).first()
            if row is not None:
                loaded[state] = dict(zip(keys, row, strict=True))
    if loaded:
        session.info[_OLD_VALUES_KEY] = loaded


def _insert_changes(state: InstanceState[Any], keys: Sequence[str]) -> dict[str, Any]:
    return {key: _pair(None, state.dict[key]) for key in keys if key in state.dict}


def _update_changes(
    state: InstanceState[Any], keys: Sequence[str], loaded: Mapping[str, Any]
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in keys:
        history = state.attrs[key].history
        if not history.added:
            continue
        new = history.added[0]
        if history.deleted:
            old = history.deleted[0]
        elif key in loaded:
            old = loaded[key]
            if old == new:
                continue
        else:
            old = None
        changes[key] = _pair(old, new)
    return changes


def _delete_changes(
    state: InstanceState[Any], keys: Sequence[str], loaded: Mapping[str, Any]
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in keys:
        if key in state.dict:
            changes[key] = _pair(state.dict[key], None)
        elif key in loaded:
            changes[key] = _pair(loaded[key], None)
    return changes


def _history_row(
    mapper: Mapper[Any],
    identity: Sequence[Any],
    operation: str,
    changes: dict[str, Any],
    changed_at: dt.datetime,
    changed_by: str | None,
) -> dict[str, Any]:
    table = mapper.local_table
    return {
        "table_name": table.name,  # type: ignore[attr-defined]
        "table_schema": table.schema,
        "row_pk": _row_pk(identity),
        "operation": operation,
        "changes": changes,
        "changed_at": changed_at,
        "changed_by": changed_by,
    }


def _record(session: Session, flush_context: Any) -> None:
    """``after_flush``: insert one history row per flushed tracked object."""
    loaded: dict[InstanceState[Any], dict[str, Any]] = session.info.pop(_OLD_VALUES_KEY, None) or {}
    changed_at = dt.datetime.now(dt.timezone.utc)
    changed_by = _changed_by(session)
    by_mapper: dict[Mapper[Any], list[dict[str, Any]]] = {}

    def states(objects: Iterable[Any]) -> list[InstanceState[Any]]:
        found = [sa_inspect(obj) for obj in objects if isinstance(obj, TrackChangesMixin)]
        return sorted(found, key=lambda state: getattr(state, "insert_order", 0) or 0)

    for operation, objects in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for state in states(objects):
            mapper = state.mapper
            keys = _tracked_keys(mapper)
            old = loaded.get(state, {})
            if operation == "insert":
                changes = _insert_changes(state, keys)
            elif operation == "update":
                changes = _update_changes(state, keys, old)
                if not changes:
                    continue
            else:
                changes = _delete_changes(state, keys, old)
            row = _history_row(mapper, _identity(state), operation, changes, changed_at, changed_by)
            by_mapper.setdefault(mapper, []).append(row)
    for mapper, rows in by_mapper.items():
        connection = session.connection(bind_arguments={"mapper": mapper})
        connection.execute(change_history_table.insert(), rows)


def _bulk_update_changes(
    row: Mapping[str, Any], old: Mapping[str, Any], keys: Sequence[str], pk_keys: Sequence[str]
) -> dict[str, Any]:
    """Changed columns of one bulk-updated row; unknown old values are recorded as ``None``."""
    changes: dict[str, Any] = {}
    for key in keys:
        if key not in row:
            continue
        if key in old:
            if old[key] == row[key]:
                continue
        elif key in pk_keys:
            continue  # the key identifies the row; it did not change
        changes[key] = _pair(old.get(key), row[key])
    return changes


class HistoryInsert(NamedTuple):
    """A ready history insert: run ``connection.execute(statement, parameters)``."""

    statement: Insert
    parameters: list[dict[str, Any]]


def record_bulk_changes(
    connection_or_session: Any,
    model: Any,
    operation: str,
    rows: Sequence[Mapping[str, Any]],
    changed_by: Any = None,
    *,
    old_rows: Sequence[Mapping[str, Any]] | None = None,
) -> HistoryInsert | None:
    """Build the history insert for rows written by a bulk statement.

    Pure: builds the statement and its parameters, executes nothing.  Run the
    result on the connection of the bulk write, in its transaction, e.g.
    ``conn.execute(entry.statement, entry.parameters)``.

    Cost: one history row per written row, sent as one executemany insert
    (chunk it like the bulk write for very large batches).  Updates record old
    values only when ``old_rows`` gives them, which costs the caller one
    ``SELECT`` of the affected rows (per chunk) before the write.

    Args:
        connection_or_session: The session or connection of the bulk write;
            its ``info["changed_by"]`` names the author when ``changed_by`` is
            not given (then the current user of ``audit``).
        model: The model class written.
        operation: ``"insert"``, ``"update"`` or ``"delete"``.
        rows: One mapping per written row, with its primary-key values:
            the inserted values (``insert``), the new values (``update``) or
            the deleted row's values (``delete``; at least the key).
        changed_by: Who made the changes (text, cut to 100 characters).
        old_rows: For ``update``, the rows' values before the write, in the
            same order as ``rows``.  Without them the old values are recorded
            as ``null``.

    Returns:
        The statement and parameters, or ``None`` when there is nothing to
        record (``model`` is not tracked, tracking is not registered, or
        ``rows`` is empty).

    Raises:
        ValueError: unknown ``operation``, ``old_rows`` of another length than
            ``rows``, or a row without its primary-key values.
    """
    if operation not in _OPERATIONS:
        raise ValueError(f"operation must be one of {', '.join(_OPERATIONS)}; got {operation!r}")
    if old_rows is not None and len(old_rows) != len(rows):
        raise ValueError(
            f"old_rows has {len(old_rows)} rows but rows has {len(rows)}; they must pair up"
        )
    if not rows or not is_tracked(model):
        return None
    mapper: Mapper[Any] = sa_inspect(model)
    keys = _tracked_keys(mapper)
    pk_keys = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
    author = _changed_by(_sync_session(connection_or_session), changed_by)
    changed_at = dt.datetime.now(dt.timezone.utc)
    parameters = []
    for index, row in enumerate(rows):
        missing = [key for key in pk_keys if key not in row]
        if missing:
            raise ValueError(f"row {index} lacks primary-key value(s) {', '.join(missing)}")
        old = old_rows[index] if old_rows is not None else {}
        if operation == "insert":
            changes = {key: _pair(None, row[key]) for key in keys if key in row}
        elif operation == "delete":
            changes = {key: _pair(row[key], None) for key in keys if key in row}
        else:
            changes = _bulk_update_changes(row, old, keys, pk_keys)
        identity = [row[key] for key in pk_keys]
        parameters.append(_history_row(mapper, identity, operation, changes, changed_at, author))
    return HistoryInsert(change_history_table.insert(), parameters)
