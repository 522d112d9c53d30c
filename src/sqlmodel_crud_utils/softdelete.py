"""Soft delete: automatic exclusion of deleted rows, and unique indexes that ignore them.

A model opts in with :func:`exclude_deleted_rows` (or a session with
:func:`exclude_deleted_in`): every ORM ``SELECT`` then leaves out rows whose
``is_deleted`` is true, including relationship loads.  A statement opts out
with ``.execution_options(include_deleted=True)``; the CRUD helpers take an
``include_deleted=True`` argument for the same purpose.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Index, event, false, or_, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from sqlmodel_crud_utils.utils import SOFT_DELETE_COLUMNS, validate_soft_delete_args

#: ``session.info`` key that turns the filter on for every soft-delete model.
SESSION_KEY = "sqlmodel_crud_utils.soft_delete.exclude"
#: Execution option that turns the filter off for one statement.
INCLUDE_DELETED = "include_deleted"

_models: weakref.WeakSet[type] = weakref.WeakSet()
_lock = threading.Lock()
_installed = False


def has_soft_delete_columns(model: Any) -> bool:
    """Whether ``model``'s table has ``is_deleted``, ``deleted_at`` and ``deleted_by``."""
    try:
        columns = sa_inspect(model).local_table.columns
    except Exception:
        return False
    return all(name in columns for name in SOFT_DELETE_COLUMNS)


def not_deleted(model: Any) -> Any:
    """``is_deleted IS NULL OR is_deleted = false`` for ``model``."""
    flag = model.is_deleted
    return or_(flag.is_(None), flag == false())


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        event.listen(Session, "do_orm_execute", _add_criteria)
        _installed = True


def _add_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get(INCLUDE_DELETED):
        return
    info = state.session.info
    session_wide = bool(info.get(SESSION_KEY)) if isinstance(info, dict) else False
    targets = list(_models)
    if session_wide:
        for mapper in state.all_mappers:
            cls = mapper.class_
            if cls not in targets and has_soft_delete_columns(cls):
                targets.append(cls)
    for model in targets:
        state.statement = state.statement.options(
            with_loader_criteria(model, not_deleted(model), include_aliases=True)
        )


def exclude_deleted_rows(model: type, enabled: bool = True) -> None:
    """Make every ORM read of ``model`` leave out soft-deleted rows (or stop doing so).

    Raises:
        ValueError: the model lacks the soft-delete columns.
    """
    validate_soft_delete_args(model, True, None)
    _install()
    if enabled:
        _models.add(model)
    else:
        _models.discard(model)


def exclude_deleted_in(session: Any, enabled: bool = True) -> None:
    """Make every ORM read through ``session`` leave out soft-deleted rows of any model."""
    _install()
    info = getattr(session, "info", None)
    if isinstance(info, dict):
        if enabled:
            info[SESSION_KEY] = True
        else:
            info.pop(SESSION_KEY, None)


def soft_delete_unique_index(name: str, *columns: str) -> Index:
    """A unique index over ``columns`` that only counts rows not soft-deleted.

    Put it in ``__table_args__``; it becomes a partial index on PostgreSQL and
    SQLite (``WHERE is_deleted IS NULL OR NOT is_deleted``), so a deleted row
    does not block a new one with the same values.
    """
    if not columns:
        raise ValueError("soft_delete_unique_index needs at least one column name")
    where = text("is_deleted IS NULL OR is_deleted = false")
    return Index(name, *columns, unique=True, postgresql_where=where, sqlite_where=where)


__all__ = [
    "INCLUDE_DELETED",
    "exclude_deleted_in",
    "exclude_deleted_rows",
    "has_soft_delete_columns",
    "not_deleted",
    "soft_delete_unique_index",
]
