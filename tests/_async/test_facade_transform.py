"""transform(): changing columns, keys and defaults while keeping the rows."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import (
    ForeignKeyError,
    InvalidOperationError,
    NotNullError,
    SchemaError,
)
from sqlmodel_crud_utils.facade import AsyncDatabase
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        await database.t.owners.create(id=int, name=str)
        await database.t.pets.create(id=int, name=str, age=str, owner_id=int, note=str)
        await database.t.owners.insert(id=1, name="ann")
        await database.t.pets.insert_all(
            [
                {"name": "rex", "age": "3", "owner_id": 1, "note": "a"},
                {"name": "tom", "age": "5", "owner_id": 2, "note": None},
            ]
        )
        await database.t.pets.create_index("name")
        yield database


async def test_add_rename_drop(db: AsyncDatabase) -> None:
    pets = db.t.pets
    await pets.transform(add={"weight": float}, rename={"note": "remark"}, drop=["owner_id"])
    assert pets.columns == ["id", "name", "age", "remark", "weight"]
    assert (await pets[1])["remark"] == "a"
    assert [ix["name"] for ix in pets.indexes] == ["ix_pets_name"]
    await pets.insert(name="new", weight=2.5)
    assert await pets.count == 3


async def test_type_default_and_not_null_changes(db: AsyncDatabase) -> None:
    pets = db.t.pets
    await db.create_view("older", "SELECT name FROM pets WHERE age > '4'")
    await pets.transform(types={"age": int}, defaults={"note": "n/a"}, not_null={"name": True})
    assert (await pets[1])["age"] == 3
    assert await pets.count_where("age > ?", [4]) == 1
    assert (await pets.insert(name="x", age=1))["note"] == "n/a"
    with pytest.raises(NotNullError):
        await pets.insert(name=None)
    assert [ix["name"] for ix in pets.indexes] == ["ix_pets_name"]
    assert "older" in db.v


async def test_primary_key_and_foreign_keys(db: AsyncDatabase) -> None:
    pets = db.t.pets
    await pets.delete(2)
    await pets.transform(add_foreign_keys=[("owner_id", "owners")])
    assert pets.foreign_keys == [{"column": "owner_id", "references": "owners.id"}]
    with pytest.raises(ForeignKeyError):
        await pets.insert(name="z", owner_id=9)
    await pets.transform(drop_foreign_keys=["owner_id"])
    assert pets.foreign_keys == []
    await pets.insert(name="z", owner_id=9)
    await pets.transform(pk="name")
    assert pets.pks == ["name"]
    with pytest.raises(SchemaError):
        await pets.transform(drop=["nope"])


async def test_failed_transform_keeps_the_table(db: AsyncDatabase) -> None:
    with pytest.raises(ForeignKeyError):
        await db.t.pets.transform(add_foreign_keys=[("owner_id", "owners")])
    assert db.t.pets.foreign_keys == []
    assert await db.t.pets.count == 2
    if db.engine.dialect.name == "sqlite":
        with pytest.raises(InvalidOperationError):
            async with db.transaction():
                await db.t.pets.transform(types={"age": int})
