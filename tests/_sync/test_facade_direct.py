# This file is generated from tests/_async/test_facade_direct.py by scripts/unasync.py. Do not edit it by hand.
"""Lookups by key on the facade run on the driver's cursor once warm, and read what Core reads."""

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import BaseModel

from sqlmodel_crud_utils import _direct
from sqlmodel_crud_utils.exceptions import MultipleRecordsError
from sqlmodel_crud_utils.facade import Database, Table
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
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def readings(db: Database) -> Table:
    table = db.create(Reading)
    for index, shop in enumerate(SHOPS):
        table.insert(reading(index, shop))
    return table


def core_rows(db: Database, readings: Table) -> dict[int, dict[str, Any]]:
    """Every row read through Core, with the facade's table, on a fresh connection."""
    table = readings._table()
    with db.engine.connect() as conn:
        result = conn.execute(sa.select(table))
        return {row["id"]: dict(row) for row in result.mappings()}


def warm_plans(db: Database) -> int:
    dialect = getattr(db.engine, "sync_engine", db.engine).dialect
    return sum(plan is not None for plan in _direct._plans.get(dialect, {}).values())


def test_warm_lookups_read_what_core_reads(db: Database, readings: Table) -> None:
    before = warm_plans(db)
    for _ in range(2):  # the second round runs on the driver's cursor
        for key in (1, 2, 3, 4):
            expected = reading(key - 1, SHOPS[key - 1]).model_copy(update={"id": key})
            assert (readings.get(key)).model_dump() == expected.model_dump()
        assert (readings.lookup(shop="b")).id == 3
        assert (readings.selectone(shop="c")).id == 4
        assert readings.contains(2)
        assert not readings.contains(99)
    # get/contains (LIMIT 1, by key), lookup (LIMIT 1, by shop), selectone (LIMIT 2, by shop).
    assert warm_plans(db) - before >= 3
    expected = core_rows(db, readings)
    for key, row in expected.items():
        assert readings.get(key, as_cls=False) == row


def test_warm_lookups_still_see_several_and_no_rows(readings: Table) -> None:
    for _ in range(3):
        with pytest.raises(MultipleRecordsError):
            readings.selectone(shop="a")
        with pytest.raises(NotFoundError):
            readings[99]
        with pytest.raises(NotFoundError):
            readings.selectone(shop="zzz")
        assert readings.get(98, default=None) is None
        assert (readings.lookup(shop="a")).id == 1


def test_lookups_inside_a_transaction_see_its_writes(db: Database, readings: Table) -> None:
    for key in (1, 2):
        readings.get(key)
    with db.transaction():
        readings.update({"id": 2, "shop": "z"})
        assert (readings.get(2)).shop == "z"
        assert (readings.lookup(shop="z")).id == 2
    assert (readings.get(2)).shop == "z"


def test_statement_listeners_added_later_see_lookups(db: Database, readings: Table) -> None:
    for _ in range(2):
        readings.get(1)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    engine = getattr(db.engine, "sync_engine", db.engine)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert (readings.get(2)).shop == "a"
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert "SELECT" in seen
