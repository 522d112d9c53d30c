# This file is generated from src/sqlmodel_crud_utils/facade/aio/accessors.py by scripts/unasync.py. Do not edit it by hand.
"""``db.t`` and ``db.v``: tables and views by attribute or item."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._twin import accessor_dir, accessor_names

if TYPE_CHECKING:
    from .core import DatabaseCore
    from .table import Table

__all__ = ["TableAccessor", "ViewAccessor"]


class TableAccessor:
    """The tables of a database: ``db.t.users``, ``db.t["users"]``, ``db.t["a", "b"]``.

    Names starting with ``_`` are refused as attributes (use ``db.t["_x"]``).
    """

    _views = False

    def __init__(self, db: DatabaseCore) -> None:
        self._db = db

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._db._handle(name, view=self._views)

    def __getitem__(self, key: str | tuple[str, ...] | list[str]) -> Any:
        if isinstance(key, (tuple, list)):
            return tuple(self._db._handle(name, view=self._views) for name in key)
        if not isinstance(key, str):
            raise TypeError(f"table names are strings, not {type(key).__name__}")
        return self._db._handle(key, view=self._views)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in accessor_names(self._db, views=self._views)

    def __iter__(self) -> Iterator[Table]:
        names = accessor_names(self._db, views=self._views)
        return iter([self._db._handle(name, view=self._views) for name in names])

    def __len__(self) -> int:
        return len(accessor_names(self._db, views=self._views))

    def __dir__(self) -> list[str]:
        return accessor_dir(self._db, views=self._views)

    def __repr__(self) -> str:
        names = accessor_dir(self._db, views=self._views)
        return f"{type(self).__name__}({', '.join(names)})"


class ViewAccessor(TableAccessor):
    """The views of a database: ``db.v.active_users``."""

    _views = True
