"""Validated tables, foreign key validation and module generation."""

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase
from sqlmodel_crud_utils.facade.aio import AsyncValidatedTable, validate_foreign_keys
from sqlmodel_crud_utils.facade.codegen import create_mod, create_mod_from_tables
from sqlmodel_crud_utils.facade.errors import ForeignKeyValidationError
from tests.support import BACKENDS

from .conftest_facade import _ASYNC_TWIN, open_facade


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        await database.t.teams.create(id=int, code=str)
        await database.t.teams.create_index("code", unique=True)
        await database.t.members.create(
            id=int,
            name=str,
            team_id=int,
            team_code=str,
            foreign_keys=[("team_id", "teams"), ("team_code", "teams", "code")],
        )
        await database.t.teams.insert(id=1, code="red")
        yield database


def non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


async def test_validated_table(db: AsyncDatabase) -> None:
    members = AsyncValidatedTable(db.t.members, {"name": non_empty})
    row = await members.insert(name="  ann ", team_id=1, team_code="red")
    assert row["name"] == "ann"
    with pytest.raises(ValidationError) as info:
        await members.insert(name=" ", team_id=1)
    assert info.value.errors == [{"field": "name", "message": "must not be blank"}]
    with pytest.raises(ForeignKeyValidationError) as fk_info:
        await members.insert(name="bob", team_id=2, team_code="blue")
    assert [e["field"] for e in fk_info.value.errors] == ["team_code", "team_id"]
    assert "Referenced teams with code=blue does not exist" in str(fk_info.value)
    updated = await members.update({"id": row["id"], "name": " ann2 "})
    assert updated["name"] == "ann2"
    assert await members.insert_all([{"name": "c", "team_id": 1}]) == 1
    assert await members.upsert_all([{"id": 50, "name": " d ", "team_id": None}]) == 1
    assert (await members.upsert(id=50, name=" e "))["name"] == "e"
    assert await members.count == 3
    assert repr(members).endswith("ValidatedTable members>")


async def test_validate_foreign_keys(db: AsyncDatabase) -> None:
    await validate_foreign_keys(db, db.t.members, {"team_id": 1, "team_code": None})
    with pytest.raises(ForeignKeyValidationError):
        await validate_foreign_keys(db, db.t.members, {"team_id": 7})


async def test_create_mod(db: AsyncDatabase, tmp_path: Path) -> None:
    path = tmp_path / "tables.py"
    await db.create_mod(path)
    text = path.read_text()
    assert "class Teams:" in text
    assert "class Members:" in text
    assert "team_id: int | None = None" in text
    row = await db.t.teams.get(1)
    assert type(row).__name__ == "Teams"
    if _ASYNC_TWIN:
        with pytest.raises(TypeError, match=r"await db\.create_mod"):
            create_mod(db, tmp_path / "other.py")
    else:
        create_mod(db, tmp_path / "other.py")
        assert (tmp_path / "other.py").exists()


async def test_create_mod_from_tables(db: AsyncDatabase, tmp_path: Path) -> None:
    path = tmp_path / "two.py"
    create_mod_from_tables(path, db.t.teams, db.t.members)
    assert "class Members:" in path.read_text()


async def test_diagram(db: AsyncDatabase) -> None:
    dot = await db.diagram(render=False)
    assert dot.startswith("digraph tables {")
    assert '"members":"team_id" -> "teams":"id";' in dot
    assert '"members":"team_code" -> "teams":"code";' in dot
    only = await db.diagram(["teams"], render=False)
    assert "members" not in only
    if importlib.util.find_spec("graphviz") is None:
        with pytest.raises(InvalidOperationError, match="graphviz"):
            await db.diagram()


async def test_reflect_schema(db: AsyncDatabase) -> None:
    sqlite = db.engine.dialect.name == "sqlite"
    schema = "main" if sqlite else await db.item("SELECT current_schema()")
    await db.reflect(schema=schema)
    qualified = db.t[f"{schema}.teams"]
    assert await qualified.count == 1
    assert (await qualified.get(1))["code"] == "red"
    assert f"{schema}.teams" not in await db.table_names()
