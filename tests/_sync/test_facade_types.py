# This file is generated from tests/_async/test_facade_types.py by scripts/unasync.py. Do not edit it by hand.
"""Values are converted to the column's type the same way on SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade import Database, Table
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def things(db: Database) -> Table:
    return db.t.things.create(id=int, code=str, qty=int, price=float, ok=bool, pk="id")


def test_numbers_written_to_text_columns_become_text(things: Table) -> None:
    row = things.insert(code=5, qty=1)
    assert row["code"] == "5"
    assert (things.update(id=row["id"], code=6.5))["code"] == "6.5"
    assert (things.upsert(id=row["id"], code=7))["code"] == "7"
    assert things.insert_all([{"code": 8}, {"code": 9.25}]) == 2
    assert sorted(r["code"] for r in things()) == ["7", "8", "9.25"]


def test_text_written_to_typed_columns_is_parsed(things: Table) -> None:
    row = things.insert(code="a", qty="7", price="1.5", ok="yes")
    assert (row["qty"], row["price"], row["ok"]) == (7, 1.5, True)
    assert (things.insert(code="b", ok=0))["ok"] is False
    assert things.insert_all([{"code": "c", "qty": " 12 "}]) == 1
    assert (things.lookup(code="c"))["qty"] == 12


@pytest.mark.parametrize(
    ("column", "value"), [("qty", "abc"), ("price", "cheap"), ("ok", "maybe"), ("ok", 2)]
)
def test_unreadable_values_name_the_column(things: Table, column: str, value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        things.insert({"code": "x", column: value})
    assert info.value.field == column
    with pytest.raises(ValidationError):
        things.insert_all([{"code": "ok"}, {"code": "bad", column: value}])
    assert things.count == 0


def test_filters_and_where_args_compare_as_the_column_type(things: Table) -> None:
    things.insert_all([{"code": "5", "qty": 1}, {"code": "10", "qty": 2}, {"code": "x", "qty": 3}])
    assert [r["qty"] for r in things(code=5)] == [1]
    assert (things.lookup(code=10))["qty"] == 2
    assert [r["qty"] for r in things("code = ?", [5])] == [1]
    assert [r["qty"] for r in things('"code" IN (?, ?)', [5, 10], order_by="qty")] == [1, 2]
    assert [r["qty"] for r in things("? = code", [10])] == [2]
    assert [r["qty"] for r in things("code = :c", {"c": 5})] == [1]
    assert things.count_where("qty >= ?", ["2"]) == 2
    assert [r["code"] for r in things.xtra(code=10)()] == ["10"]
    assert (things.get("1"))["code"] == "5"
    assert things.delete_where("qty > ?", ["2"]) == 1
    with pytest.raises(ValidationError) as info:
        things(qty="many")
    assert info.value.field == "qty"
    with pytest.raises(ValidationError):
        things.count_where("qty > ?", ["lots"])
