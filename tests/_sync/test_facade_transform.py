# This file is generated from tests/_async/test_facade_transform.py by scripts/unasync.py. Do not edit it by hand.
"""transform(): changing columns, keys and defaults while keeping the rows."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import (
    ForeignKeyError,
    InvalidOperationError,
    NotNullError,
    SchemaError,
)
from sqlmodel_crud_utils.facade import Database
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        database.t.owners.create(id=int, name=str)
        database.t.pets.create(id=int, name=str, age=str, owner_id=int, note=str)
        database.t.owners.insert(id=1, name="ann")
        database.t.pets.insert_all(
            [
                {"name": "rex", "age": "3", "owner_id": 1, "note": "a"},
                {"name": "tom", "age": "5", "owner_id": 2, "note": None},
            ]
        )
        database.t.pets.create_index("name")
        yield database


def test_add_rename_drop(db: Database) -> None:
    pets = db.t.pets
    pets.transform(add={"weight": float}, rename={"note": "remark"}, drop=["owner_id"])
    assert pets.columns == ["id", "name", "age", "remark", "weight"]
    assert (pets[1])["remark"] == "a"
    assert [ix["name"] for ix in pets.indexes] == ["ix_pets_name"]
    pets.insert(name="new", weight=2.5)
    assert pets.count == 3


def test_type_default_and_not_null_changes(db: Database) -> None:
    pets = db.t.pets
    db.create_view("older", "SELECT name FROM pets WHERE age > '4'")
    pets.transform(types={"age": int}, defaults={"note": "n/a"}, not_null={"name": True})
    assert (pets[1])["age"] == 3
    assert pets.count_where("age > ?", [4]) == 1
    assert (pets.insert(name="x", age=1))["note"] == "n/a"
    with pytest.raises(NotNullError):
        pets.insert(name=None)
    assert [ix["name"] for ix in pets.indexes] == ["ix_pets_name"]
    assert "older" in db.v


def test_primary_key_and_foreign_keys(db: Database) -> None:
    pets = db.t.pets
    pets.delete(2)
    pets.transform(add_foreign_keys=[("owner_id", "owners")])
    assert pets.foreign_keys == [{"column": "owner_id", "references": "owners.id"}]
    with pytest.raises(ForeignKeyError):
        pets.insert(name="z", owner_id=9)
    pets.transform(drop_foreign_keys=["owner_id"])
    assert pets.foreign_keys == []
    pets.insert(name="z", owner_id=9)
    pets.transform(pk="name")
    assert pets.pks == ["name"]
    with pytest.raises(SchemaError):
        pets.transform(drop=["nope"])


def test_failed_transform_keeps_the_table(db: Database) -> None:
    with pytest.raises(ForeignKeyError):
        db.t.pets.transform(add_foreign_keys=[("owner_id", "owners")])
    assert db.t.pets.foreign_keys == []
    assert db.t.pets.count == 2
    if db.engine.dialect.name == "sqlite":
        with pytest.raises(InvalidOperationError):
            with db.transaction():
                db.t.pets.transform(types={"age": int})
