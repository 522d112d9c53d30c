"""When a single-row call may skip the ORM machinery (pure: nothing here executes).

``delete_row`` and ``update_row`` normally load the row, change it through
the session and commit: two statements and a flush.  When nothing could
observe the difference, one ``DELETE ... WHERE pk = :value`` (or ``UPDATE ...
RETURNING``) does the same work, and ``get_row`` reads the row with a plain
``SELECT`` and attaches it to the session as the ORM's loading would.  These
checks decide that, from the model, the session's state and the listeners
installed, without emitting SQL.  Anything unusual keeps the ORM path:

* a session double or an unbound session (the dialect is unknown);
* a key that is not the model's single-column primary key;
* lifecycle hooks for the event, change tracking, a version counter,
  relationships (cascades), soft-delete columns (reads may exclude deleted rows);
* mapper or session listeners that are not this package's own, ``load``
  listeners on the model (for updates:
  any mapper update listener, attribute listener or validator, and, for a
  model with an ``updated_by`` column, the audit listener that fills it);
* for updates: a value for a non-column attribute or for the key itself, or a
  database without ``UPDATE ... RETURNING``;
* pending changes in the session, the row already in its identity map, or
  (outside a ``transaction()`` block) an open transaction, whose earlier
  work a rollback after a miss would undo.

When no row matches, the direct write's transaction is rolled back (so no
write lock stays held) and the objects the session had loaded keep their
values, as they would after the ORM path's lookup.

A direct write outside any transaction of the session commits on a
connection of its own (:func:`commit_alone_bind`): the session would
otherwise open a transaction, check a connection out and commit it for that
one statement.  The session then ends as a commit leaves it (objects expired
when ``expire_on_commit`` is set, cached reads of the model invalidated), and
this only happens when no listener could tell the difference.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine

from sqlmodel_crud_utils._core.dialects import session_dialect_name
from sqlmodel_crud_utils._core.state import in_block, plain_session
from sqlmodel_crud_utils.hooks import has_hooks
from sqlmodel_crud_utils.softdelete import has_soft_delete_columns
from sqlmodel_crud_utils.tracking import is_tracked

#: Name of the bound parameter of :func:`primary_key_delete`.
FAST_PK_PARAM = "scu_fast_pk_value"

#: Session events a flush would fire (a fast path skips the flush).
_FLUSH_EVENTS = ("before_flush", "after_flush", "after_flush_postexec", "do_orm_execute")

#: Session events of the transaction (and object lifecycle) a session-run write goes through.
_TRANSACTION_EVENTS = (
    "after_transaction_create",
    "after_transaction_end",
    "after_begin",
    "before_commit",
    "after_commit",
    "after_rollback",
    "after_soft_rollback",
    "persistent_to_deleted",
    "deleted_to_detached",
    "persistent_to_detached",
)

#: Mapper events of a unit-of-work delete.
_DELETE_EVENTS = ("before_delete", "after_delete")

#: Mapper events of a unit-of-work update.
_UPDATE_EVENTS = ("before_update", "after_update")

_PACKAGE = __name__.split(".", 1)[0]

#: This package's listeners that never act on a plain, untracked model's update.
_NEUTRAL_MODULES = tuple(f"{_PACKAGE}.{name}" for name in ("cache", "softdelete", "tracking"))
_AUDIT_MODULE = f"{_PACKAGE}.audit"

#: model -> (primary-key attribute name, mapper) when the model qualifies structurally.
_plain_models: dict[Any, tuple[str, Any] | None] = {}


def _own_listener(fn: Any) -> bool:
    """Whether ``fn`` is one of this package's listeners (cache, audit, tracking, soft delete)."""
    module = getattr(fn, "__module__", None) or ""
    return module == _PACKAGE or module.startswith(_PACKAGE + ".")


def _neutral_listener(fn: Any) -> bool:
    return (getattr(fn, "__module__", None) or "") in _NEUTRAL_MODULES


def _neutral_or_audit(fn: Any) -> bool:
    return _neutral_listener(fn) or getattr(fn, "__module__", None) == _AUDIT_MODULE


