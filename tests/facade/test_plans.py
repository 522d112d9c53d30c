"""Pure pieces behind the facade's hot paths: URL display, compared columns, value plans."""

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from sqlmodel_crud_utils.exceptions import SchemaError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase, Database
from sqlmodel_crud_utils.facade._plan import plan_for
from sqlmodel_crud_utils.facade._sql import compared_columns, display_url
from sqlmodel_crud_utils.facade._statements import upsert_statement


def test_repr_shows_memory_database_as_written() -> None:
    assert repr(Database()) == "Database('sqlite:///:memory:')"
    assert repr(AsyncDatabase()) == "AsyncDatabase('sqlite+aiosqlite:///:memory:')"


def test_display_url_masks_the_password_and_keeps_the_query() -> None:
    url = sa.make_url("postgresql+psycopg://me:s3cret@db.local:5433/app?sslmode=require")
    assert display_url(url) == "postgresql+psycopg://me:***@db.local:5433/app?sslmode=require"
    assert display_url(sa.make_url("sqlite:////tmp/a b.db")) == "sqlite:////tmp/a b.db"
    assert display_url(sa.make_url("sqlite://")) == "sqlite://"


def test_compared_columns_finds_column_comparisons_only() -> None:
    sql = (
        'name = :a AND t."qty" >= :b AND :c < price AND code IN (:d, :e) '
        "AND note = ':f' -- x = :g\n AND lower(name) = :h"
    )
    assert compared_columns(sql) == {
        "a": "name",
        "b": "qty",
        "c": "price",
        "d": "code",
        "e": "code",
    }


def test_plan_is_cached_per_table_and_converts_values() -> None:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("n", sa.Integer),
    )
    plan = plan_for(table)
    assert plan_for(table) is plan
    assert plan.write_values({"id": None, "name": 5, "n": "3"}, False) == {"name": "5", "n": 3}
    with pytest.raises(SchemaError):
        plan.write_values({"nope": 1}, False)
    assert plan.write_values({"nope": 1}, True) == {}
    with pytest.raises(ValidationError):
        plan.filter_values({"n": "x"})
    first, params = plan.lookup({"id": 1}, limit=1)
    again, _ = plan.lookup({"id": 2}, limit=1)
    assert first is again
    assert params == {"_scu_f0": 1}
    null, params = plan.lookup({"name": None}, limit=2)
    assert null is not first
    assert params == {}


def _typed_table() -> sa.Table:
    return sa.Table(
        "typed",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("n", sa.Integer),
        sa.Column("ok", sa.Boolean),
        sa.Column("at", sa.DateTime),
        sa.Column("doc", sa.JSON),
    )


@pytest.mark.parametrize(
    "values",
    [
        {"id": None, "name": "a", "n": 1, "ok": True, "doc": {"k": [1]}},
        {"id": 4, "name": 5, "n": "3", "ok": "yes", "at": "2026-01-02T03:04:05"},
        {"name": None, "n": None, "ok": 0, "at": None, "doc": None},
        {"n": True, "ok": 1, "name": 2.5},
        {},
    ],
)
def test_dict_values_writes_what_write_values_writes(values: dict[str, object]) -> None:
    plan = plan_for(_typed_table())
    given = dict(values)
    for _ in range(2):  # built once, then from the per-shape cache
        out = plan.dict_values(values)
        assert out == plan.write_values(values, False)
        assert list(out) == list(plan.write_values(values, False))
        assert out is not values
        assert values == given


def test_dict_values_raises_what_write_values_raises_first() -> None:
    plan = plan_for(_typed_table())
    with pytest.raises(ValidationError) as bad_value:
        plan.dict_values({"n": "x", "nope": 1})
    assert bad_value.value.field == "n"
    with pytest.raises(SchemaError):
        plan.dict_values({"nope": 1, "n": "x"})
    with pytest.raises(ValidationError):
        plan.dict_values({"ok": 2})
    with pytest.raises(ValidationError):
        plan.dict_values({"name": True})


def test_conflict_statements_are_built_once_per_shape() -> None:
    table = _typed_table()
    first = upsert_statement("sqlite", table, ["id"], ["id", "name"])
    assert upsert_statement("sqlite", table, ["id"], ["id", "name"]) is first
    assert upsert_statement("sqlite", table, ["id"], ["id", "n"]) is not first
    assert upsert_statement("postgresql", table, ["id"], ["id", "name"]) is not first
    ignore = upsert_statement("sqlite", table, ["id"], None)
    assert ignore is not first
    assert upsert_statement("sqlite", table, ["id"], None) is ignore
    assert "DO NOTHING" in str(ignore.compile(dialect=sqlite_dialect()))
    assert "DO UPDATE SET name" in str(first.compile(dialect=sqlite_dialect()))
