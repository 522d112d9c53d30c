# This file is generated from tests/_async/test_facade_extras.py by scripts/unasync.py. Do not edit it by hand.
"""Validated tables, foreign key validation and module generation."""

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, ValidationError
from sqlmodel_crud_utils.facade import Database
from sqlmodel_crud_utils.facade.codegen import create_mod, create_mod_from_tables
from sqlmodel_crud_utils.facade.errors import ForeignKeyValidationError
from sqlmodel_crud_utils.facade.sync import ValidatedTable, validate_foreign_keys
from tests.support import BACKENDS

from .conftest_facade import _ASYNC_TWIN, open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        database.t.teams.create(id=int, code=str)
        database.t.teams.create_index("code", unique=True)
        database.t.members.create(
            id=int,
            name=str,
            team_id=int,
            team_code=str,
            foreign_keys=[("team_id", "teams"), ("team_code", "teams", "code")],
        )
        database.t.teams.insert(id=1, code="red")
        yield database


def non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def test_validated_table(db: Database) -> None:
    members = ValidatedTable(db.t.members, {"name": non_empty})
    row = members.insert(name="  ann ", team_id=1, team_code="red")
    assert row["name"] == "ann"
    with pytest.raises(ValidationError) as info:
        members.insert(name=" ", team_id=1)
    assert info.value.errors == [{"field": "name", "message": "must not be blank"}]
    with pytest.raises(ForeignKeyValidationError) as fk_info:
        members.insert(name="bob", team_id=2, team_code="blue")
    assert [e["field"] for e in fk_info.value.errors] == ["team_code", "team_id"]
    assert "Referenced teams with code=blue does not exist" in str(fk_info.value)
    updated = members.update({"id": row["id"], "name": " ann2 "})
    assert updated["name"] == "ann2"
    assert members.insert_all([{"name": "c", "team_id": 1}]) == 1
    assert members.upsert_all([{"id": 50, "name": " d ", "team_id": None}]) == 1
    assert (members.upsert(id=50, name=" e "))["name"] == "e"
    assert members.count == 3
    assert repr(members).endswith("ValidatedTable members>")


def test_validate_foreign_keys(db: Database) -> None:
    validate_foreign_keys(db, db.t.members, {"team_id": 1, "team_code": None})
    with pytest.raises(ForeignKeyValidationError):
        validate_foreign_keys(db, db.t.members, {"team_id": 7})


def test_create_mod(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "tables.py"
    db.create_mod(path)
    text = path.read_text()
    assert "class Teams:" in text
    assert "class Members:" in text
    assert "team_id: int | None = None" in text
    row = db.t.teams.get(1)
    assert type(row).__name__ == "Teams"
    if _ASYNC_TWIN:
        with pytest.raises(TypeError, match=r"db\.create_mod"):
            create_mod(db, tmp_path / "other.py")
    else:
        create_mod(db, tmp_path / "other.py")
        assert (tmp_path / "other.py").exists()


def test_create_mod_from_tables(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "two.py"
    create_mod_from_tables(path, db.t.teams, db.t.members)
    assert "class Members:" in path.read_text()


def test_diagram(db: Database) -> None:
    dot = db.diagram(render=False)
    assert dot.startswith("digraph tables {")
    assert '"members":"team_id" -> "teams":"id";' in dot
    assert '"members":"team_code" -> "teams":"code";' in dot
    only = db.diagram(["teams"], render=False)
    assert "members" not in only
    if importlib.util.find_spec("graphviz") is None:
        with pytest.raises(InvalidOperationError, match="graphviz"):
            db.diagram()


def test_reflect_schema(db: Database) -> None:
    sqlite = db.engine.dialect.name == "sqlite"
    schema = "main" if sqlite else db.item("SELECT current_schema()")
    db.reflect(schema=schema)
    qualified = db.t[f"{schema}.teams"]
    assert qualified.count == 1
    assert (qualified.get(1))["code"] == "red"
    assert f"{schema}.teams" not in db.table_names()