def _neutral_for(mapper: Any) -> Any:
    """A test for listeners of this package that leave a plain update alone.

    The audit listener fills ``updated_by`` during a flush, so it only counts
    as neutral for models without that column.
    """
    return _neutral_listener if "updated_by" in mapper.column_attrs else _neutral_or_audit


def _foreign_listeners(
    dispatch: Any, events: tuple[str, ...], allowed: Any = _own_listener
) -> bool:
    for name in events:
        for fn in getattr(dispatch, name, ()):
            if not allowed(fn):
                return True
    return False


def _plain_key(model: Any) -> tuple[str, Any] | None:
    """The key attribute and mapper of a model without relationships, version or soft delete."""
    if model in _plain_models:
        return _plain_models[model]
    found: tuple[str, Any] | None = None
    try:
        mapper = sa_inspect(model)
    except Exception:
        mapper = None
    if (
        mapper is not None
        and len(mapper.primary_key) == 1
        and not mapper.relationships
        and mapper.version_id_col is None
        and not mapper.inherits
        and not mapper.polymorphic_on
        and not has_soft_delete_columns(model)
    ):
        found = (mapper.get_property_by_column(mapper.primary_key[0]).key, mapper)
    _plain_models[model] = found
    return found


def _plain_mapper(session: Any, model: Any, pk_field: str) -> Any:
    """The mapper when ``model`` is plain, ``pk_field`` is its key and the session is real."""
    plain = _plain_key(model)
    if plain is None or plain[0] != pk_field:
        return None
    if isinstance(getattr(plain_session(session), "bind", None), Engine):
        return plain[1]  # a session bound to an engine (checked without building a bind lookup)
    return plain[1] if session_dialect_name(session, model) is not None else None


def can_delete_directly(session: Any, model: Any, pk_field: str, pk_value: Any) -> bool:
    """Whether ``delete_row`` may run as one ``DELETE`` without loading the row.

    Args:
        session: The caller's session (sync or async).
        model: The model class.
        pk_field: The key attribute the caller passed.
        pk_value: The key value, already converted to the column's type.
    """
    mapper = _plain_mapper(session, model, pk_field)
    if mapper is None or is_tracked(model) or has_hooks(model, *_DELETE_EVENTS):
        return False
    if _foreign_listeners(mapper.dispatch, _DELETE_EVENTS):
        return False
    return _writer_allowed(session, mapper, pk_value, _own_listener)


def _session_allows(
    session: Any, mapper: Any, pk_value: Any, allowed: Any, events: tuple[str, ...] = _FLUSH_EVENTS
) -> bool:
    """The session-state conditions: listeners, nothing pending, the row not loaded."""
    plain = plain_session(session)
    # Anything new, deleted or modified (even without a net change) keeps the ORM path.
    if plain._new or plain._deleted or plain.identity_map._modified:
        return False
    if _foreign_listeners(plain.dispatch, events, allowed):
        return False
    try:
        return mapper.identity_key_from_primary_key([pk_value]) not in plain.identity_map
    except TypeError:  # an unhashable value: let the ORM path report it
        return False


def _writer_allowed(session: Any, mapper: Any, pk_value: Any, allowed: Any) -> bool:
    """``_session_allows`` plus, outside a block, no transaction a miss would roll back."""
    if not _session_allows(session, mapper, pk_value, allowed):
        return False
    plain = plain_session(session)
    return in_block(plain) or not plain.in_transaction()


_delete_statements: dict[Any, Any] = {}


def primary_key_delete(model: Any) -> Any:
    """``DELETE FROM <table> WHERE <pk> = :scu_fast_pk_value``, built once per model."""
    stmt = _delete_statements.get(model)
    if stmt is None:
        table = sa_inspect(model).local_table
        column = sa_inspect(model).primary_key[0]
        stmt = delete(table).where(column == bindparam(FAST_PK_PARAM))
        _delete_statements[model] = stmt
    return stmt


def _writes_returning(session: Any, model: Any) -> bool:
    try:
        bind = session.get_bind(mapper=model)
    except Exception:
        return False
    return bool(getattr(getattr(bind, "dialect", None), "update_returning", False))


