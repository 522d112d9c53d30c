"""Lookups by key on the facade run on the driver's cursor once warm, and read what Core reads."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from sqlmodel_crud_utils import _direct
from sqlmodel_crud_utils.exceptions import MultipleRecordsError
from sqlmodel_crud_utils.facade import AsyncDatabase, AsyncTable
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import open_facade

#: The shop of rows 1 to 4.
SHOPS = "aabc"


class Reading(BaseModel):
    id: int | None = None
    shop: str
    taken: dt.datetime
    day: dt.date
    amount: Decimal
    token: uuid.UUID
    blob: bytes
    ok: bool
    extra: dict[str, Any]


def reading(index: int, shop: str) -> Reading:
    return Reading(
        shop=shop,
        taken=dt.datetime(2024, 5, 1, 12, 30, index),
        day=dt.date(2024, 5, index + 1),
        amount=Decimal(f"{index}.25"),
        token=uuid.UUID(int=index),
        blob=bytes([index, 0, 255]),
        ok=index % 2 == 0,
        extra={"n": index, "tags": ["a", "b"]},
    )


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def readings(db: AsyncDatabase) -> AsyncTable:
    table = await db.create(Reading)
    for index, shop in enumerate(SHOPS):
        await table.insert(reading(index, shop))
    return table


async def core_rows(db: AsyncDatabase, readings: AsyncTable) -> dict[int, dict[str, Any]]:
    """Every row read through Core, with the facade's table, on a fresh connection."""
    table = await readings._table()
    async with db.engine.connect() as conn:
        result = await conn.execute(sa.select(table))
        return {row["id"]: dict(row) for row in result.mappings()}


def warm_plans(db: AsyncDatabase) -> int:
    dialect = getattr(db.engine, "sync_engine", db.engine).dialect
    return sum(plan is not None for plan in _direct._plans.get(dialect, {}).values())


async def test_warm_lookups_read_what_core_reads(db: AsyncDatabase, readings: AsyncTable) -> None:
    before = warm_plans(db)
    for _ in range(2):  # the second round runs on the driver's cursor
        for key in (1, 2, 3, 4):
            expected = reading(key - 1, SHOPS[key - 1]).model_copy(update={"id": key})
            assert (await readings.get(key)).model_dump() == expected.model_dump()
        assert (await readings.lookup(shop="b")).id == 3
        assert (await readings.selectone(shop="c")).id == 4
        assert await readings.contains(2)
        assert not await readings.contains(99)
    # get/contains (LIMIT 1, by key), lookup (LIMIT 1, by shop), selectone (LIMIT 2, by shop).
    assert warm_plans(db) - before >= 3
    expected = await core_rows(db, readings)
    for key, row in expected.items():
        assert await readings.get(key, as_cls=False) == row


async def test_warm_lookups_still_see_several_and_no_rows(readings: AsyncTable) -> None:
    for _ in range(3):
        with pytest.raises(MultipleRecordsError):
            await readings.selectone(shop="a")
        with pytest.raises(NotFoundError):
            await readings[99]
        with pytest.raises(NotFoundError):
            await readings.selectone(shop="zzz")
        assert await readings.get(98, default=None) is None
        assert (await readings.lookup(shop="a")).id == 1


async def test_lookups_inside_a_transaction_see_its_writes(
    db: AsyncDatabase, readings: AsyncTable
) -> None:
    for key in (1, 2):
        await readings.get(key)
    async with db.transaction():
        await readings.update({"id": 2, "shop": "z"})
        assert (await readings.get(2)).shop == "z"
        assert (await readings.lookup(shop="z")).id == 2
    assert (await readings.get(2)).shop == "z"


async def test_statement_listeners_added_later_see_lookups(
    db: AsyncDatabase, readings: AsyncTable
) -> None:
    for _ in range(2):
        await readings.get(1)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    engine = getattr(db.engine, "sync_engine", db.engine)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert (await readings.get(2)).shop == "a"
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert "SELECT" in seen
