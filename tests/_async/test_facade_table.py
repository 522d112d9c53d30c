"""AsyncTable: inserts, updates, upserts, deletes, bulk loads and reads."""

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sqlmodel_crud_utils.exceptions import (
    DuplicateKeyError,
    InvalidOperationError,
    MultipleRecordsError,
    NotNullError,
    SchemaError,
    ValidationError,
)
from sqlmodel_crud_utils.facade import NOT_GIVEN, AsyncDatabase, AsyncTable
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import _ASYNC_TWIN, open_facade


@dataclasses.dataclass
class Item:
    id: int | None = None
    name: str = ""
    qty: int = 0
    shop: str | None = None


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def items(db: AsyncDatabase) -> AsyncTable:
    table = await db.create(Item)
    await table.insert_all(
        [
            {"name": "apple", "qty": 3, "shop": "a"},
            {"name": "pear", "qty": 0, "shop": "a"},
            {"name": "plum", "qty": 7, "shop": "b"},
        ]
    )
    return table


# ------------------------------------------------------------------ insert


async def test_insert_record_and_kwargs(db: AsyncDatabase) -> None:
    table = await db.create(Item)
    first = await table.insert(Item(name="a", qty=1))
    assert first == Item(id=1, name="a", qty=1)
    second = await table.insert({"name": "b"}, qty=5, id=None)
    assert second == Item(id=2, name="b", qty=5)
    third = await table.insert(name="c", shop=None)
    assert third.shop is None
    with pytest.raises(SchemaError, match="has no column 'nope'"):
        await table.insert(name="x", nope=1)


async def test_insert_violations_are_typed(db: AsyncDatabase) -> None:
    table = await db.t.strict.create(id=int, name=str, not_null=["name"])
    await table.insert(id=1, name="a")
    with pytest.raises(DuplicateKeyError):
        await table.insert(id=1, name="b")
    with pytest.raises(NotNullError):
        await table.insert(id=2, name=None)


async def test_xtra_scope(items: AsyncTable) -> None:
    shop_a = items.xtra(shop="a")
    assert [row.name for row in await shop_a(order_by="id")] == ["apple", "pear"]
    assert await shop_a.count == 2
    assert await items.count == 3
    created = await shop_a.insert(name="fig")
    assert created.shop == "a"
    with pytest.raises(ValidationError, match="xtra"):
        await shop_a.insert(name="kiwi", shop="b")
    with pytest.raises(NotFoundError):
        await shop_a.get(3)
    assert await shop_a.delete_where() == 3
    assert await items.count == 1
    with pytest.raises(SchemaError):
        items.xtra(nope=1)


# ------------------------------------------------------------- update etc.


async def test_update(items: AsyncTable) -> None:
    updated = await items.update({"id": 1, "qty": 9})
    assert updated == Item(id=1, name="apple", qty=9, shop="a")
    again = await items.update(pk_values=2, name="pear2")
    assert (again.name, again.qty) == ("pear2", 0)
    with pytest.raises(ValidationError, match="primary key"):
        await items.update({"qty": 1})
    with pytest.raises(NotFoundError) as info:
        await items.update({"id": 99, "qty": 1})
    assert info.value.table_name == "item"
    assert info.value.filters == {"id": 99}
    with pytest.raises(NotFoundError):
        await items.xtra(shop="b").update(pk_values=1, qty=0)


async def test_update_and_delete_need_a_primary_key(db: AsyncDatabase) -> None:
    await db.q("CREATE TABLE logs (msg TEXT)")
    logs = db.t.logs
    await logs.insert(msg="a")
    assert (await logs.insert(msg="a")) == {"msg": "a"}
    with pytest.raises(InvalidOperationError):
        await logs.update({"msg": "b"}, pk_values="a")
    with pytest.raises(InvalidOperationError):
        await logs.delete("a")
    assert await logs.count == 2


async def test_upsert(items: AsyncTable) -> None:
    inserted = await items.upsert(name="new", qty=1)
    assert inserted.id == 4
    updated = await items.upsert(Item(id=1, name="apple", qty=42, shop="a"))
    assert updated.qty == 42
    fresh = await items.upsert(id=10, name="ten")
    assert fresh == Item(id=10, name="ten", qty=0, shop=None)
    with pytest.raises(DuplicateKeyError) as info:
        await items.xtra(shop="b").upsert(id=1, name="stolen")
    assert info.value.constraint == "primary_key"
    assert (await items[1]).name == "apple"


