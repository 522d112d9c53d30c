"""Pure parts of the facade: markers, SQL utilities, codegen, validators."""

import asyncio
import dataclasses
import datetime as dt
import importlib.util
import typing
from pathlib import Path
from typing import Annotated, Any

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade import (
    NOT_GIVEN,
    ForeignKey,
    ForeignKeyRef,
    FTSIndex,
    Index,
    NotFoundError,
    Text,
)
from sqlmodel_crud_utils.facade._schema import sa_type_for
from sqlmodel_crud_utils.facade._sql import bound_text, check_identifier, is_ddl, split_script
from sqlmodel_crud_utils.facade.codegen import create_mod, dataclass_src
from sqlmodel_crud_utils.facade.errors import ForeignKeyValidationError
from sqlmodel_crud_utils.facade.validators import apply_validators, apply_validators_async


def test_foreign_key_marker() -> None:
    hint = ForeignKey[int, "users.code"]
    assert typing.get_origin(hint) is Annotated
    ref = typing.get_args(hint)[1]
    assert ref == ForeignKeyRef(int, "users", "code")
    assert ref.base_type is int
    sa_type, nullable, fk = sa_type_for(hint | None)
    assert isinstance(sa_type, sa.Integer)
    assert nullable
    assert fk == ForeignKeyRef(int, "users", "code")
    with pytest.raises(TypeError):
        ForeignKey[int]


def test_text_and_index_markers() -> None:
    assert isinstance(sa_type_for(Text)[0], sa.Text)
    assert isinstance(sa_type_for(str)[0], sa.String)
    assert isinstance(sa_type_for(dict[str, int])[0], sa.JSON)
    assert isinstance(sa_type_for(dt.date)[0], sa.Date)
    with pytest.raises(ValueError, match="Index requires at least one column"):
        Index("ix")
    with pytest.raises(ValueError, match="Index requires at least one column"):
        FTSIndex()
    index = Index("ix", "a", "b", unique=True)
    assert (index.name, index.columns, index.unique) == ("ix", ["a", "b"], True)
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert not NOT_GIVEN


def test_placeholders() -> None:
    clause = bound_text("SELECT ? AS a, '?' AS b, \"?\" AS c -- ?\n, ? AS d", [1, 2])
    assert len(clause._bindparams) == 2
    assert len(bound_text("SELECT :a, ':b'", {"a": 1})._bindparams) == 1
    with pytest.raises(ValidationError):
        bound_text("SELECT ?", "x")


def test_split_script_and_ddl_detection() -> None:
    script = """
    CREATE TABLE a (x TEXT DEFAULT ';');
    CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
    CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'y'; END;
    -- trailing; comment
    """
    statements = split_script(script)
    assert len(statements) == 3
    assert statements[2].endswith("END")
    assert is_ddl("  -- c\n create table x (a int)")
    assert not is_ddl("SELECT 1")


def test_identifiers() -> None:
    assert check_identifier("order items") == "order items"
    for bad in ("", 'a"b', "a\x00", " a", "x" * 64, 5):
        with pytest.raises(ValidationError):
            check_identifier(bad)


def test_errors() -> None:
    error = NotFoundError("missing", table_name="t", filters={"id": 3})
    assert str(error) == "missing"
    assert (error.table_name, error.filters, error.id_value, error.pk_field) == (
        "t",
        {"id": 3},
        3,
        "id",
    )
    fk_error = ForeignKeyValidationError([{"field": "a", "value": 1, "message": "gone"}])
    assert str(fk_error) == "Foreign key validation failed: a: gone"
    assert fk_error.to_dict()["type"] == "foreign_key_validation_error"


@dataclasses.dataclass
class Sample:
    name: str
    when: dt.datetime | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    count: int = 0
    extra: Any = None


def test_dataclass_src_compiles() -> None:
    source = dataclass_src(Sample)
    assert "from datetime import datetime" in source
    assert "    name: str\n" in source
    assert "tags: list[str] = field(default_factory=list)" in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    assert namespace["Sample"](name="x").count == 0
    with pytest.raises(ValueError):
        dataclass_src(int)


def test_create_mod(tmp_path: Path) -> None:
    path = tmp_path / "models.py"
    create_mod(str(path), Sample)
    spec = importlib.util.spec_from_file_location("generated_models", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.__all__ == ["Sample"]
    with pytest.raises(FileExistsError):
        create_mod(path, Sample)
    create_mod(path, Sample, overwrite=True)
    with pytest.raises(ValueError):
        create_mod(tmp_path / "empty.py")
    with pytest.raises(ValueError):
        create_mod(tmp_path / "bad.py", int)


def test_apply_validators() -> None:
    def positive(value: int) -> int:
        if value <= 0:
            raise ValueError("must be positive")
        return value

    assert apply_validators({"n": 2, "s": " a "}, {"n": positive, "s": str.strip}) == {
        "n": 2,
        "s": "a",
    }
    assert apply_validators({"n": None}, {"n": positive}) == {"n": None}
    with pytest.raises(ValidationError) as info:
        apply_validators({"n": 0, "m": -1}, {"n": positive, "m": positive})
    assert [e["field"] for e in info.value.errors] == ["n", "m"]


def test_apply_validators_async() -> None:
    async def upper(value: str) -> str:
        return value.upper()

    result = asyncio.run(
        apply_validators_async({"a": "x", "b": " y"}, {"a": upper, "b": str.strip})
    )
    assert result == {"a": "X", "b": "y"}
