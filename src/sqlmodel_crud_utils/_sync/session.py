# This file is generated from src/sqlmodel_crud_utils/_async/session.py by scripts/unasync.py. Do not edit it by hand.
"""Session scopes and FastAPI-style session dependencies.

``session_scope`` is the unit of work: it commits when the block ends
normally, rolls back on any exception and always closes the session.  The
dependency factories wrap it in a generator function for ``Depends``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import create_engine_from_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

__all__ = [
    "session_dependency",
    "session_scope",
    "get_session",
    "get_default_engine",
    "set_default_engine",
]

_default_engine: Engine | None = None
_default_lock = threading.Lock()


def _open_session(bind: Engine | sessionmaker[Session], session_kwargs: dict[str, Any]) -> Session:
    if isinstance(bind, sessionmaker):
        return bind(**session_kwargs)
    session_kwargs.setdefault("expire_on_commit", False)
    return Session(bind, **session_kwargs)


@contextmanager
def session_scope(
    bind: Engine | sessionmaker[Session],
    *,
    immediate: bool = False,
    **session_kwargs: Any,
) -> Iterator[Session]:
    """Open a session, commit when the block succeeds, roll back when it fails.

    Any exception, including ``BaseException`` subclasses such as task
    cancellation or ``KeyboardInterrupt``, rolls the session back and is
    re-raised unchanged.  The session is closed in every case.

    Sessions opened from an engine use ``expire_on_commit=False``, so objects
    stay readable after the block without another query.  A sessionmaker's own
    settings are used as they are.

    Args:
        bind: An engine, or a sessionmaker that produces SQLModel sessions.
        immediate: Start the transaction as a writer.  On SQLite this emits
            ``BEGIN IMMEDIATE``, which takes the write lock at once, so code
            that reads and then writes cannot deadlock against another
            writer; it also serialises such scopes.  Other databases ignore it.
        **session_kwargs: Passed to the session (or sessionmaker) call.

    Yields:
        The session.
    """
    session = _open_session(bind, dict(session_kwargs))
    try:
        if immediate:
            session.connection(execution_options={"sqlite_begin": "immediate"})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_dependency(
    bind: Engine | sessionmaker[Session],
) -> Callable[[], Iterator[Session]]:
    """Build a session dependency for FastAPI's ``Depends``.

    Args:
        bind: An engine or a sessionmaker, as for :func:`session_scope`.

    Returns:
        A generator function that yields one session per request, commits
        after the request succeeds and rolls back when it raises.
    """

    def dependency() -> Iterator[Session]:
        with session_scope(bind) as session:
            yield session

    return dependency


def set_default_engine(engine: Engine | None) -> None:
    """Set the engine that :func:`get_session` uses.

    Args:
        engine: The engine, or ``None`` to go back to creating one from
            ``DBConfig()`` on next use.  A replaced engine is not disposed.
    """
    global _default_engine
    with _default_lock:
        _default_engine = engine


def get_default_engine() -> Engine:
    """Return the default engine, creating it from ``DBConfig()`` on first use.

    ``DBConfig()`` reads ``SCU_DATABASE_URL`` / ``DATABASE_URL`` and the other
    ``SCU_*`` settings from the environment at that moment.

    Returns:
        The engine set with :func:`set_default_engine`, or the one
        created from the environment.
    """
    global _default_engine
    with _default_lock:
        if _default_engine is None:
            _default_engine = create_engine_from_config(DBConfig())
        return _default_engine


def get_session() -> Iterator[Session]:
    """Yield a session on the default engine (a FastAPI dependency).

    Yields:
        A session inside :func:`session_scope`: committed when the
        request succeeds, rolled back when it raises, closed afterwards.
    """
    with session_scope(get_default_engine()) as session:
        yield session
