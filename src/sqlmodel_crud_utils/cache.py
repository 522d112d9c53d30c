"""The read cache: backends, keys, row snapshots and invalidation.

Nothing is cached until the application installs a backend with
:func:`configure_cache`.  Then ``get_row``/``get_rows`` with
``use_cache=True`` and query builders with ``.cached()`` answer repeated reads
from the cache without SQL.

Entries are grouped per table (:func:`namespace_for`); a write drops the whole
namespace of every model it touched.  The library invalidates after each
successful commit of a CRUD helper, after a ``transaction()`` block commits,
and when a session really rolls back; session listeners record which models a
flush or a bulk statement touched.  Reads of a model with uncommitted changes
in the same session bypass the cache.  Writes the library cannot see (raw SQL
on another connection, other programs) need :func:`invalidate_cache`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sqlmodel_crud_utils._core.state import session_info
from sqlmodel_crud_utils.cache_backends import (
    DEFAULT_TTL,
    CacheBackend,
    InMemoryCache,
    RedisCache,
)
from sqlmodel_crud_utils.log import current_logger

#: ``session.info`` key of the models written in the current transaction.
TOUCHED_KEY = "sqlmodel_crud_utils.cache.touched"
#: ``session.info`` key of models committed but not invalidated yet.
COMMITTED_KEY = "sqlmodel_crud_utils.cache.committed"

#: The logger of this module (looked up at call time).
logger: Any = current_logger()

_backend: CacheBackend | None = None
_listeners_installed = False


# --------------------------------------------------------------------------- #
# Configuration and invalidation
# --------------------------------------------------------------------------- #


def configure_cache(backend: CacheBackend | None) -> None:
    """Install the process-wide cache backend (``None`` disables caching).

    The first call also installs the session listeners that record written models.
    """
    global _backend
    _backend = backend
    _install_listeners()


def get_cache() -> CacheBackend | None:
    """The configured backend, or ``None``."""
    return _backend


def namespace_for(model: Any) -> str:
    """The namespace of a model's entries: ``<schema>.<table>`` or ``<table>``."""
    table = sa_inspect(model).local_table
    schema = getattr(table, "schema", None)
    return f"{schema}.{table.name}" if schema else str(table.name)


def invalidate_cache(model: Any = None) -> None:
    """Drop the cached reads of ``model``, or every entry when ``model`` is ``None``.

    A no-op without a backend; backend errors are logged, not raised.
    """
    backend = _backend
    if backend is None:
        return
    try:
        if model is None:
            backend.clear()
        else:
            backend.invalidate(namespace_for(model))
    except Exception as exc:
        logger.error(f"Cache invalidation failed: {exc!r}")


async def async_invalidate_cache(model: Any = None) -> None:
    """``invalidate_cache`` for async code (blocking backends run in a worker thread)."""
    backend = _backend
    if backend is not None and backend.blocking:
        await asyncio.to_thread(invalidate_cache, model)
    else:
        invalidate_cache(model)


#: The public async name.
a_invalidate_cache = async_invalidate_cache


def _record(session: Any, key: str, models: Iterable[type[Any]]) -> None:
    info = session_info(session)
    if info is not None:
        info.setdefault(key, set()).update(models)


def record_written(session: Any, *models: type[Any]) -> None:
    """Note that ``models`` were written in the session's current transaction.

    For writes that bypass ``Session.execute`` (statements run on the
    session's connection): the same note the cache's ``do_orm_execute``
    listener takes, so reads in the same transaction skip the cache and the
    commit invalidates it.  Nothing is noted while no cache was ever configured.
    """
    if _listeners_installed:
        _record(session, TOUCHED_KEY, models)


def written_models(session: Any, *models: type[Any]) -> set[type[Any]]:
    """Pop the models recorded as written on ``session`` and add ``models``."""
    found: set[type[Any]] = set(models)
    info = session_info(session)
    if info is not None:
        for key in (TOUCHED_KEY, COMMITTED_KEY):
            found.update(info.pop(key, ()) or ())
    return found


