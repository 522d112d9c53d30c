# This file is generated from tests/_async/test_query_pages.py by scripts/unasync.py. Do not edit it by hand.
"""Offset pages with totals, keyset pages with signed cursors, and streaming."""

import tracemalloc
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from sqlmodel_crud_utils.pagination import CursorPage, InvalidCursorError, Page
from sqlmodel_crud_utils.sync import QueryBuilder
from tests.models import Hero, Item, Ranked, StreamRow
from tests.statements import count_statements

LABELS = ["b", None, "a", "c", "a", None, "b"]


def seed_heroes(session: Session, count: int = 23) -> None:
    session.add_all(
        [Hero(id=i, name=f"h{i:02d}", secret_name="s", age=i % 4) for i in range(1, count + 1)]
    )
    session.commit()


def seed_ranked(session: Session) -> None:
    rows = []
    for i in range(1, 58):
        score = None if i % 7 == 0 else i % 5
        rows.append(Ranked(id=i, score=score, label=LABELS[i % len(LABELS)]))
    session.add_all(rows)
    session.commit()


def test_paginate_reads_items_and_total_in_one_statement(session: Session) -> None:
    seed_heroes(session)
    session.expunge_all()
    base = QueryBuilder(session, Hero).order_by("id")
    with count_statements(session) as seen:
        page = base.paginate(page=2, page_size=10)
    assert len(seen) == 1
    assert isinstance(page, Page)
    assert [hero.id for hero in page.items] == list(range(11, 21))
    assert (page.total, page.page, page.page_size, page.pages) == (23, 2, 10, 3)
    assert page.has_next is True
    assert page.has_prev is True
    last = base.paginate(page=3, page_size=10)
    assert [hero.id for hero in last.items] == [21, 22, 23]
    assert last.has_next is False
    with count_statements(session) as seen:
        loaded = base.load("team").strict().paginate(page=3, page_size=10)
    assert len(seen) == 1
    assert [(hero.id, hero.team) for hero in loaded.items] == [(21, None), (22, None), (23, None)]
    filtered = base.where(age=0).paginate(page=1, page_size=2)
    assert (filtered.total, filtered.pages, len(filtered.items)) == (5, 3, 2)


