"""Per-table plans of the facade: what is worked out once per table, not per call (no I/O).

A plan holds the column lookups, the value converters of each column and the
statements the hot paths run (``INSERT ... RETURNING``, the key lookup), so a
call binds values into a statement SQLAlchemy has already compiled.  Plans are
keyed by the ``sa.Table`` object; reflection makes new table objects, so a
changed table gets a new plan.

Values are converted to the column's type before they are bound, so a call
behaves the same on SQLite (which would store or compare almost anything) and
on PostgreSQL (whose drivers reject ``5`` for a text column or ``"7"`` for an
integer column): numbers for text columns become text, text for numeric,
boolean, date/time and UUID columns is parsed, and a value that cannot be
converted raises :class:`ValidationError` naming the column before any SQL runs.

SQLite before 3.35 has no ``RETURNING``: :func:`returning_supported` tells the
writes to run the plain statement and re-read the row (by rowid, or by key for
``WITHOUT ROWID`` tables) in the same transaction instead.
"""

from __future__ import annotations

import enum
import sqlite3
import weakref
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sqlmodel_crud_utils._core.coerce import coerce_value, conform_value, parse_bool, python_type
from sqlmodel_crud_utils.exceptions import ValidationError

from ._sql import unknown_column

__all__ = ["TablePlan", "filter_value", "plan_for", "returning_supported", "sqlite_version"]

Converter = Callable[[Any], Any]

#: The checks of one dict shape: ``(column, exact type, converter)`` for the columns
#: whose values may need converting, and the autoincrement key if the shape has it.
_ShapeChecks = tuple[tuple[tuple[str, type | None, Converter], ...], str | None]

#: Distinct filter shapes cached per table before the cache starts over.
_MAX_SHAPES = 256

#: The first SQLite release with ``RETURNING``.
_SQLITE_RETURNING = (3, 35, 0)

#: Names SQLite accepts for the rowid; the first that is not a column is used.
_ROWID_NAMES = ("rowid", "_rowid_", "oid")

_PLANS: weakref.WeakKeyDictionary[sa.Table, TablePlan] = weakref.WeakKeyDictionary()


def plan_for(table: sa.Table) -> TablePlan:
    """The plan of ``table`` (built on first use)."""
    plan = _PLANS.get(table)
    if plan is None:
        plan = TablePlan(table)
        _PLANS[table] = plan
    return plan


def sqlite_version() -> tuple[int, ...]:
    """The version of the SQLite library the drivers run (``sqlite3`` and ``aiosqlite``)."""
    return tuple(sqlite3.sqlite_version_info)


def returning_supported(dialect: str) -> bool:
    """Tell whether writes on ``dialect`` can use ``RETURNING`` (SQLite from 3.35)."""
    return dialect != "sqlite" or sqlite_version() >= _SQLITE_RETURNING


def _invalid(column: sa.Column[Any], value: Any, reason: str) -> ValidationError:
    return ValidationError(
        f"invalid value for column '{column.name}': {reason}", field=column.name, value=value
    )


def filter_value(column: sa.Column[Any], value: Any) -> Any:
    """Convert a value compared with ``column`` to the column's type.

    Raises:
        ValidationError: If the value cannot be read as the column's type.
    """
    try:
        return conform_value(column, value)
    except ValueError as exc:
        raise _invalid(column, value, str(exc)) from exc


def _text_writer(column: sa.Column[Any]) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise _invalid(column, value, "expected text, got bool")
        if isinstance(value, (int, float, Decimal)):
            return str(value)
        return value

    return convert


def _bool_writer(column: sa.Column[Any]) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (str, int)):
            parsed = parse_bool(value)
            if parsed is None or (isinstance(value, int) and value not in (0, 1)):
                raise _invalid(column, value, "expected a boolean (true/false, 1/0, yes/no)")
            return parsed
        return value

    return convert


def _parsing_writer(column: sa.Column[Any]) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return coerce_value(column, value, strict=True)
        except ValueError as exc:
            raise _invalid(column, value, str(exc)) from exc

    return convert


def _writer(column: sa.Column[Any]) -> Converter | None:
    """The converter of values written to ``column`` (``None``: bind as given)."""
    if isinstance(column.type, sa.Enum):
        return None
    target = python_type(column)
    if target is None or issubclass(target, (dict, list, bytes, enum.Enum)):
        return None
    if issubclass(target, str):
        return _text_writer(column)
    if issubclass(target, bool):
        return _bool_writer(column)
    return _parsing_writer(column)


