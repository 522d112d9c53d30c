"""Who is acting: a context variable the application sets once per request.

The current user fills ``created_by`` / ``updated_by`` on flush (any model with
those columns, for example through :class:`~sqlmodel_crud_utils.mixins.AuditMixin`)
and ``changed_by`` of change-history rows when the session gives none.

The value lives in a :class:`contextvars.ContextVar`, so each thread and each
asyncio task sees its own user: set it in a request middleware or dependency and
every flush made while handling that request is attributed to it.

The ``before_flush`` listener that fills the columns is installed on
``sqlalchemy.orm.Session`` (which also covers ``AsyncSession``) the first time a
user is set, or by :func:`enable_audit`; importing this module installs nothing.
Without a current user the listener changes nothing.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

__all__ = [
    "AUDIT_USER_MAX_LENGTH",
    "acting_as",
    "audit_user_value",
    "audit_values",
    "current_user",
    "enable_audit",
    "reset_current_user",
    "set_current_user",
]

#: Longest user text stored in ``created_by`` / ``updated_by`` / ``changed_by``.
AUDIT_USER_MAX_LENGTH = 100

_CREATED_BY = "created_by"
_UPDATED_BY = "updated_by"

_current_user: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sqlmodel_crud_utils_current_user", default=None
)

_install_lock = threading.Lock()
_installed = False


def current_user() -> str | None:
    """Return the user set for the current context, or ``None``."""
    return _current_user.get()


def set_current_user(user: str | None) -> contextvars.Token[str | None]:
    """Set the user of the current context (thread or asyncio task).

    Also installs the flush listener that fills ``created_by`` and ``updated_by``
    (once per process).

    Args:
        user: An identifier of the user (stored as text, cut to 100 characters),
            or ``None`` for nobody.

    Returns:
        A token for :func:`reset_current_user`, which restores the previous user.
    """
    enable_audit()
    return _current_user.set(user)


def reset_current_user(token: contextvars.Token[str | None]) -> None:
    """Restore the user that was current before the matching :func:`set_current_user`.

    Args:
        token: The token :func:`set_current_user` returned, in the same context.
    """
    _current_user.reset(token)


@contextmanager
def acting_as(user: str | None) -> Iterator[None]:
    """Attribute the writes flushed inside the block to ``user``.

    Works in sync and async code alike; the previous user is restored on exit.

    Args:
        user: An identifier of the user, or ``None`` for nobody.

    Yields:
        Nothing.
    """
    token = set_current_user(user)
    try:
        yield
    finally:
        reset_current_user(token)


def audit_user_value(user: Any) -> str | None:
    """The text stored for ``user`` in audit columns (``None`` stays ``None``)."""
    if user is None:
        return None
    return str(user)[:AUDIT_USER_MAX_LENGTH]


def audit_values(model: Any, *, inserting: bool = False) -> dict[str, str]:
    """The audit columns a bulk statement should set for the current user.

    ORM flushes fill ``created_by`` / ``updated_by`` by themselves; statements
    that bypass the ORM (bulk updates, upserts) can merge these values into
    their own (the caller's values winning).

    Args:
        model: The model class (or Core ``Table``) written.
        inserting: Include ``created_by`` (for rows being inserted).

    Returns:
        ``{"updated_by": user}`` (plus ``"created_by"`` when inserting) for the
        columns ``model`` has; empty without a current user.
    """
    user = audit_user_value(_current_user.get())
    if user is None:
        return {}
    try:
        target = model if isinstance(model, Table) else sa_inspect(model).local_table
        columns = target.columns
    except Exception:
        return {}
    wanted = (_CREATED_BY, _UPDATED_BY) if inserting else (_UPDATED_BY,)
    return {key: user for key in wanted if key in columns}


def enable_audit() -> None:
    """Install the listener that fills ``created_by`` / ``updated_by`` on flush.

    Idempotent and thread-safe. :func:`set_current_user` and :func:`acting_as` call
    it, so applications rarely need to; it is public for those that prefer to
    install listeners explicitly at start-up.
    """
    global _installed
    if _installed:
        return
    with _install_lock:
        if not event.contains(Session, "before_flush", _fill_audit_columns):
            event.listen(Session, "before_flush", _fill_audit_columns)
        _installed = True


def _column_keys(obj: Any) -> frozenset[str]:
    try:
        mapper = sa_inspect(obj).mapper
    except Exception:
        return frozenset()
    return frozenset(prop.key for prop in mapper.column_attrs)


def _fill_audit_columns(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: fill empty ``created_by`` / ``updated_by`` from the current user.

    New objects get both columns when they are ``None``; changed persistent
    objects get ``updated_by`` unless it was itself changed since the last flush.
    Values the caller set are never overwritten.
    """
    user = audit_user_value(_current_user.get())
    if user is None:
        return
    for obj in session.new:
        keys = _column_keys(obj)
        for key in (_CREATED_BY, _UPDATED_BY):
            if key in keys and sa_inspect(obj).dict.get(key) is None:
                setattr(obj, key, user)
    for obj in session.dirty:
        if _UPDATED_BY not in _column_keys(obj) or not session.is_modified(
            obj, include_collections=False
        ):
            continue
        if sa_inspect(obj).attrs[_UPDATED_BY].history.has_changes():
            continue
        setattr(obj, _UPDATED_BY, user)
