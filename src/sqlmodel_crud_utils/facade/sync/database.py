# This file is generated from src/sqlmodel_crud_utils/facade/aio/database.py by scripts/unasync.py. Do not edit it by hand.
"""``Database``: the entry point of the table facade."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from typing import IO, Any

import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import SchemaError, ValidationError

from .._catalog import reflect_names
from .._ddl import create_view
from .._import import ImportSource, open_source
from .._records import make_dataclass_for
from .._schema import build_table, class_columns, sa_type_for, table_name_for
from .._sql import split_names
from ..codegen import create_mod
from ..common import FTSIndex, Index
from ..diagram import diagram as draw_diagram
from ._twin import run_sync
from .core import DatabaseCore
from .table import Table, View

__all__ = ["Database"]


class Database(DatabaseCore):
    """A SQLite or PostgreSQL database with ``db.t.<table>`` access.

    Args:
        url: A URL (``None`` opens an in-memory SQLite database), an engine
            (never disposed by :meth:`close`) or a connection (bound mode: every
            call uses it and the caller owns its transaction).
        echo: Log the SQL.
        foreign_keys: Enforce foreign keys on SQLite.
        sqlite_pragmas: Extra PRAGMAs for every SQLite connection.
        engine_options: Passed to the engine factory.

    Raises:
        ValueError: If the URL names an unsupported database.
    """

    # ------------------------------------------------------------------- DDL

    def create(
        self,
        cls: type,
        pk: str | list[str] | None = None,
        if_not_exists: bool = False,
        replace: bool = False,
        indexes: list[str | tuple[str, ...] | Index | FTSIndex] | None = None,
        *,
        name: str | None = None,
    ) -> Table:
        """Create a table from a class and bind the class to it.

        Args:
            cls: A plain annotated class, a dataclass, a pydantic model or a
                SQLModel table class.
            pk: The primary key column(s); default ``"id"``.
            if_not_exists: Return the existing table instead of failing.
            replace: Drop an existing table first.
            indexes: Columns, column tuples or :class:`Index` objects to index.
            name: The table name (default ``__tablename__`` or the lower-cased
                class name).

        Returns:
            The table.

        Raises:
            SchemaError: If the table exists (and no flag says what to do), the
                class has no annotations or the primary key is not a field.
            ValueError: For an unsupported annotation.
        """
        dialect = self._engine.dialect
        table_name = table_name_for(cls, name, dialect=dialect)
        source = getattr(cls, "__table__", None)
        if isinstance(source, sa.Table):
            if pk is not None:
                declared = [c.name for c in source.primary_key]
                if split_names(pk) != declared:
                    raise SchemaError(
                        f"pk {pk!r} contradicts the primary key {declared} declared by "
                        f"{cls.__name__}",
                        table_name=table_name,
                    )
            draft = source.to_metadata(sa.MetaData(), name=table_name)
        else:
            draft = build_table(
                sa.MetaData(),
                table_name,
                class_columns(cls),
                pk,
                pk_lookup=self._catalog.primary_keys(),
                dialect=dialect,
            )
        self._prepare_table(draft, indexes or [])
        self._ready()
        existing = self._catalog.get(table_name, view=False)
        if existing is not None and not replace:
            if if_not_exists:
                self._catalog.bind(table_name, cls)
                return self._handle(table_name, view=False)
            raise SchemaError(
                f"Table '{table_name}' already exists. Use if_not_exists=True or replace=True.",
                table_name=table_name,
            )
        return self._create_table(draft, cls, indexes or [], drop_first=existing is not None)

    def create_view(
        self, name: str, sql: str, replace: bool = False, *, ignore: bool = False
    ) -> View:
        """Create a view.

        Args:
            name: The view name (quoted).
            sql: The ``SELECT`` the view runs.
            replace: Drop an existing view first.
            ignore: Keep an existing view.

        Returns:
            The view.

        Raises:
            SchemaError: If the view exists and neither flag is set.
        """
        self._check_name(name, "view name")
        self._ready()
        exists = self._catalog.get(name, view=True) is not None
        if exists and ignore and not replace:
            return self.reflect_view(name)
        if exists and not replace:
            raise SchemaError(
                f"View '{name}' already exists. Use replace=True or ignore=True.", table_name=name
            )
        with self._connection(write=True) as conn:
            if exists:
                conn.execute(self._drop("VIEW", name))
            conn.execute(create_view(name, sql))
            tables, views = run_sync(
                conn,
                functools.partial(reflect_names, names=[name], metadata=self._catalog.metadata),
            )
        self._note_ddl()
        self._catalog.add(tables, views)
        self._handles.pop((name, True), None)
        return self.reflect_view(name)

    def create_mod(
        self,
        mod_fn: str | os.PathLike[str],
        with_views: bool = False,
        store: bool = True,
        suf: str = "",
    ) -> None:
        """Write a module with one dataclass per table (fastlite's ``create_mod``).

        Args:
            mod_fn: The ``.py`` file to write (replaced if it exists).
            with_views: Include the views.
            store: Bind the generated classes, so rows come back as them.
            suf: A suffix for the class names.
        """
        self._ready()
        handles = [self._handle(name, view=False) for name in self._catalog.visible(views=False)]
        if with_views:
            handles += [self._handle(name, view=True) for name in self._catalog.visible(views=True)]
        classes = []
        for handle in handles:
            cls = handle.dataclass(store=store, suf=suf)
            if not dataclasses.is_dataclass(cls):
                cls = make_dataclass_for(handle.sa_table, suf)
            classes.append(cls)
        create_mod(mod_fn, *classes, overwrite=True)

    def import_file(
        self,
        table_name: str,
        file: str | os.PathLike[str] | bytes | IO[Any],
        format: str | None = None,
        pk: str | list[str] | None = None,
        alter: bool = False,
        *,
        batch_size: int = 1000,
        progress: Callable[[int, int | None], None] | None = None,
        encoding: str = "utf-8",
    ) -> Table:
        """Load a CSV, TSV, JSON or JSON-lines file into a table, in one transaction.

        Args:
            table_name: The target table; created when missing.
            file: A path (``str`` or path-like), or the content (``bytes`` or an open file).
            format: ``csv``, ``tsv``, ``json``, ``jsonl``/``ndjson``; default from the
                file extension, else sniffed.
            pk: The primary key of a created table.
            alter: Add columns the table lacks instead of failing.
            batch_size: Rows per ``executemany``.
            progress: Called with ``(rows_done, total)`` after each batch.
            encoding: The text encoding.

        Returns:
            The table.

        Raises:
            SchemaError: If the table lacks a column of the file and ``alter`` is false.
            ValidationError: For an unknown format or malformed input.
        """
        self._check_name(table_name, "table name")
        with open_source(file, format, encoding) as source:
            types, total = source.scan()
            for column in types:
                self._check_name(column, "column name", column=True)
            self._load_file(table_name, source, types, total, pk, alter, batch_size, progress)
        return self._handle(table_name, view=False)

    def _load_file(
        self,
        table_name: str,
        source: ImportSource,
        types: dict[str, type],
        total: int,
        pk: str | list[str] | None,
        alter: bool,
        batch_size: int,
        progress: Callable[[int, int | None], None] | None,
    ) -> None:
        """Create or extend the table, then stream the rows in, in one transaction."""
        with self.transaction() as conn:
            table = self._handle(table_name, view=False)
            existing = self._reflect_missing(table_name, view=False)
            if existing is None:
                if not types:
                    raise ValidationError("the file has no columns", field="file")
                table.create(types, pk=pk if pk is not None else [])
            else:
                missing = [name for name in types if name not in existing.columns]
                if missing and not alter:
                    raise SchemaError(
                        f"Table '{table_name}' has no column(s) {', '.join(missing)}; "
                        "pass alter=True to add them",
                        table_name=table_name,
                        column_name=missing[0],
                    )
                for name in missing:
                    column_type = sa_type_for(types[name], name=name)[0]
                    ddl = column_type.compile(dialect=self._engine.dialect)
                    target = f"{self._quote(table_name)} ADD COLUMN {self._quote(name)}"
                    conn.exec_driver_sql(f"ALTER TABLE {target} {ddl}")
                if missing:
                    self._note_ddl()
                    self._catalog.detach(table_name)
                    self._reflect_missing(table_name, view=False)

            def report(done: int) -> None:
                if progress is not None:
                    progress(done, total)

            table.insert_all(source.rows(types), batch_size=batch_size, on_progress=report)

    def diagram(
        self,
        tables: list[str] | None = None,
        ratio: float = 0.7,
        size: str = "10",
        neato: bool = False,
        render: bool = True,
    ) -> Any:
        """Draw the tables (all by default) and their foreign keys.

        Returns:
            A ``graphviz.Source``, or the DOT text with ``render=False``.

        Raises:
            InvalidOperationError: If ``render`` is true and graphviz is not installed.
        """
        self._ready()
        names = tables if tables is not None else self._catalog.visible(views=False)
        handles = [self._handle(name, view=False) for name in names]
        for handle in handles:
            handle._table()
        return draw_diagram(handles, ratio=ratio, size=size, neato=neato, render=render)