class TablePlan:
    """Column lookups, converters and ready-made statements of one table.

    Args:
        table: The table.
    """

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.columns: dict[str, sa.Column[Any]] = {c.name: c for c in table.columns}
        self.column_names = list(self.columns)
        auto = table.autoincrement_column
        self.autoincrement_pk: str | None = auto.name if auto is not None else None
        self.server_defaults = frozenset(
            c.name for c in table.columns if c.server_default is not None
        )
        self.writers: dict[str, Converter | None] = {c.name: _writer(c) for c in table.columns}
        # A value of exactly the column's Python type needs no conversion when compared.
        self.exact_types: dict[str, type | None] = {c.name: python_type(c) for c in table.columns}
        self.insert_returning = sa.insert(table).returning(*table.columns)
        self.insert_plain = sa.insert(table)
        self.has_rowid = bool(table.dialect_options["sqlite"].get("with_rowid", True))
        rowid = next((name for name in _ROWID_NAMES if name not in self.columns), None)
        self.select_by_rowid: sa.Select[Any] | None = (
            sa.select(*table.columns).where(sa.text(f"{rowid} = :_scu_rowid"))
            if rowid is not None
            else None
        )
        self._lookups: dict[tuple[Any, ...], sa.Select[Any]] = {}
        self._shapes: dict[tuple[str, ...], _ShapeChecks] = {}
        self._statements: dict[tuple[Any, ...], Any] = {}

    # ------------------------------------------------------------- values

    def write_values(self, values: Mapping[str, Any], from_object: bool) -> dict[str, Any]:
        """Check the column names, drop "not given" values and convert the rest.

        ``None`` for the autoincrement primary key is always dropped; for
        records read from objects, ``None`` for a column with a server default
        too, and attributes that are not columns are ignored.  A value of
        exactly its column's Python type is bound as given.

        Raises:
            SchemaError: If a key of a dict record is not a column.
            ValidationError: If a value cannot be converted to its column's type.
        """
        out: dict[str, Any] = {}
        writers = self.writers
        exact = self.exact_types
        for key, value in values.items():
            if key not in writers:
                if from_object:
                    continue
                raise unknown_column(self.table.name, key, self.column_names)
            if value is None:
                if key == self.autoincrement_pk or (from_object and key in self.server_defaults):
                    continue
                out[key] = None
                continue
            writer = writers[key]
            out[key] = value if writer is None or type(value) is exact[key] else writer(value)
        return out

    def dict_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """:meth:`write_values` for a dict record: a new dict, ``values`` is not changed.

        The column checks are worked out once per shape (the keys, in order),
        so a row costs a copy plus a type test of the values that may need
        converting.

        Raises:
            SchemaError: If a key is not a column.
            ValidationError: If a value cannot be converted to its column's type.
        """
        shape = tuple(values)
        found = self._shapes.get(shape)
        if found is None:
            if any(key not in self.writers for key in shape):
                # Not cached: the error (and which of several comes first) is write_values'.
                return self.write_values(values, False)
            found = self._shape_checks(shape)
        checks, auto = found
        out = dict(values)
        for key, exact, writer in checks:
            value = out[key]
            if value is not None and type(value) is not exact:
                out[key] = writer(value)
        if auto is not None and out[auto] is None:
            del out[auto]
        return out

    def _shape_checks(self, shape: tuple[str, ...]) -> _ShapeChecks:
        checks = tuple(
            (key, self.exact_types[key], writer)
            for key in shape
            if (writer := self.writers[key]) is not None
        )
        auto = self.autoincrement_pk if self.autoincrement_pk in shape else None
        if len(self._shapes) >= _MAX_SHAPES:
            self._shapes.clear()
        found = self._shapes[shape] = (checks, auto)
        return found

    def filter_values(self, filters: Mapping[str, Any]) -> dict[str, Any]:
        """Convert filter values to their columns' types.

        Raises:
            SchemaError: If a key is not a column.
            ValidationError: If a value cannot be read as its column's type.
        """
        out: dict[str, Any] = {}
        exact = self.exact_types
        for name, value in filters.items():
            column = self.columns.get(name)
            if column is None:
                raise unknown_column(self.table.name, name, self.column_names)
            if value is None or type(value) is exact[name]:
                out[name] = value
            else:
                out[name] = filter_value(column, value)
        return out

    def where_value(self, name: str, value: Any) -> Any:
        """Convert a value that free ``where`` SQL compares with column ``name``.

        Names that are not columns of the table are left alone.

        Raises:
            ValidationError: If the value cannot be read as the column's type.
        """
        column = self.columns.get(name)
        return value if column is None or value is None else filter_value(column, value)

    # --------------------------------------------------------- statements

    def statement(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The statement ``build`` makes, built once per ``key`` (and cached per table).

        SQLAlchemy caches the compiled form of equal statements anyway; keeping
        the statement object also saves building it and working out its cache key.
        """
        statement = self._statements.get(key)
        if statement is None:
            statement = build()
            if len(self._statements) >= _MAX_SHAPES:
                self._statements.clear()
            self._statements[key] = statement
        return statement

    def lookup(self, filters: Mapping[str, Any], *, limit: int) -> tuple[Any, dict[str, Any]]:
        """``SELECT * ... WHERE <filters> ORDER BY <pk> LIMIT <limit>`` and its parameters.

        The statement is built once per filter shape (the names, and which
        values are ``None``); the values are bound parameters.

        Raises:
            SchemaError: If a key is not a column.
            ValidationError: If a value cannot be read as its column's type.
        """
        converted = self.filter_values(filters)
        shape = (limit, *((name, value is None) for name, value in converted.items()))
        statement = self._lookups.get(shape)
        params = {
            f"_scu_f{index}": value
            for index, value in enumerate(converted.values())
            if value is not None
        }
        if statement is None:
            statement = sa.select(*self.table.columns)
            for index, (name, value) in enumerate(converted.items()):
                column = self.columns[name]
                statement = statement.where(
                    column.is_(None)
                    if value is None
                    else column == sa.bindparam(f"_scu_f{index}", type_=column.type)
                )
            statement = statement.order_by(*self.table.primary_key.columns).limit(limit)
            if len(self._lookups) >= _MAX_SHAPES:
                self._lookups.clear()
            self._lookups[shape] = statement
        return statement, params