def invalidate_written(session: Any, *models: type[Any]) -> None:
    """Invalidate every model written on ``session`` (and ``models``) after a commit."""
    for model in written_models(session, *models):
        invalidate_cache(model)


def _invalidate_all(models: Iterable[type[Any]]) -> None:
    for model in models:
        invalidate_cache(model)


async def async_invalidate_written(session: Any, *models: type[Any]) -> None:
    """``invalidate_written`` for async code (blocking backends run in a worker thread)."""
    found = written_models(session, *models)
    backend = _backend
    if backend is None or not found:
        return
    if backend.blocking:
        await asyncio.to_thread(_invalidate_all, found)
    else:
        for model in found:
            invalidate_cache(model)


#: The public async name.
a_invalidate_written = async_invalidate_written


def _after_flush(session: Session, _flush_context: Any) -> None:
    models = {type(obj) for group in (session.new, session.dirty, session.deleted) for obj in group}
    _record(session, TOUCHED_KEY, models)


def _do_orm_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is not None:
            _record(state.session, TOUCHED_KEY, [mapper.class_])


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT was released: nothing is committed yet
    info = session_info(session)
    if info is not None and info.get(TOUCHED_KEY):
        info.setdefault(COMMITTED_KEY, set()).update(info.pop(TOUCHED_KEY))


def _after_rollback(session: Session) -> None:
    info = session_info(session)
    if info is None:
        return
    if session.get_nested_transaction() is None:
        touched = info.pop(TOUCHED_KEY, None)
    else:
        # A SAVEPOINT rolled back: the enclosing transaction's writes stay recorded.
        touched = set(info.get(TOUCHED_KEY) or ())
    for model in touched or ():
        invalidate_cache(model)


def _install_listeners() -> None:
    global _listeners_installed
    if _listeners_installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
    _listeners_installed = True


def cache_usable(session: Any, model: Any) -> bool:
    """Whether a read of ``model`` on ``session`` may use the cache now.

    False without a backend, and while the session holds uncommitted changes
    of ``model`` (the cache must not hide them from the session that made them).
    """
    if _backend is None:
        return False
    info = session_info(session)
    if info is not None and model in (info.get(TOUCHED_KEY) or ()):
        return False
    try:
        pending = (session.new, session.dirty, session.deleted)
    except Exception:
        return True
    return not any(isinstance(obj, model) for group in pending for obj in group)


# --------------------------------------------------------------------------- #
# Keys
# --------------------------------------------------------------------------- #


def _target(session: Any, model: Any) -> str:
    try:
        bind = session.get_bind(mapper=model)
        url = bind.url
    except Exception:
        return "unknown"
    text = str(url.render_as_string(hide_password=True))
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or "mode=memory" in str(url):
            text += f"#{id(bind)}"
    return text


def make_key(session: Any, model: Any, op: str, **parts: Any) -> str:
    """The cache key of one read: SHA-256 of the operation, database and parts."""
    material = repr((op, _target(session, model), sorted(parts.items())))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


_PLAIN_TYPES = (
    type(None),
    str,
    bytes,
    int,
    float,
    bool,
    Decimal,
    dt.date,
    dt.datetime,
    dt.time,
    dt.timedelta,
    uuid.UUID,
)


def is_plain(value: Any) -> bool:
    """Whether ``value`` has a stable ``repr`` usable in a key."""
    if type(value) in _PLAIN_TYPES:
        return True
    if isinstance(value, enum.Enum):
        return type(value).__repr__ is enum.Enum.__repr__
    if type(value) in (list, tuple, set, frozenset):
        return all(is_plain(item) for item in value)
    if type(value) is dict:
        return all(is_plain(k) and is_plain(v) for k, v in value.items())
    return False


