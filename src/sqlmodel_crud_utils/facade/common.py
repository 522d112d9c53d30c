"""Pure building blocks of the table facade: markers, columns, indexes.

Nothing here does I/O; both twins (``facade.aio`` and the generated
``facade.sync``) share these objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Final

import sqlalchemy as sa

__all__ = [
    "NOT_GIVEN",
    "Column",
    "ColumnAccessor",
    "FTSIndex",
    "ForeignKey",
    "ForeignKeyRef",
    "Index",
    "Text",
]


class _NotGiven:
    """The type of :data:`NOT_GIVEN`."""

    _instance: _NotGiven | None = None

    def __new__(cls) -> _NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


#: Marks an argument that was not passed (``None`` is a valid value).
NOT_GIVEN: Final = _NotGiven()


class _TextMarker:
    """Annotation metadata that asks for an unbounded ``TEXT`` column."""

    def __repr__(self) -> str:
        return "Text"


TEXT_MARKER: Final = _TextMarker()

#: An unbounded text column: ``body: Text``.  Type checkers see ``str``.
Text = Annotated[str, TEXT_MARKER]


@dataclass(frozen=True)
class ForeignKeyRef:
    """Annotation metadata of a foreign key column.

    Attributes:
        base_type: The column's Python type.
        table: The referenced table.
        column: The referenced column, or ``None`` for the table's primary key.
    """

    base_type: Any
    table: str
    column: str | None = None


if TYPE_CHECKING:
    from typing import Annotated as ForeignKey
else:

    class ForeignKey:
        """``ForeignKey[int, "users"]`` or ``ForeignKey[int, "users.id"]``.

        Evaluates to ``Annotated[T, ForeignKeyRef(...)]``, so type checkers see
        ``T`` and ``Optional[...]``/``| None`` work.
        """

        def __class_getitem__(cls, params: Any) -> Any:
            if not isinstance(params, tuple) or len(params) != 2:
                raise TypeError('use ForeignKey[T, "table"] or ForeignKey[T, "table.column"]')
            base, target = params
            if not isinstance(target, str) or not target.strip():
                raise TypeError('the ForeignKey target must be a string like "users" or "users.id"')
            table, _, column = target.strip().partition(".")
            return Annotated[base, ForeignKeyRef(base, table, column or None)]


class Index:
    """An index to create with a table.

    Args:
        name: The index name.
        *columns: The indexed columns.
        unique: Whether the index is unique.

    Raises:
        ValueError: If no column is given.
    """

    def __init__(self, name: str, *columns: str, unique: bool = False) -> None:
        if not columns:
            raise ValueError("Index requires at least one column")
        self.name = name
        self.columns = list(columns)
        self.unique = unique

    def __repr__(self) -> str:
        return f"Index({self.name!r}, {', '.join(map(repr, self.columns))}, unique={self.unique})"


class FTSIndex:
    """A full-text index to create with a table.

    Args:
        *columns: The indexed columns.
        name: The index name (default ``<table>_fts``).
        language: The text search language.

    Raises:
        ValueError: If no column is given.
    """

    def __init__(self, *columns: str, name: str | None = None, language: str = "english") -> None:
        if not columns:
            raise ValueError("Index requires at least one column")
        self.columns = list(columns)
        self.name = name
        self.language = language

    def __repr__(self) -> str:
        return f"FTSIndex({', '.join(map(repr, self.columns))}, name={self.name!r})"


def quote_name(name: str) -> str:
    """Quote an identifier the standard SQL way (``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


class Column:
    """One column of a table.

    ``str(column)`` is the quoted column name, ``.qualified`` the quoted
    ``"table"."column"``; other attributes come from the SQLAlchemy column.

    Args:
        sa_column: The SQLAlchemy column.
    """

    def __init__(self, sa_column: sa.Column[Any]) -> None:
        self.sa_column = sa_column

    @property
    def qualified(self) -> str:
        """The quoted ``"table"."column"``."""
        table = self.sa_column.table
        return f"{quote_name(str(getattr(table, 'name', '')))}.{quote_name(self.sa_column.name)}"

    def __str__(self) -> str:
        return quote_name(self.sa_column.name)

    def __repr__(self) -> str:
        return f"Column({self.sa_column.name!r})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.sa_column, name)


class ColumnAccessor:
    """``t.c``: the columns of a table by attribute.

    Args:
        sa_table: The SQLAlchemy table.
    """

    def __init__(self, sa_table: sa.Table) -> None:
        self._sa_table = sa_table

    def __getattr__(self, name: str) -> Column:
        if name.startswith("_"):
            raise AttributeError(name)
        column = self._sa_table.columns.get(name)
        if column is None:
            raise AttributeError(f"Table {self._sa_table.name} has no column {name!r}")
        return Column(column)

    def __getitem__(self, name: str) -> Column:
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[Column]:
        return (Column(column) for column in self._sa_table.columns)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._sa_table.columns

    def __len__(self) -> int:
        return len(self._sa_table.columns)

    def __dir__(self) -> list[str]:
        return [column.name for column in self._sa_table.columns]

    def __call__(self) -> list[Column]:
        return list(self)

    def __repr__(self) -> str:
        return f"ColumnAccessor({', '.join(self.__dir__())})"
