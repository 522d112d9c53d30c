# This file is generated from tests/_async/test_facade_table.py by scripts/unasync.py. Do not edit it by hand.
"""Table: inserts, updates, upserts, deletes, bulk loads and reads."""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
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
from sqlmodel_crud_utils.facade import NOT_GIVEN, Database, Table
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
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def items(db: Database) -> Table:
    table = db.create(Item)
    table.insert_all(
        [
            {"name": "apple", "qty": 3, "shop": "a"},
            {"name": "pear", "qty": 0, "shop": "a"},
            {"name": "plum", "qty": 7, "shop": "b"},
        ]
    )
    return table


# ------------------------------------------------------------------ insert


def test_insert_record_and_kwargs(db: Database) -> None:
    table = db.create(Item)
    first = table.insert(Item(name="a", qty=1))
    assert first == Item(id=1, name="a", qty=1)
    second = table.insert({"name": "b"}, qty=5, id=None)
    assert second == Item(id=2, name="b", qty=5)
    third = table.insert(name="c", shop=None)
    assert third.shop is None
    with pytest.raises(SchemaError, match="has no column 'nope'"):
        table.insert(name="x", nope=1)


def test_insert_violations_are_typed(db: Database) -> None:
    table = db.t.strict.create(id=int, name=str, not_null=["name"])
    table.insert(id=1, name="a")
    with pytest.raises(DuplicateKeyError):
        table.insert(id=1, name="b")
    with pytest.raises(NotNullError):
        table.insert(id=2, name=None)


def test_xtra_scope(items: Table) -> None:
    shop_a = items.xtra(shop="a")
    assert [row.name for row in shop_a(order_by="id")] == ["apple", "pear"]
    assert shop_a.count == 2
    assert items.count == 3
    created = shop_a.insert(name="fig")
    assert created.shop == "a"
    with pytest.raises(ValidationError, match="xtra"):
        shop_a.insert(name="kiwi", shop="b")
    with pytest.raises(NotFoundError):
        shop_a.get(3)
    assert shop_a.delete_where() == 3
    assert items.count == 1
    with pytest.raises(SchemaError):
        items.xtra(nope=1)


# ------------------------------------------------------------- update etc.


def test_update(items: Table) -> None:
    updated = items.update({"id": 1, "qty": 9})
    assert updated == Item(id=1, name="apple", qty=9, shop="a")
    again = items.update(pk_values=2, name="pear2")
    assert (again.name, again.qty) == ("pear2", 0)
    with pytest.raises(ValidationError, match="primary key"):
        items.update({"qty": 1})
    with pytest.raises(NotFoundError) as info:
        items.update({"id": 99, "qty": 1})
    assert info.value.table_name == "item"
    assert info.value.filters == {"id": 99}
    with pytest.raises(NotFoundError):
        items.xtra(shop="b").update(pk_values=1, qty=0)


def test_update_and_delete_need_a_primary_key(db: Database) -> None:
    db.q("CREATE TABLE logs (msg TEXT)")
    logs = db.t.logs
    logs.insert(msg="a")
    assert (logs.insert(msg="a")) == {"msg": "a"}
    with pytest.raises(InvalidOperationError):
        logs.update({"msg": "b"}, pk_values="a")
    with pytest.raises(InvalidOperationError):
        logs.delete("a")
    assert logs.count == 2


def test_upsert(items: Table) -> None:
    inserted = items.upsert(name="new", qty=1)
    assert inserted.id == 4
    updated = items.upsert(Item(id=1, name="apple", qty=42, shop="a"))
    assert updated.qty == 42
    fresh = items.upsert(id=10, name="ten")
    assert fresh == Item(id=10, name="ten", qty=0, shop=None)
    with pytest.raises(DuplicateKeyError) as info:
        items.xtra(shop="b").upsert(id=1, name="stolen")
    assert info.value.constraint == "primary_key"
    assert (items[1]).name == "apple"


def test_delete(items: Table) -> None:
    items.delete(1)
    assert not items.contains(1)
    with pytest.raises(NotFoundError):
        items.delete(1)
    assert items.delete_where("qty > ?", [5]) == 1
    assert items.delete_where("name = :n", {"n": "none"}) == 0
    assert items.count == 1