async def test_delete(items: AsyncTable) -> None:
    await items.delete(1)
    assert not await items.contains(1)
    with pytest.raises(NotFoundError):
        await items.delete(1)
    assert await items.delete_where("qty > ?", [5]) == 1
    assert await items.delete_where("name = :n", {"n": "none"}) == 0
    assert await items.count == 1


# -------------------------------------------------------------------- bulk


def generated(count: int) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield {"name": f"n{number}", "qty": number}


async def test_insert_all_streams_batches(db: AsyncDatabase) -> None:
    table = await db.create(Item)
    progress: list[int] = []
    assert await table.insert_all(generated(25), batch_size=10, on_progress=progress.append) == 25
    assert progress == [10, 20, 25]
    assert await table.count == 25
    assert await table.insert_all([]) == 0
    mixed = [{"name": "x"}, {"name": "y", "qty": 2}, Item(name="z", shop="s")]
    assert await table.insert_all(mixed, xtra={"shop": "s"}) == 3
    assert await table.count_where("shop = ?", ["s"]) == 3


async def test_insert_all_is_atomic(db: AsyncDatabase) -> None:
    table = await db.create(Item)
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 1, "name": "dup"}]
    with pytest.raises(DuplicateKeyError):
        await table.insert_all(rows, batch_size=2)
    assert await table.count == 0


async def test_insert_all_conflict_modes(items: AsyncTable) -> None:
    rows = [{"id": 1, "name": "APPLE", "qty": 1}, {"id": 9, "name": "new", "qty": 1}]
    assert await items.insert_all(rows, ignore=True) == 2
    assert (await items.get(1)).name == "apple"
    assert await items.upsert_all(rows) == 2
    assert (await items.get(1)).name == "APPLE"
    assert (await items.get(1)).shop == "a"
    assert await items.insert_all([{"id": 5, "name": "only"}], truncate=True) == 1
    assert [row.id for row in await items()] == [5]


async def test_writes_convert_values_and_leave_the_given_dicts_alone(db: AsyncDatabase) -> None:
    table = await db.create(Item)
    given = {"id": None, "name": 5, "qty": "3"}
    assert await table.insert(given) == Item(id=1, name="5", qty=3)
    assert given == {"id": None, "name": 5, "qty": "3"}
    rows = [
        {"id": 1, "name": "one", "qty": "4"},
        {"id": 2, "name": 2, "qty": 1},
        {"qty": 6, "name": "x", "id": 3},
    ]
    copies = [dict(row) for row in rows]
    assert await table.upsert_all(rows, batch_size=2) == 3
    assert rows == copies
    written = [(row.id, row.name, row.qty) for row in await table()]
    assert written == [(1, "one", 4), (2, "2", 1), (3, "x", 6)]
    scoped = table.xtra(shop="s")
    assert await scoped.insert({"name": "y"}, id=4, qty=2) == Item(id=4, name="y", qty=2, shop="s")
    with pytest.raises(ValidationError):
        await table.insert({"name": "z", "qty": "many"})
    assert await table.count == 4


# ------------------------------------------------------------------- reads


async def test_call_filters_and_paging(items: AsyncTable) -> None:
    assert [r.name for r in await items(order_by="qty DESC")] == ["plum", "apple", "pear"]
    assert [r.name for r in await items("qty > ?", [1], order_by="name")] == ["apple", "plum"]
    assert [r.name for r in await items("shop = :s", {"s": "b"})] == ["plum"]
    assert [r.name for r in await items(limit=2)] == ["apple", "pear"]
    assert [r.name for r in await items(offset=2)] == ["plum"]
    assert [r.name for r in await items(limit=1, offset=1)] == ["pear"]
    assert [r.name for r in await items(shop="a", qty=0)] == ["pear"]
    assert [r.name for r in await items(xtra={"shop": "b"})] == ["plum"]
    assert await items(select="name", limit=1) == [{"name": "apple"}]
    assert (await items(as_cls=False, limit=1))[0] == {
        "id": 1,
        "name": "apple",
        "qty": 3,
        "shop": "a",
    }
    pairs = await items(with_pk=True, limit=2)
    assert [pk for pk, _ in pairs] == [1, 2]
    assert [pk for pk, _ in await items(2, True)] == [1, 2]
    assert len(await items(2)) == 2
    with pytest.raises(SchemaError):
        await items(nope=1)
    with pytest.raises(ValidationError):
        await items(limit=-1)


async def test_rows_where_and_iteration(items: AsyncTable) -> None:
    names = [row["name"] async for row in items.rows_where("qty >= ?", [0], order_by="id")]
    assert names == ["apple", "pear", "plum"]
    assert [row["id"] async for row in items.rows] == [1, 2, 3]
    assert [row["id"] async for row in items.rows_where(limit=1, offset=2)] == [3]
    assert [row["name"] async for row in items] == ["apple", "pear", "plum"]


