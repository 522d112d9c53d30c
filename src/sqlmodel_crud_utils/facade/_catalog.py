"""The facade's catalogue of tables and views, and the reflection that fills it.

The reflection functions take a sync connection; the async twin runs them
through ``run_sync``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ._fts import FTS_TABLE

__all__ = ["Catalog", "is_hidden", "listed_names", "reflect_all", "reflect_names"]

#: Bookkeeping tables on every database: full-text metadata, the migration tables of this
#: package (``migrate.schema.VERSION_TABLE``), fastmigrate and deebase.
_HIDDEN_NAMES = frozenset({FTS_TABLE, "_scu_migrations", "_meta", "_deebase_migrations"})
#: SQLite's own tables (``sqlite_sequence``, ``sqlite_stat1``, ...).
_SQLITE_PREFIX = "sqlite_"


def is_hidden(name: str, *, dialect: str, shadow: Iterable[str] = ()) -> bool:
    """Tell whether ``name`` is left out of listings (it stays reachable with ``db.t[name]``).

    Args:
        name: A table or view name, possibly ``schema.name``.
        dialect: The database's dialect name: SQLite's internal names are hidden on
            SQLite only.
        shadow: The full-text tables and their shadow tables known on this database.
    """
    base = name.rsplit(".", 1)[-1]
    if base in _HIDDEN_NAMES or name in shadow:
        return True
    return dialect == "sqlite" and base.lower().startswith(_SQLITE_PREFIX)


Reflected = tuple[dict[str, sa.Table], dict[str, sa.Table]]


def reflect_all(conn: sa.Connection, *, schema: str | None = None) -> Reflected:
    """Reflect every table and view of ``schema`` (the default schema if ``None``)."""
    metadata = sa.MetaData()
    skip = _virtual_tables(conn)
    metadata.reflect(
        conn,
        schema=schema,
        views=True,
        resolve_fks=False,
        only=lambda name, _metadata: name not in skip,
    )
    view_names = set(sa.inspect(conn).get_view_names(schema=schema))
    tables: dict[str, sa.Table] = {}
    views: dict[str, sa.Table] = {}
    for table in metadata.tables.values():
        (views if table.name in view_names else tables)[table.name] = table
    return tables, views


_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


def _virtual_names(conn: sa.Connection) -> set[str]:
    """SQLite virtual tables (full-text indexes); none on other databases."""
    if conn.dialect.name != "sqlite":
        return set()
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    )
    return {row[0] for row in rows}


def _shadow_of(names: Iterable[str]) -> set[str]:
    return {name + suffix for name in names for suffix in _SHADOW_SUFFIXES}


def _virtual_tables(conn: sa.Connection) -> set[str]:
    """SQLite virtual tables (full-text indexes) and their shadow tables."""
    names = _virtual_names(conn)
    return names | _shadow_of(names)


def listed_names(conn: sa.Connection, *, views: bool) -> tuple[list[str], set[str]]:
    """The table (or view) names in the database now, and SQLite's FTS5 shadow tables."""
    inspector = sa.inspect(conn)
    if views:
        return list(inspector.get_view_names()), set()
    return list(inspector.get_table_names()), _shadow_of(_virtual_names(conn))


def reflect_names(
    conn: sa.Connection, *, names: Iterable[str], metadata: sa.MetaData | None = None
) -> Reflected:
    """Reflect the given names that exist; missing names are left out."""
    metadata = metadata if metadata is not None else sa.MetaData()
    inspector = sa.inspect(conn)
    view_names = set(inspector.get_view_names())
    tables: dict[str, sa.Table] = {}
    views: dict[str, sa.Table] = {}
    for name in names:
        if not inspector.has_table(name) and name not in view_names:
            continue
        old = metadata.tables.get(name)
        if old is not None:
            metadata.remove(old)
        table = sa.Table(name, metadata, autoload_with=conn, resolve_fks=False)
        (views if name in view_names else tables)[name] = table
    return tables, views


class Catalog:
    """Known tables and views, their bound classes, and the shared metadata."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.metadata = sa.MetaData()
        self.tables: dict[str, sa.Table] = {}
        self.views: dict[str, sa.Table] = {}
        self.classes: dict[str, type] = {}
        self.fts: dict[str, list[dict[str, Any]]] = {}

    def replace(self, tables: Mapping[str, sa.Table], views: Mapping[str, sa.Table]) -> None:
        """Swap in a full reflection."""
        every = [*tables.values(), *views.values()]
        self.metadata = every[0].metadata if every else sa.MetaData()
        self.tables = dict(tables)
        self.views = dict(views)

    def add(
        self,
        tables: Mapping[str, sa.Table],
        views: Mapping[str, sa.Table],
        *,
        prefix: str = "",
    ) -> None:
        """Add reflected objects, keyed ``prefix + name``."""
        for name, table in tables.items():
            self.tables[prefix + name] = table
            self.views.pop(prefix + name, None)
        for name, view in views.items():
            self.views[prefix + name] = view
            self.tables.pop(prefix + name, None)

    def get(self, name: str, *, view: bool) -> sa.Table | None:
        """The table (or view) called ``name``, if known."""
        return (self.views if view else self.tables).get(name)

    def put(self, table: sa.Table, *, view: bool) -> None:
        """Record a table the facade created."""
        (self.views if view else self.tables)[table.name] = table

    def detach(self, name: str) -> None:
        """Forget ``name`` and take it out of the metadata (before re-creating it)."""
        table = self.metadata.tables.get(name)
        if table is not None:
            self.metadata.remove(table)
        self.tables.pop(name, None)
        self.views.pop(name, None)

    def remove(self, name: str) -> None:
        """Forget a dropped table or view (its class binding too)."""
        self.detach(name)
        self.classes.pop(name, None)

    def bind(self, name: str, cls: type | None) -> None:
        """Bind ``cls`` to the table: rows come back as ``cls``."""
        if cls is None:
            self.classes.pop(name, None)
        else:
            self.classes[name] = cls

    def primary_keys(self) -> dict[str, list[str]]:
        """``{table: [pk columns]}`` of the known tables."""
        return {name: [c.name for c in t.primary_key] for name, t in self.tables.items()}

    def visible(self, *, views: bool) -> list[str]:
        """The listed names (sorted), bookkeeping tables left out."""
        return self.filter_visible(self.views if views else self.tables)

    def filter_visible(self, names: Iterable[str], shadow: Iterable[str] = ()) -> list[str]:
        """``names`` without the hidden ones (full-text tables too), sorted.

        Args:
            names: Table or view names.
            shadow: More full-text tables found in the database (SQLite virtual tables
                and their shadow tables).
        """
        hidden = set(shadow)
        if self.dialect == "sqlite":
            fts = {index["name"] for indexes in self.fts.values() for index in indexes}
            hidden |= fts | _shadow_of(fts)
        return sorted(
            name for name in names if not is_hidden(name, dialect=self.dialect, shadow=hidden)
        )