def statement_key(session: Any, model: Any, op: str, stmnt: Any) -> str | None:
    """The cache key of a statement, or ``None`` when it cannot be keyed safely."""
    try:
        dialect = session.get_bind(mapper=model).dialect
        compiled = stmnt.compile(dialect=dialect)
        params = sorted(compiled.params.items())
    except Exception as exc:
        logger.debug(f"Statement not cacheable (does not compile): {exc!r}")
        return None
    if not all(is_plain(value) for _, value in params):
        logger.debug("Statement not cacheable: a bound value has no stable representation")
        return None
    entity = f"{model.__module__}.{model.__qualname__}"
    return make_key(session, model, op, entity=entity, sql=str(compiled), params=params)


# --------------------------------------------------------------------------- #
# Values
# --------------------------------------------------------------------------- #


def _extra_columns(model: Any) -> list[Any]:
    fields = getattr(model, "model_fields", {})
    return [prop for prop in sa_inspect(model).column_attrs if prop.key not in fields]


def dump_row(obj: Any) -> dict[str, Any] | None:
    """A JSON-compatible dict of a row's fields and other mapped columns (``None``: unable)."""
    model = type(obj)
    try:
        data = {name: to_jsonable_python(getattr(obj, name)) for name in model.model_fields}
        for prop in _extra_columns(model):
            data[prop.key] = to_jsonable_python(getattr(obj, prop.key))
        json.dumps(data)
    except Exception as exc:
        logger.warning(f"Row of {model.__name__} not cached (not serialisable): {exc!r}")
        return None
    return data


def _restore_value(prop: Any, value: Any) -> Any:
    if value is None:
        return None
    try:
        python_type = prop.columns[0].type.python_type
    except (NotImplementedError, AttributeError, IndexError):
        return value
    if python_type is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is dt.time:
        return dt.time.fromisoformat(value)
    if python_type in (Decimal, uuid.UUID):
        return python_type(value)
    return value


def load_row(model: Any, data: dict[str, Any]) -> Any:
    """Rebuild a detached instance from :func:`dump_row` output."""
    fields = {name: data[name] for name in model.model_fields if name in data}
    obj = model.model_validate(fields)
    for prop in _extra_columns(model):
        if prop.key in data:
            set_committed_value(obj, prop.key, _restore_value(prop, data[prop.key]))
    return obj


def lookup(namespace: str, key: str) -> Any | None:
    """Read an entry; backend failures are logged and count as a miss."""
    backend = _backend
    if backend is None:
        return None
    try:
        return backend.get(namespace, key)
    except Exception as exc:
        logger.error(f"Cache read failed: {exc!r}")
        return None


def store(namespace: str, key: str, value: Any, ttl: float | None) -> None:
    """Write an entry; backend failures are logged and ignored."""
    backend = _backend
    if backend is None:
        return
    try:
        backend.set(namespace, key, value, ttl)
    except Exception as exc:
        logger.error(f"Cache write failed: {exc!r}")


async def async_lookup(namespace: str, key: str) -> Any | None:
    """``lookup`` for async code (blocking backends run in a worker thread)."""
    backend = _backend
    if backend is not None and backend.blocking:
        return await asyncio.to_thread(lookup, namespace, key)
    return lookup(namespace, key)


async def async_store(namespace: str, key: str, value: Any, ttl: float | None) -> None:
    """``store`` for async code (blocking backends run in a worker thread)."""
    backend = _backend
    if backend is not None and backend.blocking:
        await asyncio.to_thread(store, namespace, key, value, ttl)
    else:
        store(namespace, key, value, ttl)


def rows_from_entry(model: Any, entry: Any) -> list[Any] | None:
    """Rebuild the rows of a ``{"rows": [...]}`` entry (``None``: invalid entry, logged)."""
    try:
        return [load_row(model, item) for item in entry["rows"]]
    except Exception as exc:
        logger.error(f"Invalid cache entry for {model.__name__}: {exc!r}")
        return None


def row_from_entry(model: Any, entry: Any) -> Any | None:
    """Rebuild the row of a single-row entry (``None``: invalid entry, logged)."""
    try:
        return load_row(model, entry)
    except Exception as exc:
        logger.error(f"Invalid cache entry for {model.__name__}: {exc!r}")
        return None


