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
    try:
        return sa_inspect(obj)
    except NoInspectionAvailable:
        return None


Snapshot = list[tuple[Any, dict[str, Any]]]


def snapshot(objects: Iterable[Any]) -> Snapshot:
    """Record the loaded column values of mapped ``objects``."""
    taken: Snapshot = []
    for obj in objects:
        state = _state(obj)
        if state is None or not hasattr(state, "mapper"):
            continue
        values = {
            prop.key: state.dict[prop.key]
            for prop in state.mapper.column_attrs
            if prop.key in state.dict
        }
        taken.append((obj, values))
    return taken


def restore(taken: Snapshot) -> None:
    """Put snapshotted values back as committed state (no I/O, no dirty flag)."""
    for obj, values in taken:
        for key, value in values.items():
            set_committed_value(obj, key, value)


def unloaded_columns(obj: Any) -> list[str]:
    """Column attributes of a persistent object that are not loaded (server defaults)."""
    state = _state(obj)
    if state is None or not getattr(state, "persistent", False):
        return []
    unloaded = state.unloaded
    return [prop.key for prop in state.mapper.column_attrs if prop.key in unloaded]


def identity_model(obj: Any) -> type[Any]:
    """The class to invalidate for a written object."""
    return type(obj)
