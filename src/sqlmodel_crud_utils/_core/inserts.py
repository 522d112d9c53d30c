"""Plain bulk inserts from mappings: validation, statements and COPY preparation (pure).

``bulk_insert_mappings`` writes rows given as mappings of attribute names to
values without building model instances.  This module checks each chunk
before it is written, maps attribute names to column keys, and prepares the
``COPY ... FROM STDIN`` form PostgreSQL can stream rows into.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from sqlmodel_crud_utils.exceptions import InvalidArgumentError

#: table -> its plain ``INSERT``, reused so its execution plan is too.
_INSERTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

#: Rows per chunk when the caller does not choose: memory stays bounded by it.
DEFAULT_CHUNK_ROWS = 5_000


def plain_insert(table: Any) -> Any:
    """``INSERT INTO <table>``, built once per table so its execution plan is reused too."""
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table)
    return statement


def chunks_of(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most ``size`` items, reading ``rows`` lazily."""
    iterator = iter(rows)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


@dataclass
class InsertPlan:
    """How the rows of one ``bulk_insert_mappings`` call are written.

    Attributes:
        model: The model class.
        table: Its table.
        columns: Attribute name -> column of every column attribute.
        keys: The attribute names of the first row; every row must have them.
    """

    model: Any
    table: Any
    columns: dict[str, Any]
    keys: tuple[str, ...] | None = None
    _processors: dict[Any, list[Any]] = field(default_factory=dict)

    @classmethod
    def for_model(cls, model: Any) -> InsertPlan:
        mapper = sa_inspect(model)
        columns = {prop.key: prop.columns[0] for prop in mapper.column_attrs}
        return cls(model=model, table=mapper.local_table, columns=columns)

    def parameters(self, chunk: Sequence[Any], offset: int) -> list[dict[str, Any]]:
        """Check a chunk and return its rows keyed by column key (for ``executemany``).

        Args:
            chunk: The mappings of this chunk.
            offset: The index of its first row in the whole input (for messages).

        Raises:
            InvalidArgumentError: a row is not a mapping, names an attribute the
                model does not have, or has other keys than the first row.
        """
        if self.keys is None:
            first = chunk[0]
            if not isinstance(first, Mapping):
                raise InvalidArgumentError(f"row {offset} is not a mapping: {type(first).__name__}")
            unknown = [str(key) for key in first if key not in self.columns]
            if unknown:
                raise InvalidArgumentError(
                    f"{self.model.__name__} has no column attribute(s) "
                    f"{', '.join(map(repr, unknown))}; valid: {', '.join(self.columns)}"
                )
            if not first:
                raise InvalidArgumentError(f"row {offset} has no values")
            self.keys = tuple(first)
        expected = set(self.keys)
        column_keys = [(key, self.columns[key].key) for key in self.keys]
        out: list[dict[str, Any]] = []
        for index, row in enumerate(chunk, start=offset):
            if not isinstance(row, Mapping):
                raise InvalidArgumentError(f"row {index} is not a mapping: {type(row).__name__}")
            if len(row) != len(expected) or set(row) != expected:
                extra = sorted(map(str, set(row) - expected))
                missing = sorted(map(str, expected - set(row)))
                raise InvalidArgumentError(
                    f"All rows must have the keys of row 0; row {index} differs "
                    f"(extra: {extra}, missing: {missing})"
                )
            out.append({column_key: row[key] for key, column_key in column_keys})
        return out

    def statement(self) -> Any:
        """``INSERT INTO <table>``, executed with one parameter set per row (built once)."""
        return plain_insert(self.table)

    def copy_columns(self) -> list[str] | None:
        """The column names a ``COPY`` writes, or ``None`` when ``COPY`` cannot stand in.

        ``COPY`` skips client-side column defaults (``Column(default=...)``),
        which an ``INSERT`` computes for the columns a row leaves out; with
        such a column missing from the rows the insert is used instead.
        """
        assert self.keys is not None
        given = {self.columns[key].key for key in self.keys}
        for column in self.table.columns:
            if column.key not in given and (column.default is not None or column.onupdate):
                return None
        return [self.columns[key].name for key in self.keys]

    def copy_records(self, rows: list[dict[str, Any]], dialect: Any) -> list[tuple[Any, ...]]:
        """Rows as tuples of driver values (the column types' bind processing applied)."""
        assert self.keys is not None
        processors = self._processors.get(dialect)
        if processors is None:
            processors = [
                self.columns[key].type.dialect_impl(dialect).bind_processor(dialect)
                for key in self.keys
            ]
            self._processors[dialect] = processors
        column_keys = [self.columns[key].key for key in self.keys]
        out = []
        for row in rows:
            values = []
            for column_key, process in zip(column_keys, processors, strict=True):
                value = row[column_key]
                values.append(value if process is None else process(value))
            out.append(tuple(values))
        return out


def copy_statement(table: Any, columns: Sequence[str], dialect: Any) -> str:
    """``COPY <table> (<columns>) FROM STDIN`` with quoted identifiers."""
    preparer = dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    return f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"


__all__ = ["DEFAULT_CHUNK_ROWS", "InsertPlan", "chunks_of", "copy_statement"]
