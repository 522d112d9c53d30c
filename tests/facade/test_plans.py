"""Pure pieces behind the facade's hot paths: URL display, compared columns, value plans."""

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import SchemaError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase, Database
from sqlmodel_crud_utils.facade._plan import plan_for
from sqlmodel_crud_utils.facade._sql import compared_columns, display_url


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
