# This file is generated from tests/_async/test_facade_database.py by scripts/unasync.py. Do not edit it by hand.
"""Database: opening, q/item/executescript, create(), the live db.t, transactions."""

import dataclasses
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils import create_engine_from_config
from sqlmodel_crud_utils.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    InvalidOperationError,
    MultipleRecordsError,
    SchemaError,
    ValidationError,
)
from sqlmodel_crud_utils.facade import Database, ForeignKey, Index, Table, Text
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import _ASYNC_TWIN, open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


@dataclasses.dataclass
class Person:
    id: int | None = None
    name: str = "O'Brien"
    active: bool = True
    score: float = 0.5
    tags: dict[str, Any] | None = None
    bio: Text | None = None


class Author:
    id: int
    name: str


class Book:
    id: int
    title: str
    author_id: ForeignKey[int, "author"]  # noqa: F821
    editor_id: ForeignKey[int, "author.id"] | None  # noqa: F821


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class _Base(SQLModel, registry=registry()):
    pass


class Gadget(_Base, table=True):
    __tablename__ = "gadgets"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(index=True)


# ----------------------------------------------------------------- opening


def test_default_database_is_in_memory_sqlite() -> None:
    with Database() as database:
        assert database.engine.url.database in (None, ":memory:")
        expected = "sqlite+aiosqlite" if _ASYNC_TWIN else "sqlite"
        assert database.engine.url.drivername == expected
        table = database.create(Person)
        assert (table.insert(name="x")).id == 1


