# This file is generated from src/sqlmodel_crud_utils/facade/aio/table.py by scripts/unasync.py. Do not edit it by hand.
"""``Table`` (writes and DDL on top of the reads) and the read-only ``View``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.schema import CreateIndex

from sqlmodel_crud_utils._acompat import execute_many
from sqlmodel_crud_utils._sync.hooks import fire_hooks
from sqlmodel_crud_utils.audit import audit_values
from sqlmodel_crud_utils.exceptions import (
    DuplicateKeyError,
    InvalidOperationError,
    SchemaError,
    ValidationError,
)
from sqlmodel_crud_utils.hooks import has_hooks

from .._ddl import drop
from .._plan import TablePlan, plan_for, returning_supported
from .._records import record_to_dict
from .._schema import build_table, default_index_name, mapping_columns
from .._sql import split_names
from .._statements import (
    apply_xtra,
    check_columns,
    conditions,
    filtered_delete,
    key_filters,
    on_conflict,
    upsert_statement,
)
from .transform import TableTransform

__all__ = ["Table", "View"]

Params = Sequence[Any] | Mapping[str, Any] | None


#: The hook events of a single-row insert; without hooks for them it takes the short path.
_CREATE_EVENTS = ("before_create", "after_create")
#: The hook events around each batch of ``insert_all`` (plain, then with a conflict clause).
_BULK_INSERT = ("before_bulk_insert", "after_bulk_insert")
_BULK_UPSERT = ("before_bulk_upsert", "after_bulk_upsert")


def _key_set(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)


class Table(TableTransform):
    """A table: reads, writes and DDL.  Get one with ``db.t.<name>``."""

    # -------------------------------------------------------------- writes

    def _values(self, table: sa.Table, record: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        plan = plan_for(table)
        if record is None or type(record) is dict:
            values: dict[str, Any] = record if record is not None else {}
            if kwargs or self._xtra:
                values = apply_xtra({**values, **kwargs}, self._xtra)
            values = plan.dict_values(values)
        else:
            values, from_object = record_to_dict(record)
            if kwargs:
                values.update(kwargs)
            if self._xtra:
                values = apply_xtra(values, self._xtra)
            values = plan.write_values(values, from_object)
        # created_by / updated_by from the current user; values given by the caller win.
        stamp = audit_values(table, inserting=True)
        return {**stamp, **values} if stamp else values

    def _real_pks(self, table: sa.Table, operation: str) -> list[str]:
        pks = [column.name for column in table.primary_key.columns]
        if not pks:
            raise InvalidOperationError(
                f"Cannot {operation} table '{self._name}': it has no primary key",
                operation=operation,
                target=self._name,
            )
        return pks

    def _row_by_key(
        self, conn: Connection, table: sa.Table, keys: Mapping[str, Any]
    ) -> sa.RowMapping:
        """Re-read a row just written, by its key, where ``RETURNING`` is missing."""
        if any(value is None for value in keys.values()):
            raise InvalidOperationError(
                f"Cannot read back the row written to '{self._name}': SQLite before 3.35 has "
                "no RETURNING and the row's key was not given",
                operation="insert",
                target=self._name,
            )
        statement = sa.select(*table.columns)
        for term in conditions(table, keys):
            statement = statement.where(term)
        return (conn.execute(statement)).mappings().one()

    def _written_row(
        self, conn: Connection, table: sa.Table, statement: Any, keys: Mapping[str, Any]
    ) -> sa.RowMapping | None:
        """Run an ``UPDATE`` or upsert and return the row it wrote (``None``: no row).

        ``RETURNING *`` where the database has it; before SQLite 3.35, the
        statement then a re-read by ``keys`` in the same transaction.
        """
        if returning_supported(self._db._dialect):
            result = conn.execute(statement.returning(*table.columns))
            row: sa.RowMapping | None = result.mappings().first()
            return row
        result = conn.execute(statement)
        return self._row_by_key(conn, table, keys) if result.rowcount else None

    def _insert_row(
        self, conn: Connection, table: sa.Table, values: dict[str, Any]
    ) -> sa.RowMapping:
        """``INSERT ... RETURNING *``; before SQLite 3.35, the insert then a re-read."""
        plan = plan_for(table)
        if returning_supported(self._db._dialect):
            statement = plan.insert_returning
            result = conn.execute(statement, values) if values else conn.execute(statement)
            return result.mappings().one()
        plain = plan.insert_plain
        result = conn.execute(plain, values) if values else conn.execute(plain)
        if plan.has_rowid and plan.select_by_rowid is not None:
            reread = conn.execute(plan.select_by_rowid, {"_scu_rowid": result.lastrowid})
            row: sa.RowMapping = reread.mappings().one()
            return row
        keys = {column.name: values.get(column.name) for column in table.primary_key.columns}
        return self._row_by_key(conn, table, keys)

    def insert(self, record: Any = None, **kwargs: Any) -> Any:
        """Insert one row and return it as written.

        Args:
            record: A dict, dataclass, model or object; ``kwargs`` are merged in.
            **kwargs: Column values.

        Returns:
            The row, as the bound class or a dict.

        Raises:
            SchemaError: If a key is not a column.
            ValidationError: If a value conflicts with the ``xtra`` filters.
            IntegrityError: If a constraint fails.
        """
        table = self._table()
        values = self._values(table, record, kwargs)
        db = self._db
        if returning_supported(db._dialect) and not has_hooks(self._name, *_CREATE_EVENTS):
            row = db._write_one(plan_for(table).insert_returning, values or None)
            return self._shape(row, True)
        with db._connection(write=True) as conn:
            fire_hooks("before_create", self._name, conn, rows=[values])
            row = self._insert_row(conn, table, values)
            fire_hooks("after_create", self._name, conn, rows=[dict(row)])
        return self._shape(row, True)

    def _pk_from(
        self, table: sa.Table, values: dict[str, Any], pk_values: Any, pks: list[str]
    ) -> dict[str, Any]:
        if pk_values is not None:
            return key_filters(table, pk_values)
        missing = [name for name in pks if values.get(name) is None]
        if missing:
            raise ValidationError(
                f"no primary key value: pass pk_values or include {', '.join(missing)}",
                field=missing[0],
            )
        return {name: values[name] for name in pks}

    def update(self, record: Any = None, pk_values: Any = None, **kwargs: Any) -> Any:
        """Update the given columns of one row and return the row.

        Raises:
            InvalidOperationError: If the table has no primary key.
            ValidationError: If no primary key value is given.
            NotFoundError: If the row does not exist (in the ``xtra`` scope).
        """
        table = self._table()
        pks = self._real_pks(table, "update")
        values, from_object = record_to_dict(record)
        values.update(kwargs)
        keys = self._pk_from(table, values, pk_values, pks)
        apply_xtra(dict(values), self._xtra)
        changes = plan_for(table).write_values(
            {k: v for k, v in values.items() if k not in pks}, from_object
        )
        filters = self._filters(**keys)
        if changes:
            changes = {**audit_values(table), **changes}
        if not changes:
            return self.get(tuple(keys.values()) if len(keys) > 1 else next(iter(keys.values())))
        with self._db._connection(write=True) as conn:
            fire_hooks("before_update", self._name, conn, rows=[keys], data=changes)
            statement = sa.update(table).values(changes)
            for term in conditions(table, filters):
                statement = statement.where(term)
            row = self._written_row(conn, table, statement, keys)
            if row is None:
                raise self._not_found(keys)
            fire_hooks("after_update", self._name, conn, rows=[dict(row)], data=changes)
        return self._shape(row, True)

    def upsert(
        self, record: Any = None, *, pk: str | list[str] | None = None, **kwargs: Any
    ) -> Any:
        """Insert the row, or update it when its key exists, in one statement.

        Args:
            record: The row; ``kwargs`` are merged in.
            pk: The conflict columns (default: the primary key).
            **kwargs: Column values.

        Returns:
            The row as written.

        Raises:
            DuplicateKeyError: If the row exists outside the ``xtra`` scope.
        """
        table = self._table()
        conflict = split_names(pk) if pk is not None else self._real_pks(table, "upsert")
        check_columns(table, conflict)
        values = self._values(table, record, kwargs)
        if any(values.get(name) is None for name in conflict):
            return self.insert(values)
        with self._db._connection(write=True) as conn:
            fire_hooks("before_upsert", self._name, conn, rows=[values])
            given = set(record_to_dict(record)[0]) | set(kwargs)
            # A conflicting row keeps its created_by unless the caller sets it.
            updates = [name for name in values if name != "created_by" or name in given]
            statement = on_conflict(self._db._dialect, table, conflict, updates, self._xtra)
            statement = statement.values(values)
            keys = {name: values[name] for name in conflict}
            row = self._written_row(conn, table, statement, keys)
            if row is not None:
                fire_hooks("after_upsert", self._name, conn, rows=[dict(row)])
        if row is None:
            raise DuplicateKeyError(
                f"Row with {', '.join(f'{n}={values[n]!r}' for n in conflict)} exists in "
                f"'{self._name}' outside the xtra scope {self._xtra!r}",
                "primary_key",
                self._name,
            )
        return self._shape(row, True)

    def delete(self, pk_value: Any) -> None:
        """Delete the row with this primary key.

        Raises:
            InvalidOperationError: If the table has no primary key.
            NotFoundError: If the row does not exist (in the ``xtra`` scope).
        """
        table = self._table()
        self._real_pks(table, "delete")
        keys = key_filters(table, pk_value)
        with self._db._connection(write=True) as conn:
            fire_hooks("before_delete", self._name, conn, rows=[keys])
            result = conn.execute(filtered_delete(table, self._filters(**keys)))
            if result.rowcount == 0:
                raise self._not_found(keys)
            fire_hooks("after_delete", self._name, conn, rows=[keys])

    def delete_where(self, where: str | None = None, where_args: Params = None) -> int:
        """Delete the rows matching ``where`` in the ``xtra`` scope; all of them without one.

        Returns:
            The number of rows deleted.
        """
        table = self._table()
        statement = filtered_delete(table, self._filters(), where, where_args)
        with self._db._connection(write=True) as conn:
            details: dict[str, Any] = {"where": where, "where_args": where_args}
            fire_hooks("before_bulk_delete", self._name, conn, **details)
            result = conn.execute(statement)
            fire_hooks("after_bulk_delete", self._name, conn, **details)
        return int(result.rowcount)

    def insert_all(
        self,
        records: Iterable[Any],
        *,
        batch_size: int = 1000,
        ignore: bool = False,
        replace: bool = False,
        upsert: bool = False,
        pk: str | list[str] | None = None,
        truncate: bool = False,
        xtra: dict[str, Any] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert many rows in one transaction, one ``executemany`` per batch.

        Args:
            records: Rows, consumed lazily (a generator is fine).
            batch_size: Rows per batch.
            ignore: Skip rows whose key exists (``ON CONFLICT DO NOTHING``).
            replace: Update rows whose key exists.
            upsert: Same as ``replace``.
            pk: The conflict columns (default: the primary key).
            truncate: Delete the existing rows (in the ``xtra`` scope) first.
            xtra: Extra values set on every row.
            on_progress: Called with the rows done after each batch.

        Returns:
            The number of rows given.
        """
        return self._insert_rows(
            records,
            None,
            batch_size=batch_size,
            ignore=ignore,
            replace=replace,
            upsert=upsert,
            pk=pk,
            truncate=truncate,
            xtra=xtra,
            on_progress=on_progress,
        )

    def _insert_rows(
        self,
        records: Iterable[Any],
        prepare: Callable[[Any], Any] | None,
        *,
        batch_size: int = 1000,
        ignore: bool = False,
        replace: bool = False,
        upsert: bool = False,
        pk: str | list[str] | None = None,
        truncate: bool = False,
        xtra: dict[str, Any] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """:meth:`insert_all`, with ``prepare`` (validation) run on each record of a batch.

        Only one batch of records is held at a time, so memory does not grow
        with the number of records.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValidationError(
                "must be a positive integer", field="batch_size", value=batch_size
            )
        table = self._table()
        scope = {**self._xtra, **(xtra or {})}
        conflict: list[str] = []
        if ignore or replace or upsert:
            conflict = split_names(pk) if pk is not None else self._real_pks(table, "upsert into")
            check_columns(table, conflict)
        done = 0
        stamp = audit_values(table, inserting=True)
        plan = plan_for(table)
        row_values = self._row_reader(plan, scope, stamp)
        dialect = self._db._dialect
        before, after = _BULK_UPSERT if conflict else _BULK_INSERT
        iterator = iter(records)
        with self._db._connection(write=True) as conn:
            if truncate:
                conn.execute(filtered_delete(table, self._filters()))
            while True:
                batch = list(itertools.islice(iterator, batch_size))
                if not batch:
                    break
                if prepare is not None:
                    batch = [prepare(record) for record in batch]
                rows = [row_values(record) for record in batch]
                fire_hooks(before, self._name, conn, rows=rows)
                for keys, group in itertools.groupby(rows, key=_key_set):
                    payload = list(group)
                    if conflict:
                        update = None if ignore and not (replace or upsert) else list(keys)
                        if update is not None and stamp.get("created_by") is not None:
                            update = [name for name in update if name != "created_by"]
                        statement = upsert_statement(dialect, table, conflict, update)
                    else:
                        statement = plan.insert_plain
                    execute_many(conn, statement, payload)
                fire_hooks(after, self._name, conn, rows=rows)
                done += len(batch)
                if on_progress is not None:
                    on_progress(done)
        return done

    @staticmethod
    def _row_reader(
        plan: TablePlan, scope: Mapping[str, Any], stamp: Mapping[str, Any]
    ) -> Callable[[Any], dict[str, Any]]:
        """The function that turns one record of a bulk write into its row values."""
        dict_values = plan.dict_values

        def row_values(record: Any) -> dict[str, Any]:
            if type(record) is dict:
                values = dict_values(apply_xtra(dict(record), scope) if scope else record)
            else:
                values, from_object = record_to_dict(record)
                if scope:
                    values = apply_xtra(values, scope)
                values = plan.write_values(values, from_object)
            return {**stamp, **values} if stamp else values

        return row_values

    def upsert_all(
        self,
        records: Iterable[Any],
        *,
        pk: str | list[str] | None = None,
        batch_size: int = 1000,
        xtra: dict[str, Any] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Insert or update many rows in one transaction (see :meth:`insert_all`)."""
        return self.insert_all(
            records, batch_size=batch_size, upsert=True, pk=pk, xtra=xtra, on_progress=on_progress
        )

    # ----------------------------------------------------------------- DDL

    def create(
        self,
        columns: dict[str, Any] | None = None,
        pk: str | list[str] | None = None,
        foreign_keys: Iterable[tuple[Any, ...]] | None = None,
        defaults: dict[str, Any] | None = None,
        not_null: Iterable[str] | None = None,
        if_not_exists: bool = False,
        replace: bool = False,
        ignore: bool = False,
        **kwargs: Any,
    ) -> Table:
        """Create this table from ``{column: type}`` (fastlite's form).

        ``db.t.users.create(id=int, name=str, pk="id")``

        Args:
            columns: Column types; ``kwargs`` are merged in.
            pk: The primary key (default ``"id"`` when there is such a column).
            foreign_keys: ``(column, table[, column])`` tuples.
            defaults: Server defaults by column.
            not_null: Columns that are NOT NULL.
            if_not_exists: Return the existing table instead of failing.
            replace: Drop an existing table first.
            ignore: Same as ``if_not_exists``.
            **kwargs: Column types.

        Returns:
            The table.

        Raises:
            ValidationError: If the table or a column name is invalid (before any SQL).
            SchemaError: If the table exists and no flag is set.
        """
        spec = {**(columns or {}), **kwargs}
        if not spec:
            raise ValidationError("create() needs at least one column", field="columns")
        db = self._db
        dialect = db._engine.dialect
        db._check_name(self._name, "table name")
        if pk is None:
            pk = "id" if "id" in spec else []
        draft = build_table(
            sa.MetaData(),
            self._name,
            mapping_columns(spec, dialect=dialect),
            pk,
            foreign_keys=foreign_keys or (),
            not_null=not_null or (),
            defaults=defaults,
            pk_lookup=db._catalog.primary_keys(),
            dialect=dialect,
        )
        db._prepare_table(draft, [])
        existing = db._reflect_missing(self._name, view=False)
        if existing is not None and not replace:
            if if_not_exists or ignore:
                return self
            raise SchemaError(
                f"Table '{self._name}' already exists. Use if_not_exists=True or replace=True.",
                table_name=self._name,
            )
        db._create_table(draft, None, [], drop_first=existing is not None)
        return self

    def drop(self, ignore: bool = False) -> None:
        """Drop the table and evict it from ``db.t``.

        Raises:
            SchemaError: If the table does not exist and ``ignore`` is false.
        """
        db = self._db
        if db._reflect_missing(self._name, view=self._is_view) is None:
            if ignore:
                return
            raise self._missing()
        kind = "VIEW" if self._is_view else "TABLE"
        with db.transaction() as conn:
            if not self._is_view:
                db._drop_fts_objects(conn, self._name)
            conn.execute(db._drop(kind, self._name, if_exists=ignore))
        db._note_ddl()
        db._evict(self._name)

    def create_index(
        self,
        columns: str | list[str],
        name: str | None = None,
        unique: bool = False,
        if_not_exists: bool = False,
    ) -> None:
        """Create an index (default name ``ix_<table>_<cols>``).

        Raises:
            ValidationError: If a column is unknown or the index name is invalid.
        """
        if name is not None:
            self._db._check_name(name, "index name")
        table = self._table()
        names = split_names(columns)
        for column in names:
            if column not in table.columns:
                raise ValidationError(
                    f"unknown column '{column}'; columns: {', '.join(self.columns)}",
                    field="columns",
                    value=column,
                )
        index_name = name or default_index_name(self._name, names)
        self._db._check_name(
            index_name, "index name" if name else "default index name (pass name= to choose one)"
        )
        if if_not_exists and any(index.name == index_name for index in table.indexes):
            return
        index = sa.Index(index_name, *(table.c[column] for column in names), unique=unique)
        try:
            with self._db._connection(write=True) as conn:
                conn.execute(CreateIndex(index, if_not_exists=if_not_exists))
        except BaseException:
            table.indexes.discard(index)
            raise
        self._db._note_ddl()

    def drop_index(self, name: str, if_exists: bool = False) -> None:
        """Drop an index of this table.

        Raises:
            ValidationError: If the index name is invalid.
        """
        db = self._db
        db._check_name(name, "index name")
        table = self._table()
        with db._connection(write=True) as conn:
            conn.execute(drop("INDEX", name, if_exists=if_exists))
        db._note_ddl()
        for index in list(table.indexes):
            if index.name == name:
                table.indexes.discard(index)


class View(Table):
    """A read-only view.  Get one with ``db.v.<name>``; writes and DDL raise."""

    _is_view = True
    _kind = "View"

    def _refuse(self, operation: str, text: str) -> InvalidOperationError:
        return InvalidOperationError(text, operation=operation, target=self._name)

    def insert(self, *args: Any, **kwargs: Any) -> Any:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("insert", "Cannot insert into a view")

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("update", "Cannot update a view")

    def upsert(self, *args: Any, **kwargs: Any) -> Any:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("upsert", "Cannot upsert into a view")

    def delete(self, *args: Any, **kwargs: Any) -> None:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("delete", "Cannot delete from a view")

    def delete_where(self, *args: Any, **kwargs: Any) -> int:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("delete_where", "Cannot delete from a view")

    def insert_all(self, *args: Any, **kwargs: Any) -> int:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("insert_all", "Cannot insert into a view")

    def upsert_all(self, *args: Any, **kwargs: Any) -> int:
        """Raises :class:`InvalidOperationError`: views are read-only."""
        raise self._refuse("upsert_all", "Cannot upsert into a view")

    def _insert_rows(self, *args: Any, **kwargs: Any) -> int:
        raise self._refuse("insert_all", "Cannot insert into a view")

    def create(self, *args: Any, **kwargs: Any) -> Table:
        """Raises :class:`InvalidOperationError`: use ``db.create_view()``."""
        raise self._refuse("create", "Cannot create a view as a table: use db.create_view()")

    def create_index(self, *args: Any, **kwargs: Any) -> None:
        """Raises :class:`InvalidOperationError`: views cannot be indexed."""
        raise self._refuse("create_index", "Cannot index a view")

    def drop_index(self, *args: Any, **kwargs: Any) -> None:
        """Raises :class:`InvalidOperationError`: views have no indexes."""
        raise self._refuse("drop_index", "Cannot drop an index of a view")

    def transform(self, *args: Any, **kwargs: Any) -> Any:
        """Raises :class:`InvalidOperationError`: views cannot be transformed."""
        raise self._refuse("transform", "Cannot transform a view")

    def create_fts_index(self, *args: Any, **kwargs: Any) -> None:
        """Raises :class:`InvalidOperationError`: views cannot be indexed."""
        raise self._refuse("create_fts_index", "Cannot index a view")

    def drop_fts_index(self, *args: Any, **kwargs: Any) -> None:
        """Raises :class:`InvalidOperationError`: views have no indexes."""
        raise self._refuse("drop_fts_index", "Cannot drop an index of a view")
