"""Session scopes and FastAPI-style session dependencies.

``async_session_scope`` is the unit of work: it commits when the block ends
normally, rolls back on any exception and always closes the session.  The
dependency factories wrap it in a generator function for ``Depends``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import create_async_engine_from_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "async_session_dependency",
    "async_session_scope",
    "get_async_session",
    "get_default_async_engine",
    "set_default_async_engine",
]

_default_async_engine: AsyncEngine | None = None
_default_lock = threading.Lock()


def _open_session(
    bind: AsyncEngine | async_sessionmaker[AsyncSession], session_kwargs: dict[str, Any]
) -> AsyncSession:
    if isinstance(bind, async_sessionmaker):
        return bind(**session_kwargs)
    session_kwargs.setdefault("expire_on_commit", False)
    return AsyncSession(bind, **session_kwargs)


@asynccontextmanager
async def async_session_scope(
    bind: AsyncEngine | async_sessionmaker[AsyncSession],
    *,
    immediate: bool = False,
    **session_kwargs: Any,
) -> AsyncIterator[AsyncSession]:
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
            await session.connection(execution_options={"sqlite_begin": "immediate"})
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()


def async_session_dependency(
    bind: AsyncEngine | async_sessionmaker[AsyncSession],
) -> Callable[[], AsyncIterator[AsyncSession]]:
    """Build a session dependency for FastAPI's ``Depends``.

    Args:
        bind: An engine or a sessionmaker, as for :func:`async_session_scope`.

    Returns:
        A generator function that yields one session per request, commits
        after the request succeeds and rolls back when it raises.
    """

    async def dependency() -> AsyncIterator[AsyncSession]:
        async with async_session_scope(bind) as session:
            yield session

    return dependency


def set_default_async_engine(engine: AsyncEngine | None) -> None:
    """Set the engine that :func:`get_async_session` uses.

    Args:
        engine: The engine, or ``None`` to go back to creating one from
            ``DBConfig()`` on next use.  A replaced engine is not disposed.
    """
    global _default_async_engine
    with _default_lock:
        _default_async_engine = engine


def get_default_async_engine() -> AsyncEngine:
    """Return the default engine, creating it from ``DBConfig()`` on first use.

    ``DBConfig()`` reads ``SCU_DATABASE_URL`` / ``DATABASE_URL`` and the other
    ``SCU_*`` settings from the environment at that moment.

    Returns:
        The engine set with :func:`set_default_async_engine`, or the one
        created from the environment.
    """
    global _default_async_engine
    with _default_lock:
        if _default_async_engine is None:
            _default_async_engine = create_async_engine_from_config(DBConfig())
        return _default_async_engine


async def get_async_session() -> AsyncIterator[AsyncSession]:
    """Yield a session on the default engine (a FastAPI dependency).

    Yields:
        A session inside :func:`async_session_scope`: committed when the
        request succeeds, rolled back when it raises, closed afterwards.
    """
    async with async_session_scope(get_default_async_engine()) as session:
        yield session