@pytest.mark.parametrize(
    ("url", "driver", "sync_driver"),
    [
        ("sqlite:///app.db", "sqlite+aiosqlite", "sqlite"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite", "sqlite"),
        ("postgres://u@h/d", "postgresql+asyncpg", "postgresql+psycopg"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg", "postgresql+psycopg"),
    ],
)
def test_url_map(url: str, driver: str, sync_driver: str, tmp_path: Path) -> None:
    database = Database(url.replace("app.db", str(tmp_path / "app.db")))
    assert database.engine.url.drivername == (driver if _ASYNC_TWIN else sync_driver)
    database.close()


def test_unsupported_url() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        Database("oracle://scott@host/db")


def test_supplied_engine_is_not_disposed(tmp_path: Path) -> None:
    engine = create_engine_from_config(f"sqlite:///{tmp_path / 'x.db'}")
    with Database(engine) as database:
        database.q("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with engine.connect() as conn:
        assert (conn.exec_driver_sql("SELECT count(*) FROM t")).scalar_one() == 0
    engine.dispose()


def test_bound_connection_mode(tmp_path: Path) -> None:
    engine = create_engine_from_config(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        database = Database(conn)
        database.q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        database.t.t.insert(v="a")
        assert database.t.t.count == 1
        database.close()
        conn.rollback()
    with Database(engine) as other:
        assert "t" not in other.table_names()
    engine.dispose()


def test_listing_before_open_is_refused_in_twin() -> None:
    database = Database()
    if _ASYNC_TWIN:
        with pytest.raises(InvalidOperationError, match="database not opened"):
            _ = "x" in database.t
        with pytest.raises(InvalidOperationError):
            len(database.t)
        assert dir(database.t) == []
    else:
        assert "x" not in database.t
        assert len(database.t) == 0
    database.close()


# ---------------------------------------------------------------- q / item


def test_q_named_and_positional(db: Database) -> None:
    db.q("CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT, note TEXT)")
    db.q("INSERT INTO pets (id, name, note) VALUES (:id, :name, 'a?b')", {"id": 1, "name": "x"})
    db.q("INSERT INTO pets (id, name, note) VALUES (?, ?, '-- ? :x')", [2, "y"])
    rows = db.q("SELECT name, note FROM pets WHERE id > ? ORDER BY id", (0,))
    assert rows == [{"name": "x", "note": "a?b"}, {"name": "y", "note": "-- ? :x"}]
    assert db.q("SELECT * FROM pets WHERE name = :n", {"n": "none"}) == []
    assert db.q("UPDATE pets SET name = 'z' WHERE id = 1") == []
    assert "pets" in db.t


def test_q_rejects_mixed_placeholders(db: Database) -> None:
    with pytest.raises(ValidationError, match="do not mix"):
        db.q("SELECT :a, ?", {"a": 1})
    with pytest.raises(ValidationError, match="do not mix"):
        db.q("SELECT :a, ?", [1])
    with pytest.raises(ValidationError, match="placeholder"):
        db.q("SELECT ?, ?", [1])
    with pytest.raises(ValidationError, match=":b"):
        db.q("SELECT :a, :b", {"a": 1})


def test_q_errors_are_typed(db: Database) -> None:
    with pytest.raises(SchemaError):
        db.q("SELECT * FROM no_such_table")


def test_item(db: Database) -> None:
    assert db.item("SELECT 1 + ?", [1]) == 2
    db.q("CREATE TABLE nums (n INTEGER)")
    with pytest.raises(NotFoundError):
        db.item("SELECT n FROM nums")
    db.q("INSERT INTO nums (n) VALUES (1), (2)")
    with pytest.raises(MultipleRecordsError):
        db.item("SELECT n FROM nums")
    with pytest.raises(ValueError, match="columns"):
        db.item("SELECT n, n FROM nums WHERE n = 1")


def test_executescript(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);  -- a comment; with semicolons
        INSERT INTO notes (id, body) VALUES (1, 'a;b');
        /* block; comment */
        INSERT INTO notes (id, body) VALUES (2, 'it''s; fine');
        """
    )
    assert [row["body"] for row in db.t.notes()] == ["a;b", "it's; fine"]


# ------------------------------------------------------------------ create


def test_create_dataclass_with_defaults_and_json(db: Database) -> None:
    people = db.create(Person)
    assert people.name == "person"
    assert people.pks == ["id"]
    created = people.insert(id=None, tags={"a": [1, 2]})
    assert created == Person(
        id=created.id, name="O'Brien", active=True, score=0.5, tags={"a": [1, 2]}
    )
    raw = db.q("SELECT name, active FROM person")
    assert raw[0]["name"] == "O'Brien"
    assert bool(raw[0]["active"]) is True
    assert "TEXT" in people.schema.upper()


def test_create_plain_class_returns_dicts_and_enforces_fks(db: Database) -> None:
    authors = db.create(Author)
    books = db.create(Book)
    assert books.foreign_keys == [
        {"column": "author_id", "references": "author.id"},
        {"column": "editor_id", "references": "author.id"},
    ]
    ann = authors.insert(id=1, name="Ann")
    assert ann == {"id": 1, "name": "Ann"}
    books.insert(id=1, title="T", author_id=1, editor_id=None)
    with pytest.raises(ForeignKeyError):
        books.insert(id=2, title="U", author_id=99)
    with pytest.raises(ForeignKeyError):
        books.insert(id=3, title="V", author_id=1, editor_id=42)


def test_create_sqlmodel_class(db: Database) -> None:
    gadgets = db.create(Gadget)
    assert gadgets.name == "gadgets"
    gadget = gadgets.insert(Gadget(label="g"))
    assert isinstance(gadget, Gadget)
    assert gadget.id == 1
    assert gadgets.indexes[0]["columns"] == ["label"]
    with pytest.raises(SchemaError, match="contradicts"):
        db.create(Gadget, pk="label", replace=True)


def test_create_options(db: Database) -> None:
    table = db.create(
        Author, pk="name", indexes=["id", Index("ix_both", "id", "name", unique=True)]
    )
    assert table.pks == ["name"]
    assert {ix["name"] for ix in table.indexes} == {"ix_author_id", "ix_both"}
    with pytest.raises(SchemaError, match=r"already exists\. Use if_not_exists=True"):
        db.create(Author)
    assert (db.create(Author, if_not_exists=True)).name == "author"
    table.insert(id=1, name="a")
    replaced = db.create(Author, replace=True)
    assert replaced.pks == ["id"]
    assert replaced.count == 0
    other = db.create(Author, name="writers")
    assert other.name == "writers"
    assert "writers" in db.t


def test_create_rejects_bad_classes(db: Database) -> None:
    class Empty:
        pass

    class Weird:
        id: int
        data: set[int]

    class Colored:
        id: int
        color: Color

    with pytest.raises(SchemaError, match="no type annotations"):
        db.create(Empty)
    with pytest.raises(ValueError, match="Unsupported type"):
        db.create(Weird)
    with pytest.raises(SchemaError, match="Primary key column 'nope' not found"):
        db.create(Author, pk="nope")
    with pytest.raises(ValidationError, match="unknown column"):
        db.create(Author, indexes=["missing"])

    class Dangling:
        id: int
        other_id: ForeignKey[int, "nowhere"]  # noqa: F821

    with pytest.raises(SchemaError, match="nowhere"):
        db.create(Dangling)
    assert not db.t.dangling.exists()
    colored = db.create(Colored)
    assert (colored.insert(id=1, color="red"))["color"] == "red"


# -------------------------------------------------------------------- db.t


def test_live_table_accessor(db: Database) -> None:
    db.create(Author)
    db.q("CREATE TABLE extra (id INTEGER PRIMARY KEY)")
    assert isinstance(db.t.author, Table)
    assert db.t["author"] is db.t.author
    first, second = db.t["author", "extra"]
    assert (first.name, second.name) == ("author", "extra")
    assert "author" in db.t
    assert "nope" not in db.t
    assert sorted(t.name for t in db.t) == ["author", "extra"]
    assert len(db.t) == 2
    assert "extra" in dir(db.t)
    assert "author" in repr(db.t)
    with pytest.raises(AttributeError):
        _ = db.t._private
    assert db.t["_scu_x"].name == "_scu_x"


def test_missing_table_handle(db: Database) -> None:
    handle = db.t.later
    assert not handle.exists()
    with pytest.raises(SchemaError, match="Table 'later' does not exist"):
        handle()
    handle.create(id=int, name=str, pk="id")
    assert handle.exists()
    assert (handle.insert(name="x")) == {"id": 1, "name": "x"}
    handle.drop()
    assert "later" not in db.t
    db.t.later.drop(ignore=True)


def test_ddl_through_q_is_picked_up(db: Database) -> None:
    db.q("CREATE TABLE made (id INTEGER PRIMARY KEY, v TEXT)")
    made = db.t.made
    assert made.columns == ["id", "v"]
    db.q("ALTER TABLE made ADD COLUMN w TEXT")
    made.insert(id=1, v="a", w="b")
    assert made.columns == ["id", "v", "w"]


def test_reflect_table_and_missing_names(db: Database) -> None:
    db.q("CREATE TABLE r (id INTEGER PRIMARY KEY)")
    table = db.reflect_table("r")
    assert table.pks == ["id"]
    with pytest.raises(SchemaError):
        db.reflect_table("nope")
    with pytest.raises(SchemaError):
        db.reflect_view("nope")
    assert db.table_names() == ["r"]


# ------------------------------------------------------------- transactions


def test_transaction_commits_and_rolls_back(db: Database) -> None:
    people = db.create(Person)
    with db.transaction() as conn:
        assert conn is not None
        people.insert(name="kept")
        db.q("INSERT INTO person (name, active, score) VALUES (?, ?, ?)", ["q", True, 1.0])
    with pytest.raises(KeyError):
        with db.transaction():
            people.insert(name="lost")
            raise KeyError("boom")
    assert sorted(p.name for p in people()) == ["kept", "q"]


def test_nested_transaction_is_a_savepoint(db: Database) -> None:
    people = db.create(Person)
    with db.transaction():
        people.insert(name="outer")
        with pytest.raises(DuplicateKeyError):
            with db.transaction():
                people.insert(id=50, name="inner")
                people.insert(id=50, name="again")
        people.insert(name="after")
    assert [p.name for p in people(order_by="id")] == ["outer", "after"]


def test_ddl_in_rolled_back_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.create(Author)
            db.t.author.insert(id=1, name="a")
            raise RuntimeError("undo")
    assert "author" not in db.table_names()
    assert not db.t.author.exists()
    assert "author" not in db.t


def test_enable_foreign_keys(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'fk.db'}", foreign_keys=False) as database:
        database.create(Author)
        books = database.create(Book)
        books.insert(id=1, title="t", author_id=5)
        database.enable_foreign_keys()
        with pytest.raises(ForeignKeyError):
            books.insert(id=2, title="u", author_id=6)


def test_vanished_table_is_evicted(db: Database) -> None:
    gone = db.t.gone.create(id=int)
    assert gone.count == 0
    other = Database(db.engine)
    other.connect()
    other.t.gone.drop()
    other.close()
    with pytest.raises(SchemaError):
        gone.insert(id=1)
    assert not gone.exists()
    assert "gone" not in db.t


def test_reads_through_q_do_not_lock(db: Database) -> None:
    db.t.kv.create(id=int, v=str)
    with db.transaction():
        db.t.kv.insert(v="a")
        assert db.q("SELECT v FROM kv") == [{"v": "a"}]
    assert db.q("  select count(*) AS n FROM kv") == [{"n": 1}]