def can_update_directly(
    session: Any, model: Any, pk_field: str, pk_value: Any, data: dict[str, Any]
) -> bool:
    """Whether ``update_row`` may run as one ``UPDATE ... RETURNING`` without loading the row.

    Args:
        session: The caller's session (sync or async).
        model: The model class.
        pk_field: The key attribute the caller passed.
        pk_value: The key value, already converted to the column's type.
        data: The attribute names and values to set.
    """
    if not data or pk_field in data:
        return False
    mapper = _plain_mapper(session, model, pk_field)
    if mapper is None or not _writes_returning(session, model):
        return False
    if is_tracked(model) or has_hooks(model, *_UPDATE_EVENTS):
        return False
    if mapper.validators or _foreign_listeners(mapper.dispatch, _UPDATE_EVENTS, _never):
        return False
    columns = mapper.column_attrs
    for key in data:
        if key not in columns or getattr(model, key).dispatch.set:
            return False
    return _writer_allowed(session, mapper, pk_value, _neutral_for(mapper))


def _never(_fn: Any) -> bool:
    return False


_update_statements: dict[tuple[Any, tuple[str, ...]], tuple[Any, dict[str, str]]] = {}


def primary_key_update(model: Any, keys: tuple[str, ...]) -> tuple[Any, dict[str, str]]:
    """``UPDATE <table> SET ... WHERE <pk> = :value RETURNING *``, built once per key set.

    Returns:
        The statement and, per attribute name, the name of its bound parameter.
    """
    cache_key = (model, keys)
    found = _update_statements.get(cache_key)
    if found is None:
        mapper = sa_inspect(model)
        table = mapper.local_table
        names = {key: f"scu_set_{index}" for index, key in enumerate(keys)}
        values: dict[str, Any] = {
            mapper.column_attrs[key].columns[0].key: bindparam(names[key]) for key in keys
        }
        stmt = (
            update(table)
            .where(mapper.primary_key[0] == bindparam(FAST_PK_PARAM))
            .values(values)
            .returning(*table.c)
        )
        found = (stmt, names)
        _update_statements[cache_key] = found
    return found


def can_read_directly(session: Any, model: Any, pk_field: str, pk_value: Any) -> bool:
    """Whether ``get_row`` may read with a plain ``SELECT`` and attach the row itself.

    Args:
        session: The caller's session (sync or async).
        model: The model class.
        pk_field: The key attribute the caller passed.
        pk_value: The key value, already converted to the column's type.
    """
    mapper = _plain_mapper(session, model, pk_field)
    if mapper is None or mapper.class_manager.dispatch.load:
        return False
    return _session_allows(session, mapper, pk_value, _own_listener, ("do_orm_execute",))


_row_selects: dict[Any, Any] = {}


def primary_key_row_select(model: Any) -> Any:
    """``SELECT <columns> FROM <table> WHERE <pk> = :scu_fast_pk_value``, built once per model."""
    stmt = _row_selects.get(model)
    if stmt is None:
        mapper = sa_inspect(model)
        table = mapper.local_table
        stmt = select(table).where(mapper.primary_key[0] == bindparam(FAST_PK_PARAM))
        _row_selects[model] = stmt
    return stmt


def commit_alone_bind(session: Any, mapper: Any) -> Any:
    """The engine a direct write may run and commit on without the session's transaction.

    ``None`` unless the session has no transaction and no ``transaction()``
    block, begins transactions by itself (``autobegin``, not two-phase), is
    bound to an engine (not a connection) for ``mapper``, and has no listeners
    other than this package's on the events its own transaction would fire.
    Call it after the ``can_*_directly`` check of the write.

    Args:
        session: The caller's session (sync or async).
        mapper: The mapper of the written model.
    """
    plain = plain_session(session)
    if in_block(plain) or plain.in_transaction() or plain.twophase:
        return None
    if not getattr(plain, "autobegin", False):
        return None
    if _foreign_listeners(plain.dispatch, _TRANSACTION_EVENTS):
        return None
    try:
        bind = plain.get_bind(mapper=mapper)
    except Exception:
        return None
    return bind if isinstance(bind, Engine) else None
