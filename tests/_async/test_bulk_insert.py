"""bulk_insert_mappings: chunked inserts from mappings (and COPY on PostgreSQL), all or nothing."""

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils import hooks
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    InvalidArgumentError,
    TransactionError,
)
from sqlmodel_crud_utils.transactions import a_transaction
from tests.models import Item
from tests.statements import count_statements
from tests.support import isolated_hooks


def item_rows(count: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "code": f"c{i:05d}",
            "label": f"label é {i}",
            "price": i / 4,
            "attrs": {"n": i, "tags": ["x", {"deep": [i, None]}]},
            "seen_at": datetime(2026, 1, 2, 3, 4, 5, i, tzinfo=timezone.utc),
        }
        for i in range(start, start + count)
    ]


async def stored(engine: AsyncEngine) -> list[Item]:
    async with AsyncSession(engine) as fresh:
        return list((await fresh.exec(select(Item).order_by(Item.code))).all())


@pytest.mark.parametrize("use_copy", [False, True], ids=["insert", "copy"])
async def test_rows_are_written_chunk_by_chunk_from_a_generator(
    session: AsyncSession, engine: AsyncEngine, use_copy: bool
) -> None:
    source = item_rows(35)
    pulled = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal pulled
        for row in source:
            pulled += 1
            yield row

    seen_when_writing: list[int] = []
    with isolated_hooks():
        hooks.register_hook(
            Item, "before_bulk_insert", lambda ctx: seen_when_writing.append(pulled)
        )
        ok, count = await crud.bulk_insert_mappings(
            rows(), session, Item, use_copy=use_copy, chunk_size=10
        )
    assert (ok, count) == (True, 35)
    # The generator is read one chunk ahead of the writes, never whole.
    assert seen_when_writing == [10, 20, 30, 35]
    written = await stored(engine)
    assert [row.code for row in written] == [row["code"] for row in source]
    for row, want in zip(written, source, strict=True):
        assert (row.label, row.price, row.attrs, row.seen_at) == (
            want["label"],
            want["price"],
            want["attrs"],
            want["seen_at"],
        )
    assert all(row.id is not None for row in written)


async def test_copy_is_used_on_postgresql(session: AsyncSession, engine: AsyncEngine) -> None:
    with count_statements(engine) as seen:
        ok, count = await crud.bulk_insert_mappings(item_rows(20), session, Item, use_copy=True)
    assert (ok, count) == (True, 20)
    inserts = [sql for sql in seen if sql.lstrip().upper().startswith("INSERT")]
    if engine.dialect.name == "postgresql":
        assert inserts == []  # the rows went through COPY, not INSERT
    else:
        assert inserts
    assert len(await stored(engine)) == 20


@pytest.mark.parametrize("use_copy", [False, True], ids=["insert", "copy"])
async def test_a_failing_chunk_keeps_nothing(
    session: AsyncSession, engine: AsyncEngine, use_copy: bool
) -> None:
    rows = item_rows(25) + item_rows(1, start=3)  # a duplicate code in the third chunk
    with pytest.raises(BulkOperationError) as info:
        await crud.bulk_insert_mappings(
            rows, session, Item, use_copy=use_copy, chunk_size=10, raise_on_error=True
        )
    assert info.value.total == 20  # rows written before the failing chunk, all rolled back
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await crud.bulk_insert_mappings(rows, session, Item, use_copy=use_copy, chunk_size=10)
    assert await stored(engine) == []
    assert not session.in_transaction()


async def test_bad_rows_are_refused_before_their_chunk_is_written(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    with count_statements(engine) as seen, pytest.raises(InvalidArgumentError, match="nope"):
        await crud.bulk_insert_mappings([{"code": "a", "nope": 1}], session, Item)
    assert seen == []
    rows: list[Any] = [*item_rows(12), {"code": "odd"}]
    with pytest.raises(InvalidArgumentError, match="row 12 differs"):
        await crud.bulk_insert_mappings(rows, session, Item, chunk_size=5)
    with pytest.raises(InvalidArgumentError, match="not a mapping"):
        await crud.bulk_insert_mappings([*item_rows(2), ("c", 1)], session, Item)
    with pytest.raises(ValueError, match="chunk_size"):
        await crud.bulk_insert_mappings(item_rows(2), session, Item, chunk_size=0)
    assert await stored(engine) == []
    assert await crud.bulk_insert_mappings([], session, Item) == (True, 0)


async def test_a_block_rollback_undoes_the_insert(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    with pytest.raises(TransactionError):
        async with a_transaction(session):
            assert await crud.bulk_insert_mappings(item_rows(5), session, Item, use_copy=True) == (
                True,
                5,
            )
            count = (await session.exec(select(func.count()).select_from(Item))).one()
            assert count == 5
            raise RuntimeError("undo")
    assert await stored(engine) == []