def rows_entry(rows: Iterable[Any]) -> dict[str, Any] | None:
    """The ``{"rows": [...]}`` entry of a list of rows (``None``: not serialisable)."""
    dumped = []
    for row in rows:
        data = dump_row(row)
        if data is None:
            return None
        dumped.append(data)
    return {"rows": dumped}


# --------------------------------------------------------------------------- #
# get_row / get_rows
# --------------------------------------------------------------------------- #

Slot = tuple[str, str]


def row_slot(session: Any, model: Any, pk_field: str, id_str: Any) -> Slot | None:
    """Where ``get_row``'s answer is cached, or ``None`` when the cache is not usable."""
    if not cache_usable(session, model) or not is_plain(id_str):
        return None
    key = make_key(session, model, "get_row", pk_field=pk_field, id=id_str)
    return namespace_for(model), key


def rows_slot(
    session: Any,
    model: Any,
    page: Any,
    page_size: Any,
    text_field: Any,
    filters: dict[str, Any],
) -> Slot | None:
    """Where ``get_rows``'s answer is cached, or ``None`` (no cache, unkeyable filters)."""
    if not cache_usable(session, model):
        return None
    normalised = sorted(filters.items())
    if not all(is_plain(value) for _, value in normalised):
        return None
    parts = {"page": page, "page_size": page_size, "text_field": text_field}
    key = make_key(session, model, "get_rows", filters=normalised, **parts)
    return namespace_for(model), key


def cached_row(slot: Slot, model: Any) -> Any | None:
    """The cached row of ``slot`` as a detached instance (``None``: miss)."""
    entry = lookup(*slot)
    return None if entry is None else row_from_entry(model, entry)


def cached_rows(slot: Slot, model: Any) -> list[Any] | None:
    """The cached rows of ``slot`` as detached instances (``None``: miss)."""
    entry = lookup(*slot)
    return None if entry is None else rows_from_entry(model, entry)


def keep_row(slot: Slot, row: Any, ttl: float | None) -> None:
    """Cache one found row."""
    value = dump_row(row)
    if value is not None:
        store(*slot, value, ttl)


def keep_rows(slot: Slot, rows: list[Any], ttl: float | None) -> None:
    """Cache a non-empty list of rows."""
    value = rows_entry(rows) if rows else None
    if value is not None:
        store(*slot, value, ttl)


async def _run(function: Any, *args: Any) -> Any:
    backend = _backend
    if backend is not None and backend.blocking:
        return await asyncio.to_thread(function, *args)
    return function(*args)


async def async_cached_row(slot: Slot, model: Any) -> Any | None:
    """``cached_row`` for async code (blocking backends run in a worker thread)."""
    return await _run(cached_row, slot, model)


async def async_cached_rows(slot: Slot, model: Any) -> list[Any] | None:
    """``cached_rows`` for async code (blocking backends run in a worker thread)."""
    result: list[Any] | None = await _run(cached_rows, slot, model)
    return result


async def async_keep_row(slot: Slot, row: Any, ttl: float | None) -> None:
    """``keep_row`` for async code (blocking backends run in a worker thread)."""
    value = dump_row(row)
    if value is not None:
        await _run(store, *slot, value, ttl)


async def async_keep_rows(slot: Slot, rows: list[Any], ttl: float | None) -> None:
    """``keep_rows`` for async code (blocking backends run in a worker thread)."""
    value = rows_entry(rows) if rows else None
    if value is not None:
        await _run(store, *slot, value, ttl)


__all__ = [
    "DEFAULT_TTL",
    "CacheBackend",
    "InMemoryCache",
    "RedisCache",
    "a_invalidate_cache",
    "a_invalidate_written",
    "configure_cache",
    "get_cache",
    "invalidate_cache",
    "invalidate_written",
    "make_key",
    "namespace_for",
    "statement_key",
    "written_models",
]
