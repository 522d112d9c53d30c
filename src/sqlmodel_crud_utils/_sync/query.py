# This file is generated from src/sqlmodel_crud_utils/_async/query.py by scripts/unasync.py. Do not edit it by hand.
"""The query builder's terminal methods: the statements it builds, run on a session.

Chaining methods live in :class:`~sqlmodel_crud_utils.query.QueryBuilderBase`
and never touch the database; the methods here run one statement each (two
for a page whose total cannot ride along) and shape the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel_crud_utils import cache
from sqlmodel_crud_utils._acompat import open_stream
from sqlmodel_crud_utils.cache import lookup, store
from sqlmodel_crud_utils.exceptions import MultipleRecordsError, RecordNotFoundError
from sqlmodel_crud_utils.pagination import (
    CursorPage,
    Page,
    SortKey,
    decode_cursor,
    encode_cursor,
    keyset_condition,
)
from sqlmodel_crud_utils.query import QueryBuilderBase, row_values

if TYPE_CHECKING:
    from sqlmodel import Session

ModelT = TypeVar("ModelT")


class QueryBuilder(QueryBuilderBase[ModelT]):
    """A chainable, immutable query on one model; terminal methods run it.

    Example::

        builder = QueryBuilder(session, Hero).where(age__gte=18).order_by("name")
        found, heroes = builder.all()
        page = builder.paginate(page=2, page_size=20)

    Args:
        session_inst: The session the terminal methods run on.
        model: The model class queried.
        stmnt: A statement to start from instead of ``select(model)``.
    """

    session: Session

    # -- plumbing --------------------------------------------------------------

    def _rows(self, stmt: Any) -> list[Any]:
        result = self.session.exec(stmt)
        if self.entity_mode:
            return list(result.scalars().unique().all())
        return list(result.all())

    def _scalar(self, stmt: Any) -> Any:
        return (self.session.exec(stmt)).scalar_one()

    def _cache_slot(self, op: str, stmt: Any) -> tuple[tuple[str, str] | None, Any]:
        """Where ``stmt``'s answer is cached and the cached entry (``None``: miss)."""
        if not self._cacheable(self.statement()):
            return None, None
        if not cache.cache_usable(self.session, self.model):
            return None, None
        key = cache.statement_key(self.session, self.model, op, stmt)
        if key is None:
            return None, None
        slot = (cache.namespace_for(self.model), key)
        return slot, lookup(*slot)

    def _remember(self, slot: tuple[str, str] | None, value: Any) -> None:
        if slot is not None and value is not None:
            store(slot[0], slot[1], value, self._state.cache_ttl)

    def _cursor(self, row: Any, keys: list[SortKey], fingerprint: str) -> str:
        return encode_cursor(row_values(row, keys), fingerprint)

    # -- upstream terminals ----------------------------------------------------

    def all(self) -> tuple[bool, list[Any]]:
        """Run the query.

        Returns:
            ``(found, rows)``: model objects, or rows of the ``select()`` columns.
        """
        stmt = self.statement()
        slot, entry = self._cache_slot("qb.all", stmt)
        if entry is not None:
            cached = cache.rows_from_entry(self.model, entry)
            if cached is not None:
                return len(cached) > 0, cached
        rows = self._rows(stmt)
        if rows:
            self._remember(slot, cache.rows_entry(rows) if slot else None)
        return len(rows) > 0, rows

    def first(self) -> tuple[bool, Any]:
        """Return ``(found, row)`` for the first row (``(False, None)`` when none)."""
        stmt = self._first_statement()
        slot, entry = self._cache_slot("qb.first", stmt)
        if entry is not None:
            row = cache.row_from_entry(self.model, entry)
            if row is not None:
                return True, row
        rows = self._rows(stmt)
        row = rows[0] if rows else None
        if row is not None:
            self._remember(slot, cache.dump_row(row) if slot else None)
        return row is not None, row

    def count(self) -> tuple[bool, int]:
        """Count the rows the query returns (limit and offset included)."""
        stmt = self._count_statement()
        slot, entry = self._cache_slot("qb.count", stmt)
        if isinstance(entry, dict) and isinstance(entry.get("count"), int):
            return entry["count"] > 0, entry["count"]
        total = int(self._scalar(stmt))
        if total:
            self._remember(slot, {"count": total})
        return total > 0, total

    # -- single rows -----------------------------------------------------------

    def _not_found(self) -> RecordNotFoundError:
        criteria = " AND ".join(str(clause) for clause in self._state.where) or "no filters"
        return RecordNotFoundError(self.model, criteria, "filters")

    def one(self) -> Any:
        """Return the only row.

        Raises:
            RecordNotFoundError: no row matches.
            MultipleRecordsError: more than one row matches.
        """
        row = self.one_or_none()
        if row is None:
            raise self._not_found()
        return row

    def one_or_none(self) -> Any:
        """Return the only row, or ``None`` when none matches.

        Raises:
            MultipleRecordsError: more than one row matches.
        """
        rows = self._rows(self.statement().limit(2))
        if len(rows) > 1:
            _, total = self.count()
            raise MultipleRecordsError(self.model, total)
        return rows[0] if rows else None

    def exists(self) -> bool:
        """Whether any row matches (``SELECT EXISTS (...)``)."""
        return bool(self._scalar(self._exists_statement()))

    def count_by(self, *columns: Any) -> dict[Any, int]:
        """Count matching rows per value of ``columns`` (``GROUP BY``).

        Returns:
            ``{value: count}``, or ``{(v1, v2): count}`` for several columns.
        """
        if not columns:
            raise ValueError("count_by() needs at least one column")
        rows = (self.session.exec(self._count_by_statement(columns))).all()
        if len(columns) == 1:
            return {row[0]: int(row[1]) for row in rows}
        return {tuple(row[:-1]): int(row[-1]) for row in rows}

    # -- pagination ------------------------------------------------------------

    def paginate(self, page: int = 1, page_size: int = 20, *, with_count: bool = True) -> Page[Any]:
        """Read one page by offset, with the total in the same statement when possible.

        The total rides along as ``count(*) OVER ()`` for model queries; with
        ``select()`` columns, ``distinct()`` or ``group_by()``, or for a page
        past the end, a second ``COUNT`` runs.  The builder's own limit and
        offset are replaced.

        Args:
            page: 1-based page number.
            page_size: Rows per page.
            with_count: Compute the total; ``False`` skips it and reads one
                extra row to tell whether a next page exists.

        Raises:
            ValueError: ``page`` or ``page_size`` is not a positive int.
        """
        self._check_page(page, page_size)
        if not with_count:
            rows = self._rows(self._page_statement(page, page_size, False, 1))
            return Page(rows[:page_size], None, page, page_size, len(rows) > page_size)
        total: int | None = None
        window = self._window_total_allowed()
        if window:
            result = self.session.exec(self._page_statement(page, page_size, True, 0))
            pairs = result.unique().all()
            items = [pair[0] for pair in pairs]
            if pairs:
                total = int(pairs[0][1])
            elif page == 1:
                total = 0
        else:
            items = self._rows(self._page_statement(page, page_size, False, 0))
        if total is None:
            total = int(self._scalar(self._total_statement()))
        return Page(items, total, page, page_size, page * page_size < total)

    def keyset(self, page_size: int = 20) -> CursorPage[Any]:
        """Read one page by position (keyset pagination), after or before a cursor.

        The order is the builder's ``order_by()`` columns (names) with the
        primary key appended as tie-breaker; NULL sorts after every value in
        ascending order.  Use ``after(page.next_cursor)`` for the next page and
        ``before(page.prev_cursor)`` for the previous one.

        Raises:
            ValueError: unnamed sort expressions, ``select()`` columns, a bad
                ``page_size``, or an invalid cursor (``InvalidCursorError``).
        """
        self._check_page(1, page_size)
        keys, fingerprint = self.keyset_plan()
        state = self._state
        if state.before is not None:
            backwards = [key.reversed() for key in keys]
            values = decode_cursor(state.before, fingerprint)
            before = keyset_condition(backwards, values)
            rows = self._rows(self._keyset_statement(backwards, before, page_size + 1))
            items = list(reversed(rows[:page_size]))
            more = len(rows) > page_size
            prev_cursor = self._cursor(items[0], keys, fingerprint) if more else None
            next_cursor = self._cursor(items[-1], keys, fingerprint) if items else None
            return CursorPage(items, next_cursor, prev_cursor)
        condition: Any = None
        if state.after is not None:
            condition = keyset_condition(keys, decode_cursor(state.after, fingerprint))
        rows = self._rows(self._keyset_statement(keys, condition, page_size + 1))
        items = rows[:page_size]
        next_cursor = self._cursor(items[-1], keys, fingerprint) if len(rows) > page_size else None
        prev_cursor = None
        if state.after is not None and items:
            prev_cursor = self._cursor(items[0], keys, fingerprint)
        return CursorPage(items, next_cursor, prev_cursor)

    # -- streaming -------------------------------------------------------------

    def stream(self, batch_size: int = 1000) -> Iterator[list[Any]]:
        """Yield the rows in lists of up to ``batch_size``, holding one batch at a time.

        PostgreSQL reads through a server-side cursor; SQLite steps its cursor.
        The session's connection is busy until the iteration ends: consume it
        fully (or close the iterator) before running other statements.

        Raises:
            ValueError: ``batch_size`` is not a positive int.
        """
        self._check_page(1, batch_size)
        result = open_stream(
            self.session, self.statement(), {"yield_per": batch_size, "stream_results": True}
        )
        if self.entity_mode:
            result = result.scalars()
        try:
            while True:
                batch = result.fetchmany(batch_size)
                if not batch:
                    break
                yield list(batch)
        finally:
            result.close()

    def iter_rows(self, batch_size: int = 1000) -> Iterator[Any]:
        """Yield the rows one by one, reading ``batch_size`` at a time (see :meth:`stream`)."""
        for batch in self.stream(batch_size):
            batch.reverse()
            while batch:
                yield batch.pop()


__all__ = ["QueryBuilder"]