# -------------------------------------------------------------------- bulk


def generated(count: int) -> Iterator[dict[str, Any]]:
    for number in range(count):
        yield {"name": f"n{number}", "qty": number}


def test_insert_all_streams_batches(db: Database) -> None:
    table = db.create(Item)
    progress: list[int] = []
    assert table.insert_all(generated(25), batch_size=10, on_progress=progress.append) == 25
    assert progress == [10, 20, 25]
    assert table.count == 25
    assert table.insert_all([]) == 0
    mixed = [{"name": "x"}, {"name": "y", "qty": 2}, Item(name="z", shop="s")]
    assert table.insert_all(mixed, xtra={"shop": "s"}) == 3
    assert table.count_where("shop = ?", ["s"]) == 3


def test_insert_all_is_atomic(db: Database) -> None:
    table = db.create(Item)
    rows = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 1, "name": "dup"}]
    with pytest.raises(DuplicateKeyError):
        table.insert_all(rows, batch_size=2)
    assert table.count == 0


def test_insert_all_conflict_modes(items: Table) -> None:
    rows = [{"id": 1, "name": "APPLE", "qty": 1}, {"id": 9, "name": "new", "qty": 1}]
    assert items.insert_all(rows, ignore=True) == 2
    assert (items.get(1)).name == "apple"
    assert items.upsert_all(rows) == 2
    assert (items.get(1)).name == "APPLE"
    assert (items.get(1)).shop == "a"
    assert items.insert_all([{"id": 5, "name": "only"}], truncate=True) == 1
    assert [row.id for row in items()] == [5]


def test_writes_convert_values_and_leave_the_given_dicts_alone(db: Database) -> None:
    table = db.create(Item)
    given = {"id": None, "name": 5, "qty": "3"}
    assert table.insert(given) == Item(id=1, name="5", qty=3)
    assert given == {"id": None, "name": 5, "qty": "3"}
    rows = [
        {"id": 1, "name": "one", "qty": "4"},
        {"id": 2, "name": 2, "qty": 1},
        {"qty": 6, "name": "x", "id": 3},
    ]
    copies = [dict(row) for row in rows]
    assert table.upsert_all(rows, batch_size=2) == 3
    assert rows == copies
    written = [(row.id, row.name, row.qty) for row in table()]
    assert written == [(1, "one", 4), (2, "2", 1), (3, "x", 6)]
    scoped = table.xtra(shop="s")
    assert scoped.insert({"name": "y"}, id=4, qty=2) == Item(id=4, name="y", qty=2, shop="s")
    with pytest.raises(ValidationError):
        table.insert({"name": "z", "qty": "many"})
    assert table.count == 4


# ------------------------------------------------------------------- reads


def test_call_filters_and_paging(items: Table) -> None:
    assert [r.name for r in items(order_by="qty DESC")] == ["plum", "apple", "pear"]
    assert [r.name for r in items("qty > ?", [1], order_by="name")] == ["apple", "plum"]
    assert [r.name for r in items("shop = :s", {"s": "b"})] == ["plum"]
    assert [r.name for r in items(limit=2)] == ["apple", "pear"]
    assert [r.name for r in items(offset=2)] == ["plum"]
    assert [r.name for r in items(limit=1, offset=1)] == ["pear"]
    assert [r.name for r in items(shop="a", qty=0)] == ["pear"]
    assert [r.name for r in items(xtra={"shop": "b"})] == ["plum"]
    assert items(select="name", limit=1) == [{"name": "apple"}]
    assert (items(as_cls=False, limit=1))[0] == {
        "id": 1,
        "name": "apple",
        "qty": 3,
        "shop": "a",
    }
    pairs = items(with_pk=True, limit=2)
    assert [pk for pk, _ in pairs] == [1, 2]
    assert [pk for pk, _ in items(2, True)] == [1, 2]
    assert len(items(2)) == 2
    with pytest.raises(SchemaError):
        items(nope=1)
    with pytest.raises(ValidationError):
        items(limit=-1)


