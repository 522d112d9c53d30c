# This file is generated from src/sqlmodel_crud_utils/facade/aio/search.py by scripts/unasync.py. Do not edit it by hand.
"""``TableSearch``: full-text indexes and ``search`` of one table."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable

from sqlmodel_crud_utils.exceptions import ValidationError

from .._fts import (
    check_fts_name,
    check_language,
    fts_create_sql,
    fts_drop_sql,
    fts_table,
    search_stmt,
)
from .._plan import plan_for
from .._sql import bound_text, split_names
from .._statements import conditions
from ..common import quote_name
from .reads import TableReads

__all__ = ["TableSearch"]

Params = Sequence[Any] | Mapping[str, Any] | None


class TableSearch(TableReads):
    """Full-text indexes (SQLite FTS5, PostgreSQL GIN) and relevance-ordered search."""

    @property
    def fts_indexes(self) -> list[dict[str, Any]]:
        """``[{'name', 'columns', 'language'}]`` of this table's full-text indexes."""
        return [dict(index) for index in self._db._catalog.fts.get(self._name, [])]

    def create_fts_index(
        self, columns: str | list[str], name: str | None = None, language: str = "english"
    ) -> None:
        """Create a full-text index (default name ``<table>_fts``) and fill it.

        Raises:
            ValidationError: If a column is unknown, or the index or language name is invalid.
        """
        db = self._db
        if name is not None:
            db._check_name(name, "full-text index name")
        check_language(language)
        table = self._table()
        names = split_names(columns)
        if not names:
            raise ValidationError("a full-text index needs at least one column", field="columns")
        for column in names:
            if column not in table.columns:
                raise ValidationError(
                    f"unknown column '{column}'; columns: {', '.join(self.columns)}",
                    field="columns",
                    value=column,
                )
        index_name = name or f"{self._name}_fts"
        db._check_name(index_name, "full-text index name")
        check_fts_name(db._dialect, index_name, names)
        statements = fts_create_sql(db._dialect, db._quote, self._name, index_name, names, language)
        with db.transaction() as conn:
            conn.execute(CreateTable(fts_table, if_not_exists=True))
            for statement in statements:
                conn.exec_driver_sql(statement)
            conn.execute(
                sa.insert(fts_table).values(
                    name=index_name,
                    table_name=self._name,
                    columns=json.dumps(names),
                    language=language,
                )
            )
            db._note_ddl()
            entry = {"name": index_name, "columns": names, "language": language}
            db._catalog.fts.setdefault(self._name, []).append(entry)

    def drop_fts_index(self, name: str | None = None) -> None:
        """Drop a full-text index (default: the table's only or ``<table>_fts`` one).

        Raises:
            ValidationError: If the table has no such index.
        """
        self._table()
        db = self._db
        indexes = db._catalog.fts.get(self._name, [])
        wanted = name or (indexes[0]["name"] if len(indexes) == 1 else f"{self._name}_fts")
        if not any(index["name"] == wanted for index in indexes):
            raise ValidationError(
                f"No FTS index named '{wanted}' on table '{self._name}'", field="name"
            )
        with db.transaction() as conn:
            for statement in fts_drop_sql(db._dialect, wanted):
                conn.execute(statement)
            conn.execute(sa.delete(fts_table).where(fts_table.c.name == wanted))
            db._note_ddl()
            db._catalog.fts[self._name] = [i for i in indexes if i["name"] != wanted]

    def _fts_for(self, columns: Sequence[str] | None) -> dict[str, Any]:
        indexes = self._db._catalog.fts.get(self._name, [])
        if not indexes:
            raise ValidationError(
                f"No FTS index found for table '{self._name}': call create_fts_index() first",
                field="table",
            )
        for index in indexes:
            if not columns or set(columns) <= set(index["columns"]):
                return index
        raise ValidationError(
            f"No FTS index covers columns {', '.join(columns or [])} of '{self._name}'; "
            f"indexed: {'; '.join(', '.join(i['columns']) for i in indexes)}",
            field="columns",
        )

    def search(
        self,
        query: str,
        *,
        columns: list[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        score: bool = False,
        where: str | None = None,
        where_args: Params = None,
        quote: bool = True,
    ) -> list[Any]:
        """Return the rows matching every term of ``query``, the most relevant first.

        Args:
            query: The search terms.
            columns: Search only these indexed columns.
            limit: At most this many rows.
            offset: Skip this many rows.
            score: Return ``[(row, score)]``; scores are negative, lower is better.
            where: An extra SQL condition with placeholders.
            where_args: Values for ``where``.
            quote: Treat ``query`` as plain terms; ``False`` passes the database's
                own query syntax through.

        Returns:
            The rows (as the bound class or dicts).

        Raises:
            ValidationError: If there is no full-text index, or none covers ``columns``.
        """
        table = self._table()
        index = self._fts_for(columns)
        db = self._db
        # The statement's literal SQL is escaped for the driver when compiled: quote the
        # names plainly (the dialect's quote() already escapes '%' for pyformat drivers).
        statement, rank = search_stmt(
            db._dialect, quote_name, table, index, query, columns=columns, quote_terms=quote
        )
        for term in conditions(table, self._filters()):
            statement = statement.where(term)
        if where:
            statement = statement.where(
                bound_text(where, where_args, convert=plan_for(table).where_value)
            )
        statement = statement.order_by(rank)
        if limit is not None:
            statement = statement.limit(limit)
        if offset is not None:
            statement = statement.offset(offset)
        rows = self._fetch(statement)
        out: list[Any] = []
        for row in rows:
            value = float(row.pop("_scu_score"))
            item = self._shape(row, True)
            out.append((item, value) if score else item)
        return out
