"""The few behaviours of the sync twin that differ from the async twin.

Hand-written (not generated from ``facade/aio/_twin.py``): the lock type, the
owner of a transaction, running inspection code, streaming, table
membership/iteration and the live ``db.t`` listing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Connection, Executable, RowMapping

if TYPE_CHECKING:
    from .core import DatabaseCore

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
Lock = threading.Lock


def new_lock() -> Lock:
    """Return a new lock for one in-memory database."""
    return threading.Lock()


def current_owner() -> object:
    """The thread that owns a transaction opened now."""
    return threading.get_ident()


def run_sync(conn: Connection, fn: Callable[[Connection], T]) -> T:
    """Run inspection code on the connection."""
    return fn(conn)


def stream_rows(conn: Connection, statement: Executable) -> Iterator[RowMapping]:
    """Yield the rows of ``statement`` through a server-side cursor."""
    result = conn.execute(statement.execution_options(stream_results=True))
    yield from result.mappings()


class _Rows(Protocol):
    name: str

    def rows_where(self) -> Iterator[dict[str, Any]]: ...

    def count_where(self) -> int: ...

    def contains(self, pk_values: Any) -> bool: ...


class TableTwin:
    """Membership, iteration and ``count`` of sync tables."""

    def __contains__(self: _Rows, item: object) -> bool:
        return self.contains(item)

    def __iter__(self: _Rows) -> Iterator[dict[str, Any]]:
        return iter(self.rows_where())

    @property
    def rows(self: _Rows) -> Iterator[dict[str, Any]]:
        """Every row in the ``xtra`` scope, streamed."""
        return self.rows_where()

    @property
    def count(self: _Rows) -> int:
        """The number of rows in the ``xtra`` scope."""
        return self.count_where()


def accessor_names(db: DatabaseCore, *, views: bool) -> list[str]:
    """The visible names in the live database."""
    return db.view_names() if views else db.table_names()


def accessor_dir(db: DatabaseCore, *, views: bool) -> list[str]:
    """Names for ``dir(db.t)``, read from the live database."""
    return accessor_names(db, views=views)


def on_miss(db: DatabaseCore, name: str, *, view: bool) -> None:
    """Reflect a name missing from the catalogue on first use."""
    db._reflect_missing(name, view=view)
