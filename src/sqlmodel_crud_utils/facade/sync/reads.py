# This file is generated from src/sqlmodel_crud_utils/facade/aio/reads.py by scripts/unasync.py. Do not edit it by hand.
"""``TableReads``: the read side and the schema view of one table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from sqlmodel_crud_utils.exceptions import MultipleRecordsError, SchemaError, ValidationError

from .._plan import plan_for
from .._records import make_dataclass_for, shape_row
from .._sql import split_names
from .._statements import (
    check_columns,
    count_stmt,
    key_columns,
    key_filters,
    select_stmt,
)
from ..common import NOT_GIVEN, ColumnAccessor
from ..errors import NotFoundError
from ._twin import TableTwin, stream_rows

if TYPE_CHECKING:
    from .core import DatabaseCore

__all__ = ["TableReads", "FKAccessor"]

Params = Sequence[Any] | Mapping[str, Any] | None
TableT = TypeVar("TableT", bound="TableReads")


class FKAccessor:
    """``t.fk.author_id(record)``: the parent row behind a foreign key column."""

    def __init__(self, table: TableReads) -> None:
        self._table = table

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in {fk["column"] for fk in self._table.foreign_keys}:
            raise AttributeError(f"Table {self._table.name} has no foreign key column {name!r}")

        def parent(record: Any) -> Any:
            return self._table.get_parent(record, name)

        return parent

    def __dir__(self) -> list[str]:
        return [fk["column"] for fk in self._table.foreign_keys]


class TableReads(TableTwin):
    """A table (or view) by name; rows come from the live database.

    The handle keeps only the name and its ``xtra`` filters; the columns come
    from the database's catalogue, so a handle stays valid across reflections.
    """

    _is_view = False
    _kind = "Table"

    def __init__(self, db: DatabaseCore, name: str, xtra: Mapping[str, Any] | None = None) -> None:
        self._db = db
        self._name = name
        self._xtra: dict[str, Any] = dict(xtra or {})

    # ------------------------------------------------------------- schema

    @property
    def name(self) -> str:
        """The table name."""
        return self._name

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        scope = f", xtra={self._xtra!r}" if self._xtra else ""
        return f"<{type(self).__name__} {self._name}{scope}>"

    def _missing(self) -> SchemaError:
        return SchemaError(f"{self._kind} '{self._name}' does not exist", table_name=self._name)

    @property
    def sa_table(self) -> sa.Table:
        """The SQLAlchemy table.

        Raises:
            SchemaError: If the table is not in the catalogue.
        """
        table = self._db._catalog.get(self._name, view=self._is_view)
        if table is None:
            raise self._missing()
        return table

    def _table(self) -> sa.Table:
        db = self._db
        if db._opened and not db._stale and db._storable_names.get(self._name):
            # What _reflect_missing finds first for a known name, without its awaits.
            known = db._catalog.get(self._name, view=self._is_view)
            if known is not None:
                return known
        table = db._reflect_missing(self._name, view=self._is_view)
        if table is None:
            raise self._missing()
        return table

    def exists(self) -> bool:
        """Whether the table exists in the database."""
        return self._db._reflect_missing(self._name, view=self._is_view) is not None

    @property
    def c(self) -> ColumnAccessor:
        """The columns: ``str(t.c.name) == '"name"'``."""
        return ColumnAccessor(self.sa_table)

    @property
    def columns(self) -> list[str]:
        """The column names."""
        return [column.name for column in self.sa_table.columns]

    @property
    def pks(self) -> list[str]:
        """The primary key column names (empty for views and key-less tables)."""
        return [column.name for column in self.sa_table.primary_key.columns]

    @property
    def schema(self) -> str:
        """The ``CREATE TABLE`` statement."""
        return str(CreateTable(self.sa_table).compile(dialect=self._db._engine.dialect)).strip()

    @property
    def indexes(self) -> list[dict[str, Any]]:
        """``[{'name', 'columns', 'unique'}]``."""
        return [
            {
                "name": index.name,
                "columns": [column.name for column in index.columns],
                "unique": bool(index.unique),
            }
            for index in sorted(self.sa_table.indexes, key=lambda i: str(i.name))
        ]

    @property
    def foreign_keys(self) -> list[dict[str, str]]:
        """``[{'column', 'references'}]`` with ``references`` as ``table.column``."""
        return [
            {"column": fk.parent.name, "references": fk.target_fullname}
            for fk in sorted(self.sa_table.foreign_keys, key=lambda f: f.parent.name)
        ]

    @property
    def fk(self) -> FKAccessor:
        """Parent rows by foreign key column: ``t.fk.author_id(record)``."""
        return FKAccessor(self)

    @property
    def cls(self) -> type | None:
        """The class rows are returned as, if one is bound."""
        return self._db._catalog.classes.get(self._name)

    def xtra(self: TableT, **kwargs: Any) -> TableT:
        """Return a new handle whose reads and writes are limited to ``kwargs``.

        Raises:
            SchemaError: If a key is not a column (when the table is known).
        """
        table = self._db._catalog.get(self._name, view=self._is_view)
        if table is not None:
            check_columns(table, list(kwargs))
        return type(self)(self._db, self._name, {**self._xtra, **kwargs})

    def dataclass(self, store: bool = True, suf: str = "") -> type:
        """Return the bound dataclass/model, or generate a PascalCase dataclass.

        Args:
            store: Bind the generated class, so rows come back as it.
            suf: A suffix for the generated class name.

        Returns:
            The class.
        """
        bound = self.cls
        if bound is not None and (
            hasattr(bound, "__dataclass_fields__") or hasattr(bound, "model_fields")
        ):
            return bound
        generated = make_dataclass_for(self.sa_table, suf)
        if store:
            self._db._catalog.bind(self._name, generated)
        return generated

    # --------------------------------------------------------------- reads

    def _filters(self, xtra: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        return {**self._xtra, **(xtra or {}), **kwargs}

    def _fetch(
        self, statement: Any, params: Mapping[str, Any] | None = None, *, reused: bool = False
    ) -> list[dict[str, Any]]:
        return self._db._fetch(statement, params, reused=reused)

    def __call__(
        self,
        where: str | int | None = None,
        where_args: Params | bool = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
        select: str = "*",
        with_pk: bool = False,
        as_cls: bool = True,
        xtra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """Return rows.

        ``t(5, True)`` follows deebase's order ``(limit, with_pk)``.

        Args:
            where: SQL condition with ``:name`` or ``?`` placeholders.
            where_args: Values for ``where``.
            order_by: SQL ``ORDER BY`` text; paging without it orders by key.
            limit: At most this many rows.
            offset: Skip this many rows.
            select: ``"*"`` or a comma-separated column list.
            with_pk: Return ``[(pk, row)]``; ``pk`` is a tuple for composite keys.
            as_cls: Return instances of the bound class when there is one.
            xtra: Extra equality filters.
            **kwargs: Equality filters.

        Returns:
            The rows.
        """
        if isinstance(where, int) and not isinstance(where, bool):
            limit, where = where, None
            if isinstance(where_args, bool):
                with_pk, where_args = where_args, None
        if isinstance(where_args, bool):
            raise ValidationError("where_args must be a dict, list or tuple", field="where_args")
        table = self._table()
        statement = select_stmt(
            table,
            filters=self._filters(xtra, **kwargs),
            where=where if isinstance(where, str) else None,
            where_args=where_args,
            order_by=order_by,
            limit=limit,
            offset=offset,
            select=self._with_keys(table, select) if with_pk else select,
        )
        rows = self._fetch(statement)
        shaped = [self._shape(row, as_cls and select.strip() == "*") for row in rows]
        if not with_pk:
            return shaped
        keys = [column.name for column in key_columns(table)]
        return [
            (row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys), item)
            for row, item in zip(rows, shaped, strict=True)
        ]

    @staticmethod
    def _with_keys(table: sa.Table, select: str) -> str:
        if select.strip() == "*":
            return select
        names = split_names(select)
        missing = [c.name for c in key_columns(table) if c.name not in names]
        return ", ".join([*missing, select]) if missing else select

    def _shape(self, row: Mapping[Any, Any], as_cls: bool) -> Any:
        return shape_row(row, self.cls, as_cls)

    def rows_where(
        self,
        where: str | None = None,
        where_args: Params = None,
        order_by: str | None = None,
        select: str = "*",
        limit: int | None = None,
        offset: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream rows as dicts through a server-side cursor.

        Args:
            where: SQL condition with placeholders.
            where_args: Values for ``where``.
            order_by: SQL ``ORDER BY`` text.
            select: ``"*"`` or a comma-separated column list.
            limit: At most this many rows.
            offset: Skip this many rows.

        Yields:
            One dict per row.
        """
        table = self._table()
        statement = select_stmt(
            table,
            filters=self._filters(),
            where=where,
            where_args=where_args,
            order_by=order_by,
            limit=limit,
            offset=offset,
            select=select,
        )
        if self._db._lock is not None or self._db._in_tx():
            for row in self._fetch(statement):
                yield dict(row)
            return
        with self._db._connection() as conn:
            for item in stream_rows(conn, statement):
                yield dict(item)

    def _one(
        self,
        table: sa.Table,
        filters: Mapping[str, Any],
        *,
        where: str | None = None,
        where_args: Params = None,
        select: str = "*",
        first: bool = False,
    ) -> dict[str, Any] | None:
        params: dict[str, Any] | None = None
        reused = where is None and select == "*"
        if reused:
            # The common case (a key or column=value lookup): a statement built once per table.
            statement, params = plan_for(table).lookup(filters, limit=1 if first else 2)
        else:
            statement = select_stmt(
                table,
                filters=filters,
                where=where,
                where_args=where_args,
                select=select,
                limit=1 if first else 2,
                default_order=True,
            )
        rows = self._fetch(statement, params, reused=reused)
        if len(rows) > 1:
            raise MultipleRecordsError(self._name, len(rows), dict(filters) or None)
        return rows[0] if rows else None

    def _not_found(self, filters: Mapping[str, Any]) -> NotFoundError:
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items())
        return NotFoundError(
            f"Record with {shown or 'no filters'} not found in '{self._name}'",
            table_name=self._name,
            filters=dict(filters),
        )

    def selectone(
        self,
        where: str | None = None,
        where_args: Params = None,
        select: str = "*",
        as_cls: bool = True,
        xtra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Return the one row that matches.

        Raises:
            NotFoundError: If no row matches.
            MultipleRecordsError: If several rows match.
        """
        table = self._table()
        filters = self._filters(xtra, **kwargs)
        row = self._one(table, filters, where=where, where_args=where_args, select=select)
        if row is None:
            raise self._not_found({**filters, **({"where": where} if where else {})})
        return self._shape(row, as_cls and select.strip() == "*")

    def get(
        self,
        pk_values: Any,
        as_cls: bool = True,
        xtra: dict[str, Any] | None = None,
        default: Any = NOT_GIVEN,
    ) -> Any:
        """Return the row with this primary key (a tuple for composite keys).

        Raises:
            NotFoundError: If there is no such row and no ``default`` was given.
        """
        table = self._table()
        keys = key_filters(table, pk_values)
        row = self._one(table, self._filters(xtra, **keys), first=True)
        if row is None:
            if default is not NOT_GIVEN:
                return default
            raise self._not_found(keys)
        return self._shape(row, as_cls)

    def __getitem__(self, pk_value: Any) -> Any:
        return self.get(pk_value)

    def contains(self, pk_values: Any) -> bool:
        """Whether a row with this primary key exists (in the ``xtra`` scope)."""
        table = self._table()
        keys = key_filters(table, pk_values)
        return self._one(table, self._filters(**keys), first=True) is not None

    def lookup(self, **kwargs: Any) -> Any:
        """Return the first row, in key order, matching every keyword.

        Raises:
            ValidationError: If no keyword is given.
            SchemaError: If a keyword is not a column.
            NotFoundError: If no row matches.
        """
        if not kwargs:
            raise ValidationError("lookup() needs at least one column=value filter", field="kwargs")
        table = self._table()
        check_columns(table, list(kwargs))
        row = self._one(table, self._filters(**kwargs), first=True)
        if row is None:
            raise self._not_found(kwargs)
        return self._shape(row, True)

    def count_where(self, where: str | None = None, where_args: Params = None) -> int:
        """Count the rows matching ``where`` in the ``xtra`` scope."""
        table = self._table()
        statement = count_stmt(table, self._filters(), where, where_args)
        with self._db._connection() as conn:
            result = conn.execute(statement)
            return int(result.scalar_one())

    # ---------------------------------------------------------- navigation

    def _fk_target(self, table: sa.Table, fk_column: str) -> tuple[str, str]:
        for fk in table.foreign_keys:
            if fk.parent.name == fk_column:
                target_table, _, target_column = fk.target_fullname.rpartition(".")
                return target_table, target_column
        raise ValidationError(
            f"'{fk_column}' is not a foreign key column of {self._name}; foreign keys: "
            f"{', '.join(fk.parent.name for fk in table.foreign_keys) or 'none'}",
            field="fk_column",
            value=fk_column,
        )

    def get_parent(self, record: Any, fk_column: str) -> Any:
        """Return the row ``record.<fk_column>`` points at, or ``None``.

        Raises:
            ValidationError: If ``fk_column`` is not a foreign key column.
        """
        table = self._table()
        target_table, target_column = self._fk_target(table, fk_column)
        value = _value_of(record, fk_column)
        if value is None:
            return None
        parent = self._db._handle(target_table, view=False)
        parent_table = parent._table()
        row = parent._one(parent_table, parent._filters(**{target_column: value}), first=True)
        return None if row is None else parent._shape(row, True)

    def get_children(self, record: Any, child_table: str | TableReads, fk_column: str) -> list[Any]:
        """Return the rows of ``child_table`` whose ``fk_column`` points at ``record``.

        Raises:
            ValidationError: If ``fk_column`` is not a foreign key of the child.
        """
        child = (
            child_table
            if isinstance(child_table, TableReads)
            else self._db._handle(child_table, view=False)
        )
        child_sa = child._table()
        _target_table, target_column = child._fk_target(child_sa, fk_column)
        value = _value_of(record, target_column)
        if value is None:
            return []
        return child(**{fk_column: value})


def _value_of(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)
