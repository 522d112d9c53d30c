# This file is generated from src/sqlmodel_crud_utils/facade/aio/transform.py by scripts/unasync.py. Do not edit it by hand.
"""``TableTransform``: changing a table's columns, keys and defaults in place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from sqlmodel_crud_utils.exceptions import ForeignKeyError

from .. import _ddl
from .._transform import (
    TransformPlan,
    build_new_table,
    copy_sql,
    plan_transform,
    postgres_statements,
)
from .search import TableSearch

__all__ = ["TableTransform"]

_PG_VIEWS = (
    "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'v' AND n.nspname = current_schema() ORDER BY c.oid"
)


class TableTransform(TableSearch):
    """``transform()``: ALTER on PostgreSQL, native ALTER or a rebuild on SQLite."""

    def transform(
        self,
        *,
        types: dict[str, Any] | None = None,
        rename: dict[str, str] | None = None,
        drop: Iterable[str] | None = None,
        add: dict[str, Any] | None = None,
        pk: str | list[str] | None = None,
        not_null: dict[str, bool] | None = None,
        defaults: dict[str, Any] | None = None,
        drop_foreign_keys: Iterable[str] | None = None,
        add_foreign_keys: Iterable[tuple[Any, ...]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Change the table in one transaction, keeping its rows.

        PostgreSQL runs ``ALTER TABLE`` statements (``USING col::type`` for type
        changes).  SQLite uses its own ADD/RENAME/DROP COLUMN when they suffice,
        otherwise it rebuilds the table and restores its indexes, full-text
        indexes and the views, then runs ``PRAGMA foreign_key_check``.

        Args:
            types: New Python types by column (``kwargs`` are merged in).
            rename: ``{old: new}`` column names.
            drop: Columns to drop.
            add: New columns and their types.
            pk: The new primary key.
            not_null: ``{column: required}``.
            defaults: New server defaults (``None`` removes one).
            drop_foreign_keys: Columns whose foreign key is removed.
            add_foreign_keys: ``(column, table[, column])`` tuples.
            **kwargs: More ``types``.

        Returns:
            The table.

        Raises:
            SchemaError: If a column does not exist.
            InvalidOperationError: On SQLite, for a rebuild inside a transaction while
                foreign keys are enforced.
            ForeignKeyError: If the rebuilt table breaks a foreign key.
        """
        table = self._table()
        db = self._db
        plan = plan_transform(
            table,
            types={**(types or {}), **kwargs},
            rename=rename,
            drop=drop,
            add=add,
            pk=pk,
            not_null=not_null,
            defaults=defaults,
            drop_foreign_keys=drop_foreign_keys,
            add_foreign_keys=add_foreign_keys,
            pk_lookup=db._catalog.primary_keys(),
            dialect=db._engine.dialect,
        )
        if db._dialect == "postgresql":
            with db.transaction() as conn:
                views: list[Any] = []
                if plan.types:
                    # A view pins the type of the columns it reads: recreate the views.
                    views = list((conn.exec_driver_sql(_PG_VIEWS)).all())
                    for name, _definition in views:
                        conn.execute(_ddl.drop("VIEW", name, if_exists=True, cascade=True))
                for statement in postgres_statements(plan, db._quote, db._engine.dialect):
                    conn.exec_driver_sql(statement)
                for name, definition in views:
                    conn.execute(_ddl.create_view(name, definition))
                self._reload()
            return self
        if plan.only_native_sqlite:
            with db.transaction() as conn:
                self._sqlite_native(conn, plan)
                self._reload()
            return self
        with db._without_foreign_keys() as conn:
            self._sqlite_rebuild(conn, plan)
        return self

    def _reload(self) -> None:
        db = self._db
        db._note_ddl()
        db._catalog.detach(self._name)
        db._reflect_missing(self._name, view=False)

    def _sqlite_native(self, conn: Any, plan: TransformPlan) -> None:
        quote = self._db._quote
        alter = f"ALTER TABLE {quote(self._name)}"
        for old_name, new_name in plan.rename.items():
            conn.exec_driver_sql(f"{alter} RENAME COLUMN {quote(old_name)} TO {quote(new_name)}")
        for name in plan.drop:
            conn.exec_driver_sql(f"{alter} DROP COLUMN {quote(name)}")
        dialect = self._db._engine.dialect
        for column in plan.columns:
            if column.name in plan.add:
                ddl = sa.schema.CreateColumn(column).compile(dialect=dialect)
                conn.exec_driver_sql(f"{alter} ADD COLUMN {ddl}")

    def _sqlite_rebuild(self, conn: Any, plan: TransformPlan) -> None:
        db = self._db
        quote = db._quote
        old = plan.old
        views = (
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid"
            )
        ).all()
        for name, _sql in views:
            conn.exec_driver_sql(f"DROP VIEW {quote(name)}")
        saved_fts = [dict(entry) for entry in db._catalog.fts.get(self._name, [])]
        db._drop_fts_objects(conn, self._name)
        saved_indexes = [
            (index.name, [c.name for c in index.columns], bool(index.unique))
            for index in old.indexes
        ]
        temporary = f"_scu_tmp_{self._name}"
        new_table = build_new_table(plan, db._catalog.metadata, temporary)
        try:
            conn.execute(CreateTable(new_table))
        finally:
            db._catalog.metadata.remove(new_table)
        conn.exec_driver_sql(copy_sql(plan, quote, self._name, temporary))
        conn.exec_driver_sql(f"DROP TABLE {quote(self._name)}")
        conn.exec_driver_sql(f"ALTER TABLE {quote(temporary)} RENAME TO {quote(self._name)}")
        self._reload()
        rebuilt = self._table()
        renamed = {old_name: new for new, old_name in plan.copy_from.items()}
        for index_name, columns, unique in saved_indexes:
            if all(column in renamed for column in columns):
                index = sa.Index(
                    index_name, *(rebuilt.c[renamed[c]] for c in columns), unique=unique
                )
                conn.execute(CreateIndex(index))
        for entry in saved_fts:
            if all(column in renamed for column in entry["columns"]):
                columns = [renamed[c] for c in entry["columns"]]
                self.create_fts_index(columns, entry["name"], entry["language"])
        for _name, sql in views:
            conn.exec_driver_sql(sql)
        problems = (conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
        if problems:
            raise ForeignKeyError(
                f"transform() of '{self._name}' breaks foreign keys: {problems[:5]}",
                "foreign_key",
                self._name,
            )