def test_paginate_past_the_end_and_without_count(session: Session) -> None:
    seed_heroes(session)
    base = QueryBuilder(session, Hero).order_by("id")
    with count_statements(session) as seen:
        beyond = base.paginate(page=9, page_size=10)
    assert len(seen) == 2
    assert (beyond.items, beyond.total, beyond.has_next) == ([], 23, False)
    with count_statements(session) as seen:
        empty = base.where(name="nobody").paginate()
    assert len(seen) == 1
    assert (empty.items, empty.total, empty.pages, empty.has_next) == ([], 0, 0, False)
    with count_statements(session) as seen:
        fast = base.paginate(page=3, page_size=10, with_count=False)
    assert len(seen) == 1
    assert "count" not in seen[0].lower()
    assert ([hero.id for hero in fast.items], fast.total, fast.pages) == ([21, 22, 23], None, None)
    assert fast.has_next is False
    assert (base.paginate(page=2, page_size=10, with_count=False)).has_next is True
    for bad in (0, -1, True, 1.0):
        with pytest.raises(ValueError):
            base.paginate(page=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            base.paginate(page_size=bad)  # type: ignore[arg-type]


def test_paginate_distinct_columns_falls_back_to_a_count(session: Session) -> None:
    seed_heroes(session)
    ages = QueryBuilder(session, Hero).select("age").distinct().order_by("age")
    with count_statements(session) as seen:
        page = ages.paginate(page=1, page_size=3)
    assert len(seen) == 2
    assert [row.age for row in page.items] == [0, 1, 2]
    assert (page.total, page.has_next) == (4, True)


def expected_order(rows: list[Ranked], keys: list[tuple[str, bool]]) -> list[int]:
    """Python's view of the keyset order: NULL after every value ascending, pk last."""
    result = sorted(rows, key=lambda row: row.id or 0, reverse=keys[-1][1] if keys else False)
    for name, desc in reversed(keys):
        blank = 0 if name == "score" else ""

        def sort_key(row: Ranked, name: str = name, blank: Any = blank) -> tuple[bool, Any]:
            value = getattr(row, name)
            return value is None, blank if value is None else value

        result.sort(key=sort_key, reverse=desc)
    return [row.id or 0 for row in result]


ORDERINGS: list[list[tuple[str, bool]]] = [
    [],
    [("score", False)],
    [("score", True)],
    [("score", False), ("label", True)],
    [("label", True), ("score", False)],
]


def ordered(builder: QueryBuilder[Ranked], keys: list[tuple[str, bool]]) -> Any:
    for name, desc in keys:
        builder = builder.order_by(name, desc=desc)
    return builder


@pytest.mark.parametrize("keys", ORDERINGS, ids=lambda keys: "-".join(f"{n}{d}" for n, d in keys))
def test_keyset_never_skips_or_repeats_rows_with_ties(
    session: Session, keys: list[tuple[str, bool]]
) -> None:
    seed_ranked(session)
    _, rows = QueryBuilder(session, Ranked).all()
    expected = expected_order(rows, keys)
    base = ordered(QueryBuilder(session, Ranked), keys)
    pages: list[list[int]] = []
    cursor: str | None = None
    first = True
    while first or cursor is not None:
        first = False
        page = base.after(cursor).keyset(page_size=4)
        assert isinstance(page, CursorPage)
        pages.append([row.id for row in page.items])
        cursor = page.next_cursor
        if cursor is not None:
            assert len(page.items) == 4
        last_page = page
    forward = [row_id for chunk in pages for row_id in chunk]
    assert forward == expected
    assert len(set(forward)) == len(forward) == 57
    assert pages[0]
    assert last_page.prev_cursor is not None
    # Walk back from the last page: the same pages, in reverse.
    back: list[list[int]] = []
    cursor = last_page.prev_cursor
    while cursor is not None:
        page = base.before(cursor).keyset(page_size=4)
        back.append([row.id for row in page.items])
        assert page.next_cursor is not None
        cursor = page.prev_cursor
    assert list(reversed(back)) == pages[:-1]


def test_keyset_cursor_is_tamper_evident_and_bound_to_the_ordering(
    session: Session,
) -> None:
    seed_ranked(session)
    base = QueryBuilder(session, Ranked).order_by("score")
    page = base.keyset(page_size=5)
    assert page.prev_cursor is None
    assert page.next_cursor is not None
    body, signature = page.next_cursor.split(".")
    forged = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + signature
    with pytest.raises(InvalidCursorError):
        base.after(forged).keyset(page_size=5)
    with pytest.raises(ValueError, match="different query ordering"):
        base.order_by("label").after(page.next_cursor).keyset(page_size=5)
    with pytest.raises(ValueError):
        QueryBuilder(session, Ranked).order_by(sa.func.abs(Ranked.score)).keyset()
    with pytest.raises(ValueError):
        base.select("score").keyset()
    filtered = base.where(score=1).keyset(page_size=50)
    assert filtered.next_cursor is None
    assert all(row.score == 1 for row in filtered.items)


def test_stream_and_iter_rows_in_batches(session: Session) -> None:
    seed_heroes(session, 25)
    base = QueryBuilder(session, Hero).where(age__lt=3).order_by("id")
    sizes = []
    for batch in base.stream(batch_size=4):
        sizes.append(len(batch))
    assert sum(sizes) == 19
    assert max(sizes) <= 4
    ids = [hero.id for hero in base.iter_rows(batch_size=7)]
    assert ids == [i for i in range(1, 26) if i % 4 < 3]
    names = [row.name for row in base.select("name").iter_rows(batch_size=10)]
    assert names[:2] == ["h01", "h02"]
    with pytest.raises(ValueError):
        for _ in base.stream(batch_size=0):
            pass


def peak_growth(rows: Any) -> tuple[int, int, int]:
    """Consume an async row iterator under tracemalloc: (rows, sum of value, peak growth)."""
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        seen = checksum = 0
        for row in rows:
            seen += 1
            checksum += row.value
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seen, checksum, peak - start


def test_streaming_memory_does_not_grow_with_result_size(session: Session) -> None:
    total = 200_000
    session.exec(  # type: ignore[call-overload]
        sa.insert(StreamRow.__table__),  # type: ignore[attr-defined]
        params=[{"value": i} for i in range(total)],
    )
    session.commit()
    base = QueryBuilder(session, StreamRow).order_by("id")
    # 200,000 rows held at once take tens of MB; one batch of 1,000 well under one.
    seen, checksum, growth = peak_growth(base.select("id", "value").iter_rows(1000))
    assert (seen, checksum) == (total, total * (total - 1) // 2)
    assert growth < 8 * 1024 * 1024
    # Model objects too (fewer: hydrating them is slow under tracemalloc); all
    # 10,000 loaded at once take about 13 MB.
    objects = base.where(id__lte=10_000).iter_rows(1000)
    seen, checksum, growth = peak_growth(objects)
    assert (seen, checksum) == (10_000, 10_000 * 9_999 // 2)
    assert growth < 5 * 1024 * 1024


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
def test_keyset_on_non_null_keys_uses_one_row_value_comparison(
    session: Session, desc: bool
) -> None:
    session.add_all([Item(id=i, code=f"c{i:02d}", price=float(i % 4)) for i in range(1, 31)])
    session.commit()
    expected = [
        item_id for _, item_id in sorted(((float(i % 4), i) for i in range(1, 31)), reverse=desc)
    ]
    base = QueryBuilder(session, Item).order_by("price", desc=desc)
    walked: list[int] = []
    cursor: str | None = None
    while True:
        with count_statements(session) as seen:
            page = base.after(cursor).keyset(page_size=7)
        walked.extend(item.id or 0 for item in page.items)
        if cursor is not None:
            # (price, id) > (?, ?): one range condition instead of an OR of prefixes.
            assert "(items.price, items.id) " + ("<" if desc else ">") in seen[0]
            assert " OR " not in seen[0]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert walked == expected
