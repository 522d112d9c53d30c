"""The few behaviours of the async migration runner that differ from the sync one.

Hand-written on both sides (``migrate/sync/_twin.py`` is not generated):
running a migration's function (async ones get ``AsyncDatabase`` and an
awaitable ``op`` proxy, sync ones run through ``run_sync`` in the same
transaction), subprocesses, sleeping and autogenerate's sync connection.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from sqlmodel_crud_utils.engine import install_sqlite_hooks
from sqlmodel_crud_utils.facade.aio import AsyncDatabase

from ..files import Migration, wants_op
from ..plan import operations

__all__ = [
    "AsyncBatchOperations",
    "AsyncOperations",
    "autogenerate_with",
    "run_script",
    "run_step",
    "run_sync",
    "sleep",
]

T = TypeVar("T")

sleep = asyncio.sleep

_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


async def run_sync(conn: AsyncConnection, fn: Callable[[Connection], T]) -> T:
    """Run code that needs a sync connection."""
    return await conn.run_sync(fn)


class AsyncOperations:
    """Alembic ``Operations`` for async migrations: every call is awaited.

    ``await op.add_column(...)`` runs the operation through
    ``AsyncConnection.run_sync`` on the migration's connection, and
    ``async with op.batch_alter_table("t") as batch`` replaces the ``with``
    form.  Attributes that are not callables are returned as they are.

    Args:
        conn: The migration's connection.
        ops: Alembic ``Operations`` (or batch operations) bound to its sync side.
    """

    def __init__(self, conn: AsyncConnection, ops: Any) -> None:
        self._conn = conn
        self._ops = ops

    def batch_alter_table(self, *args: Any, **kwargs: Any) -> AsyncBatchOperations:
        """``async with op.batch_alter_table(table) as batch``: Alembic's batch mode."""
        return AsyncBatchOperations(self._conn, self._ops, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._ops, name)
        if not callable(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self._conn.run_sync(lambda _conn: attr(*args, **kwargs))

        call.__name__ = name
        return call

    def __repr__(self) -> str:
        return f"AsyncOperations({self._ops!r})"


class AsyncBatchOperations:
    """The ``async with`` form of ``op.batch_alter_table``; yields an :class:`AsyncOperations`."""

    def __init__(
        self, conn: AsyncConnection, ops: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self._conn = conn
        self._context = ops.batch_alter_table(*args, **kwargs)

    async def __aenter__(self) -> AsyncOperations:
        batch = await self._conn.run_sync(lambda _conn: self._context.__enter__())
        return AsyncOperations(self._conn, batch)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        return await self._conn.run_sync(lambda _conn: self._context.__exit__(exc_type, exc, tb))


def _call_sync(fn: Callable[..., Any], conn: Connection) -> None:
    from sqlmodel_crud_utils.facade.sync import Database

    args: list[Any] = [Database(conn)]
    if wants_op(fn):
        args.append(operations(conn))
    fn(*args)


async def run_step(conn: AsyncConnection, fn: Callable[..., Any], migration: Migration) -> None:
    """Run a migration's ``up``/``down`` on the transaction's connection.

    An ``async def`` gets an ``AsyncDatabase`` bound to ``conn`` (and an
    :class:`AsyncOperations`); a plain function runs through ``run_sync`` with
    a ``Database`` bound to the same connection.

    Args:
        conn: The transaction's connection.
        fn: The step.
        migration: Its file (named in the sync twin's errors).
    """
    if not inspect.iscoroutinefunction(fn):
        await conn.run_sync(functools.partial(_call_sync, fn))
        return
    args: list[Any] = [AsyncDatabase(conn)]
    if wants_op(fn):
        args.append(AsyncOperations(conn, await conn.run_sync(operations)))
    await fn(*args)


async def run_script(argv: list[str], env: Mapping[str, str]) -> tuple[int, str]:
    """Run a migration script; return its exit status and its standard error."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await proc.communicate()
    return proc.returncode or 0, errors.decode(errors="replace")


def autogenerate_with(
    db: AsyncDatabase, metadata: sa.MetaData, description: str, include_drops: bool
) -> str | None:
    """Autogenerate's source, read through a short-lived sync engine on the same database.

    Raises:
        ValueError: For an in-memory SQLite database (another engine cannot see it).
    """
    from ..autogen import autogenerate_source

    url = db.engine.url
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("autogenerate on an async in-memory database is not possible")
    engine = sa.create_engine(
        url.set(drivername=_SYNC_DRIVERS.get(backend, backend)), poolclass=NullPool
    )
    install_sqlite_hooks(engine)
    try:
        with engine.connect() as conn:
            return autogenerate_source(conn, metadata, description, include_drops)
    finally:
        engine.dispose()
