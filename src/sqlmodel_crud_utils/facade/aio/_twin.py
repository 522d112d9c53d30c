"""The few behaviours of the async twin that differ from the sync twin.

Hand-written on both sides (``facade/sync/_twin.py`` is not generated): the
lock type, the owner of a transaction, running inspection code, streaming,
table membership/iteration and the ``db.t`` listing rules.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Connection, Executable, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from sqlmodel_crud_utils.exceptions import InvalidOperationError

if TYPE_CHECKING:
    from .core import AsyncDatabaseCore

__all__ = [
    "Lock",
    "TableTwin",
    "accessor_dir",
    "accessor_names",
    "current_owner",
    "new_lock",
    "on_miss",
    "run_sync",
    "stream_rows",
]

T = TypeVar("T")

#: The lock that serialises calls on an in-memory database.
Lock = asyncio.Lock

NOT_OPENED = "database not opened: use 'async with' or 'await db.connect()'"


def new_lock() -> Lock:
    """Return a new lock for one in-memory database."""
    return asyncio.Lock()


def current_owner() -> object:
    """The task that owns a transaction opened now."""
    return asyncio.current_task()


async def run_sync(conn: AsyncConnection, fn: Callable[[Connection], T]) -> T:
    """Run inspection code that needs a sync connection."""
    return await conn.run_sync(fn)


async def stream_rows(conn: AsyncConnection, statement: Executable) -> AsyncIterator[RowMapping]:
    """Yield the rows of ``statement`` through a server-side cursor."""
    result = await conn.stream(statement)
    async for row in result.mappings():
        yield row


class _Rows(Protocol):
    name: str

    def rows_where(self) -> AsyncIterator[dict[str, Any]]: ...

    async def count_where(self) -> int: ...


class TableTwin:
    """Membership, iteration and ``count`` of async tables."""

    def __contains__(self, item: object) -> bool:
        raise TypeError("'in' cannot query an async table: use 'await table.contains(pk)' instead")

    def __iter__(self) -> Any:
        raise TypeError("an async table is not iterable: use 'async for row in table'")

    def __aiter__(self: _Rows) -> AsyncIterator[dict[str, Any]]:
        return self.rows_where()

    @property
    def rows(self: _Rows) -> AsyncIterator[dict[str, Any]]:
        """Every row in the ``xtra`` scope, streamed (``async for row in t.rows``)."""
        return self.rows_where()

    @property
    def count(self: _Rows) -> Awaitable[int]:
        """The number of rows in the ``xtra`` scope (``await t.count``)."""
        return self.count_where()


def accessor_names(db: AsyncDatabaseCore, *, views: bool) -> list[str]:
    """The visible names in the catalogue.

    Raises:
        InvalidOperationError: Before the database was opened.
    """
    if not db._opened:
        raise InvalidOperationError(
            NOT_OPENED, operation="list", target="db.v" if views else "db.t"
        )
    return db._visible_names(views=views)


def accessor_dir(db: AsyncDatabaseCore, *, views: bool) -> list[str]:
    """Names for ``dir(db.t)``: empty before the database was opened."""
    return db._visible_names(views=views) if db._opened else []


def on_miss(db: AsyncDatabaseCore, name: str, *, view: bool) -> None:
    """A name missing from the catalogue resolves when the handle is first used."""