def test_rows_where_and_iteration(items: Table) -> None:
    names = [row["name"] for row in items.rows_where("qty >= ?", [0], order_by="id")]
    assert names == ["apple", "pear", "plum"]
    assert [row["id"] for row in items.rows] == [1, 2, 3]
    assert [row["id"] for row in items.rows_where(limit=1, offset=2)] == [3]
    assert [row["name"] for row in items] == ["apple", "pear", "plum"]


def test_membership(items: Table) -> None:
    if _ASYNC_TWIN:
        with pytest.raises(TypeError, match="contains"):
            _ = 1 in items
        with pytest.raises(TypeError, match="for"):
            iter(items)
    else:
        assert 1 in items
        assert 99 not in items
    assert items.contains(1)
    assert not items.contains(99)


def test_get_lookup_selectone(items: Table) -> None:
    assert (items.get(2)).name == "pear"
    assert (items["3"]).name == "plum"
    assert items.get(99, default=None) is None
    assert NOT_GIVEN is not None
    with pytest.raises(NotFoundError):
        items[99]
    assert (items.get(1, as_cls=False))["name"] == "apple"
    assert (items.lookup(shop="a")).name == "apple"
    with pytest.raises(ValidationError):
        items.lookup()
    with pytest.raises(SchemaError):
        items.lookup(nope=1)
    with pytest.raises(NotFoundError):
        items.lookup(shop="zzz")
    assert (items.selectone("qty = ?", [7])).name == "plum"
    assert items.selectone(name="pear", select="qty") == {"qty": 0}
    with pytest.raises(MultipleRecordsError):
        items.selectone(shop="a")
    with pytest.raises(NotFoundError):
        items.selectone("qty > 100")


def test_composite_primary_key(db: Database) -> None:
    pairs = db.t.pairs.create(a=int, b=str, v=int, pk=["a", "b"])
    pairs.insert(a=1, b="x", v=1)
    pairs.insert(a=1, b="y", v=2)
    assert (pairs[(1, "y")])["v"] == 2
    with pytest.raises(ValidationError, match="composite"):
        pairs.get(1)
    assert [pk for pk, _ in pairs(with_pk=True)] == [(1, "x"), (1, "y")]
    pairs.update(pk_values=(1, "x"), v=5)
    assert (pairs.upsert(a=1, b="y", v=9))["v"] == 9
    pairs.delete((1, "x"))
    assert pairs.count == 1


def test_columns_schema_and_dataclass(db: Database) -> None:
    orders = db.t.order_item.create(id=int, label=str, price=float)
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
    row = orders.insert(label="x", price=1.5)
    assert isinstance(row, cls)
    assert row.label == "x"
    assert orders.dataclass() is cls


def test_create_with_flags_and_drop(db: Database) -> None:
    table = db.t.things.create(id=int, name=str, defaults={"name": "it's"})
    assert (table.insert())["name"] == "it's"
    with pytest.raises(SchemaError, match="already exists"):
        table.create(id=int)
    assert table.create(id=int, if_not_exists=True) is table
    table.create(id=int, other=str, replace=True)
    assert table.columns == ["id", "other"]
    table.drop()
    assert "things" not in db.t
    with pytest.raises(SchemaError):
        table.drop()


class Reading(BaseModel):
    id: int | None = None
    taken: dt.datetime
    day: dt.date
    at: dt.time
    amount: Decimal
    token: uuid.UUID
    blob: bytes
    items: list[int]


def test_types_round_trip_with_a_pydantic_model(db: Database) -> None:
    readings = db.create(Reading)
    value = Reading(
        taken=dt.datetime(2024, 5, 1, 12, 30),
        day=dt.date(2024, 5, 1),
        at=dt.time(8, 15),
        amount=Decimal("12.50"),
        token=uuid.UUID(int=7),
        blob=b"\x00\x01",
        items=[1, 2],
    )
    stored = readings.insert(value)
    assert isinstance(stored, Reading)
    assert stored.id == 1
    again = readings[1]
    assert again.model_dump(exclude={"id"}) == value.model_dump(exclude={"id"})