async def test_membership(items: AsyncTable) -> None:
    if _ASYNC_TWIN:
        with pytest.raises(TypeError, match="contains"):
            _ = 1 in items
        with pytest.raises(TypeError, match="async for"):
            iter(items)
    else:
        assert 1 in items
        assert 99 not in items
    assert await items.contains(1)
    assert not await items.contains(99)


async def test_get_lookup_selectone(items: AsyncTable) -> None:
    assert (await items.get(2)).name == "pear"
    assert (await items["3"]).name == "plum"
    assert await items.get(99, default=None) is None
    assert NOT_GIVEN is not None
    with pytest.raises(NotFoundError):
        await items[99]
    assert (await items.get(1, as_cls=False))["name"] == "apple"
    assert (await items.lookup(shop="a")).name == "apple"
    with pytest.raises(ValidationError):
        await items.lookup()
    with pytest.raises(SchemaError):
        await items.lookup(nope=1)
    with pytest.raises(NotFoundError):
        await items.lookup(shop="zzz")
    assert (await items.selectone("qty = ?", [7])).name == "plum"
    assert await items.selectone(name="pear", select="qty") == {"qty": 0}
    with pytest.raises(MultipleRecordsError):
        await items.selectone(shop="a")
    with pytest.raises(NotFoundError):
        await items.selectone("qty > 100")


async def test_composite_primary_key(db: AsyncDatabase) -> None:
    pairs = await db.t.pairs.create(a=int, b=str, v=int, pk=["a", "b"])
    await pairs.insert(a=1, b="x", v=1)
    await pairs.insert(a=1, b="y", v=2)
    assert (await pairs[(1, "y")])["v"] == 2
    with pytest.raises(ValidationError, match="composite"):
        await pairs.get(1)
    assert [pk for pk, _ in await pairs(with_pk=True)] == [(1, "x"), (1, "y")]
    await pairs.update(pk_values=(1, "x"), v=5)
    assert (await pairs.upsert(a=1, b="y", v=9))["v"] == 9
    await pairs.delete((1, "x"))
    assert await pairs.count == 1


async def test_columns_schema_and_dataclass(db: AsyncDatabase) -> None:
    orders = await db.t.order_item.create(id=int, label=str, price=float)
    assert str(orders.c.label) == '"label"'
    assert repr(orders.c.label) == "Column('label')"
    assert orders.c.label.qualified == '"order_item"."label"'
    assert "price" in orders.c
    assert [str(c) for c in orders.c()] == ['"id"', '"label"', '"price"']
    with pytest.raises(AttributeError, match="has no column 'nope'"):
        _ = orders.c.nope
    assert orders.schema.startswith("CREATE TABLE")
    assert str(orders) == "order_item"
    cls = orders.dataclass()
    assert cls.__name__ == "OrderItem"
    row = await orders.insert(label="x", price=1.5)
    assert isinstance(row, cls)
    assert row.label == "x"
    assert orders.dataclass() is cls


async def test_create_with_flags_and_drop(db: AsyncDatabase) -> None:
    table = await db.t.things.create(id=int, name=str, defaults={"name": "it's"})
    assert (await table.insert())["name"] == "it's"
    with pytest.raises(SchemaError, match="already exists"):
        await table.create(id=int)
    assert await table.create(id=int, if_not_exists=True) is table
    await table.create(id=int, other=str, replace=True)
    assert table.columns == ["id", "other"]
    await table.drop()
    assert "things" not in db.t
    with pytest.raises(SchemaError):
        await table.drop()


class Reading(BaseModel):
    id: int | None = None
    taken: dt.datetime
    day: dt.date
    at: dt.time
    amount: Decimal
    token: uuid.UUID
    blob: bytes
    items: list[int]


async def test_types_round_trip_with_a_pydantic_model(db: AsyncDatabase) -> None:
    readings = await db.create(Reading)
    value = Reading(
        taken=dt.datetime(2024, 5, 1, 12, 30),
        day=dt.date(2024, 5, 1),
        at=dt.time(8, 15),
        amount=Decimal("12.50"),
        token=uuid.UUID(int=7),
        blob=b"\x00\x01",
        items=[1, 2],
    )
    stored = await readings.insert(value)
    assert isinstance(stored, Reading)
    assert stored.id == 1
    again = await readings[1]
    assert again.model_dump(exclude={"id"}) == value.model_dump(exclude={"id"})
