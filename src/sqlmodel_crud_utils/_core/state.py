"""Session state the CRUD helpers read and keep: transaction blocks and returned objects.

A ``transaction()`` block marks its session in ``session.info`` so that write
helpers join it (SAVEPOINT + flush) instead of committing.  Objects returned
by write helpers keep their written column values across the commit, so they
stay readable without I/O (async code) and after the session closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import InstanceState
from sqlalchemy.orm.attributes import set_committed_value

#: ``session.info`` key holding the depth of nested ``transaction()`` blocks.
DEPTH_KEY = "sqlmodel_crud_utils.transaction.depth"


def session_info(session: Any) -> dict[str, Any] | None:
    """``session.info`` when it is a real dict (session doubles give ``None``)."""
    try:
        info = session.info
    except Exception:
        return None
    return info if isinstance(info, dict) else None


def block_depth(session: Any) -> int:
    """How many ``transaction()`` blocks are open on ``session`` (0: none)."""
    info = session_info(session)
    if info is None:
        return 0
    depth = info.get(DEPTH_KEY, 0)
    return depth if isinstance(depth, int) else 0


def in_block(session: Any) -> bool:
    """Whether ``session`` is inside a ``transaction()`` block."""
    return block_depth(session) > 0


def plain_session(session: Any) -> Any:
    """The sync ``Session`` behind ``session`` (an ``AsyncSession``'s, or ``session`` itself)."""
    return getattr(session, "sync_session", session)


def set_block_depth(session: Any, depth: int) -> None:
    """Record the block depth of ``session`` (ignored for session doubles)."""
    info = session_info(session)
    if info is None:
        return
    if depth <= 0:
        info.pop(DEPTH_KEY, None)
    else:
        info[DEPTH_KEY] = depth


def _state(obj: Any) -> Any:
    """The ORM state of a mapped instance (``None`` for anything else).

    Read straight from the instance (what ``inspect()`` returns for mapped
    objects, without its type lookup, which is slow in loops over many rows).
    """
    state = getattr(obj, "_sa_instance_state", None)
    if isinstance(state, InstanceState):
        return state
    try:
        return sa_inspect(obj)
    except NoInspectionAvailable:
        return None


Snapshot = list[tuple[Any, dict[str, Any]]]


#: mapper -> ``(attribute name, column)`` of its column attributes.
_COLUMN_PAIRS: dict[Any, tuple[tuple[str, Any], ...]] = {}


def _column_pairs(mapper: Any) -> tuple[tuple[str, Any], ...]:
    """``(attribute name, column)`` of every column attribute of ``mapper``, computed once."""
    pairs = _COLUMN_PAIRS.get(mapper)
    if pairs is None:
        pairs = tuple((prop.key, prop.columns[0]) for prop in mapper.column_attrs)
        _COLUMN_PAIRS[mapper] = pairs
    return pairs


#: mapper -> its column attribute names (read per object by snapshots).
_COLUMN_KEYS: dict[Any, tuple[str, ...]] = {}


def _column_keys(mapper: Any) -> tuple[str, ...]:
    """The column attribute names of ``mapper``, computed once."""
    keys = _COLUMN_KEYS.get(mapper)
    if keys is None:
        keys = _COLUMN_KEYS[mapper] = tuple(key for key, _column in _column_pairs(mapper))
    return keys


def snapshot(objects: Iterable[Any]) -> Snapshot:
    """Record the loaded column values of mapped ``objects``."""
    taken: Snapshot = []
    for obj in objects:
        state = _state(obj)
        if state is None or not hasattr(state, "mapper"):
            continue
        loaded = state.dict
        values = {key: loaded[key] for key in _column_keys(state.mapper) if key in loaded}
        taken.append((obj, values))
    return taken


def restore(taken: Snapshot) -> None:
    """Put snapshotted values back as committed state (no I/O, no dirty flag).

    Equivalent to ``set_committed_value`` for each value, done per object
    (one dict update and one commit of the keys), which matters for bulk results.
    """
    for obj, values in taken:
        if not values:
            continue
        state = _state(obj)
        commit = getattr(state, "_commit", None)
        if commit is None:
            for key, value in values.items():
                set_committed_value(obj, key, value)
            continue
        loaded = state.dict
        loaded.update(values)
        commit(loaded, values.keys())


def unloaded_columns(obj: Any) -> list[str]:
    """Column attributes of a persistent object that are not loaded (server defaults)."""
    state = _state(obj)
    if state is None or not getattr(state, "persistent", False):
        return []
    unloaded = state.unloaded
    return [key for key in _column_keys(state.mapper) if key in unloaded]


def identity_model(obj: Any) -> type[Any]:
    """The class to invalidate for a written object."""
    return type(obj)


#: mapper -> (identity class, key position, ``(attribute name, position)`` per column).
_ROW_LAYOUTS: dict[Any, tuple[Any, int, tuple[tuple[str, int], ...]]] = {}


def _row_layout(mapper: Any) -> tuple[Any, int, tuple[tuple[str, int], ...]]:
    """Where each column attribute sits in a row of ``SELECT <table columns>``, computed once."""
    layout = _ROW_LAYOUTS.get(mapper)
    if layout is None:
        positions = {column: index for index, column in enumerate(mapper.local_table.c)}
        pairs = tuple((key, positions[column]) for key, column in _column_pairs(mapper))
        layout = (mapper._identity_class, positions[mapper.primary_key[0]], pairs)
        _ROW_LAYOUTS[mapper] = layout
    return layout


def attach_loaded(session: Any, model: Any, row: Any, overrides: dict[str, Any]) -> Any:
    """A persistent ``model`` instance in ``session`` holding a row's values (no I/O).

    What loading the row gives, for a row of a plain single-key model (every
    column of its table, in table order) that the caller knows is not in the
    session's identity map: the columns of ``row``, with ``overrides``
    (attribute name -> value) taking the place of the stored values, as
    setting them on a loaded object would.  The instance enters the identity
    map the way the ORM's loader puts it there, and the session's
    ``loaded_as_persistent`` listeners run as they would for a load.
    """
    plain = plain_session(session)
    mapper = model.__mapper__
    identity_class, key_position, pairs = _row_layout(mapper)
    obj = mapper.class_manager.new_instance()
    state = obj._sa_instance_state
    values = state.dict
    for key, position in pairs:
        values[key] = overrides[key] if key in overrides else row[position]
    identity = (identity_class, (row[key_position],), None)
    state.key = identity
    state.identity_token = None
    state.session_id = plain.hash_key
    plain.identity_map._add_unpresent(state, identity)
    if plain.dispatch.loaded_as_persistent:
        plain.dispatch.loaded_as_persistent(plain, state)
    return obj
