"""AsyncDatabase: opening, q/item/executescript, create(), the live db.t, transactions."""

import dataclasses
import enum
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils import create_async_engine_from_config
from sqlmodel_crud_utils.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    InvalidOperationError,
    MultipleRecordsError,
    SchemaError,
    ValidationError,
)
from sqlmodel_crud_utils.facade import AsyncDatabase, AsyncTable, ForeignKey, Index, Text
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import _ASYNC_TWIN, open_facade


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
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


async def test_default_database_is_in_memory_sqlite() -> None:
    async with AsyncDatabase() as database:
        assert database.engine.url.database in (None, ":memory:")
        expected = "sqlite+aiosqlite" if _ASYNC_TWIN else "sqlite"
        assert database.engine.url.drivername == expected
        table = await database.create(Person)
        assert (await table.insert(name="x")).id == 1


@pytest.mark.parametrize(
    ("url", "async_driver", "sync_driver"),
    [
        ("sqlite:///app.db", "sqlite+aiosqlite", "sqlite"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite", "sqlite"),
        ("postgres://u@h/d", "postgresql+asyncpg", "postgresql+psycopg"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg", "postgresql+psycopg"),
    ],
)
async def test_url_map(url: str, async_driver: str, sync_driver: str, tmp_path: Path) -> None:
    database = AsyncDatabase(url.replace("app.db", str(tmp_path / "app.db")))
    assert database.engine.url.drivername == (async_driver if _ASYNC_TWIN else sync_driver)
    await database.close()


def test_unsupported_url() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        AsyncDatabase("oracle://scott@host/db")


async def test_supplied_engine_is_not_disposed(tmp_path: Path) -> None:
    engine = create_async_engine_from_config(f"sqlite:///{tmp_path / 'x.db'}")
    async with AsyncDatabase(engine) as database:
        await database.q("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT count(*) FROM t")).scalar_one() == 0
    await engine.dispose()


async def test_bound_connection_mode(tmp_path: Path) -> None:
    engine = create_async_engine_from_config(f"sqlite:///{tmp_path / 'x.db'}")
    async with engine.connect() as conn:
        database = AsyncDatabase(conn)
        await database.q("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        await database.t.t.insert(v="a")
        assert await database.t.t.count == 1
        await database.close()
        await conn.rollback()
    async with AsyncDatabase(engine) as other:
        assert "t" not in await other.table_names()
    await engine.dispose()


async def test_listing_before_open_is_refused_in_async_twin() -> None:
    database = AsyncDatabase()
    if _ASYNC_TWIN:
        with pytest.raises(InvalidOperationError, match="database not opened"):
            _ = "x" in database.t
        with pytest.raises(InvalidOperationError):
            len(database.t)
        assert dir(database.t) == []
    else:
        assert "x" not in database.t
        assert len(database.t) == 0
    await database.close()


# ---------------------------------------------------------------- q / item


async def test_q_named_and_positional(db: AsyncDatabase) -> None:
    await db.q("CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT, note TEXT)")
    await db.q(
        "INSERT INTO pets (id, name, note) VALUES (:id, :name, 'a?b')", {"id": 1, "name": "x"}
    )
    await db.q("INSERT INTO pets (id, name, note) VALUES (?, ?, '-- ? :x')", [2, "y"])
    rows = await db.q("SELECT name, note FROM pets WHERE id > ? ORDER BY id", (0,))
    assert rows == [{"name": "x", "note": "a?b"}, {"name": "y", "note": "-- ? :x"}]
    assert await db.q("SELECT * FROM pets WHERE name = :n", {"n": "none"}) == []
    assert await db.q("UPDATE pets SET name = 'z' WHERE id = 1") == []
    assert "pets" in db.t


async def test_q_rejects_mixed_placeholders(db: AsyncDatabase) -> None:
    with pytest.raises(ValidationError, match="do not mix"):
        await db.q("SELECT :a, ?", {"a": 1})
    with pytest.raises(ValidationError, match="do not mix"):
        await db.q("SELECT :a, ?", [1])
    with pytest.raises(ValidationError, match="placeholder"):
        await db.q("SELECT ?, ?", [1])
    with pytest.raises(ValidationError, match=":b"):
        await db.q("SELECT :a, :b", {"a": 1})


async def test_q_errors_are_typed(db: AsyncDatabase) -> None:
    with pytest.raises(SchemaError):
        await db.q("SELECT * FROM no_such_table")


async def test_item(db: AsyncDatabase) -> None:
    assert await db.item("SELECT 1 + ?", [1]) == 2
    await db.q("CREATE TABLE nums (n INTEGER)")
    with pytest.raises(NotFoundError):
        await db.item("SELECT n FROM nums")
    await db.q("INSERT INTO nums (n) VALUES (1), (2)")
    with pytest.raises(MultipleRecordsError):
        await db.item("SELECT n FROM nums")
    with pytest.raises(ValueError, match="columns"):
        await db.item("SELECT n, n FROM nums WHERE n = 1")


async def test_executescript(db: AsyncDatabase) -> None:
    await db.executescript(
        """
        CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);  -- a comment; with semicolons
        INSERT INTO notes (id, body) VALUES (1, 'a;b');
        /* block; comment */
        INSERT INTO notes (id, body) VALUES (2, 'it''s; fine');
        """
    )
    assert [row["body"] for row in await db.t.notes()] == ["a;b", "it's; fine"]


# ------------------------------------------------------------------ create


async def test_create_dataclass_with_defaults_and_json(db: AsyncDatabase) -> None:
    people = await db.create(Person)
    assert people.name == "person"
    assert people.pks == ["id"]
    created = await people.insert(id=None, tags={"a": [1, 2]})
    assert created == Person(
        id=created.id, name="O'Brien", active=True, score=0.5, tags={"a": [1, 2]}
    )
    raw = await db.q("SELECT name, active FROM person")
    assert raw[0]["name"] == "O'Brien"
    assert bool(raw[0]["active"]) is True
    assert "TEXT" in people.schema.upper()


async def test_create_plain_class_returns_dicts_and_enforces_fks(db: AsyncDatabase) -> None:
    authors = await db.create(Author)
    books = await db.create(Book)
    assert books.foreign_keys == [
        {"column": "author_id", "references": "author.id"},
        {"column": "editor_id", "references": "author.id"},
    ]
    ann = await authors.insert(id=1, name="Ann")
    assert ann == {"id": 1, "name": "Ann"}
    await books.insert(id=1, title="T", author_id=1, editor_id=None)
    with pytest.raises(ForeignKeyError):
        await books.insert(id=2, title="U", author_id=99)
    with pytest.raises(ForeignKeyError):
        await books.insert(id=3, title="V", author_id=1, editor_id=42)


async def test_create_sqlmodel_class(db: AsyncDatabase) -> None:
    gadgets = await db.create(Gadget)
    assert gadgets.name == "gadgets"
    gadget = await gadgets.insert(Gadget(label="g"))
    assert isinstance(gadget, Gadget)
    assert gadget.id == 1
    assert gadgets.indexes[0]["columns"] == ["label"]
    with pytest.raises(SchemaError, match="contradicts"):
        await db.create(Gadget, pk="label", replace=True)


async def test_create_options(db: AsyncDatabase) -> None:
    table = await db.create(
        Author, pk="name", indexes=["id", Index("ix_both", "id", "name", unique=True)]
    )
    assert table.pks == ["name"]
    assert {ix["name"] for ix in table.indexes} == {"ix_author_id", "ix_both"}
    with pytest.raises(SchemaError, match=r"already exists\. Use if_not_exists=True"):
        await db.create(Author)
    assert (await db.create(Author, if_not_exists=True)).name == "author"
    await table.insert(id=1, name="a")
    replaced = await db.create(Author, replace=True)
    assert replaced.pks == ["id"]
    assert await replaced.count == 0
    other = await db.create(Author, name="writers")
    assert other.name == "writers"
    assert "writers" in db.t


async def test_create_rejects_bad_classes(db: AsyncDatabase) -> None:
    class Empty:
        pass

    class Weird:
        id: int
        data: set[int]

    class Colored:
        id: int
        color: Color

    with pytest.raises(SchemaError, match="no type annotations"):
        await db.create(Empty)
    with pytest.raises(ValueError, match="Unsupported type"):
        await db.create(Weird)
    with pytest.raises(SchemaError, match="Primary key column 'nope' not found"):
        await db.create(Author, pk="nope")
    with pytest.raises(ValidationError, match="unknown column"):
        await db.create(Author, indexes=["missing"])

    class Dangling:
        id: int
        other_id: ForeignKey[int, "nowhere"]  # noqa: F821

    with pytest.raises(SchemaError, match="nowhere"):
        await db.create(Dangling)
    assert not await db.t.dangling.exists()
    colored = await db.create(Colored)
    assert (await colored.insert(id=1, color="red"))["color"] == "red"


# -------------------------------------------------------------------- db.t


async def test_live_table_accessor(db: AsyncDatabase) -> None:
    await db.create(Author)
    await db.q("CREATE TABLE extra (id INTEGER PRIMARY KEY)")
    assert isinstance(db.t.author, AsyncTable)
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


async def test_missing_table_handle(db: AsyncDatabase) -> None:
    handle = db.t.later
    assert not await handle.exists()
    with pytest.raises(SchemaError, match="Table 'later' does not exist"):
        await handle()
    await handle.create(id=int, name=str, pk="id")
    assert await handle.exists()
    assert (await handle.insert(name="x")) == {"id": 1, "name": "x"}
    await handle.drop()
    assert "later" not in db.t
    await db.t.later.drop(ignore=True)


async def test_ddl_through_q_is_picked_up(db: AsyncDatabase) -> None:
    await db.q("CREATE TABLE made (id INTEGER PRIMARY KEY, v TEXT)")
    made = db.t.made
    assert made.columns == ["id", "v"]
    await db.q("ALTER TABLE made ADD COLUMN w TEXT")
    await made.insert(id=1, v="a", w="b")
    assert made.columns == ["id", "v", "w"]


async def test_reflect_table_and_missing_names(db: AsyncDatabase) -> None:
    await db.q("CREATE TABLE r (id INTEGER PRIMARY KEY)")
    table = await db.reflect_table("r")
    assert table.pks == ["id"]
    with pytest.raises(SchemaError):
        await db.reflect_table("nope")
    with pytest.raises(SchemaError):
        await db.reflect_view("nope")
    assert await db.table_names() == ["r"]


# ------------------------------------------------------------- transactions


async def test_transaction_commits_and_rolls_back(db: AsyncDatabase) -> None:
    people = await db.create(Person)
    async with db.transaction() as conn:
        assert conn is not None
        await people.insert(name="kept")
        await db.q("INSERT INTO person (name, active, score) VALUES (?, ?, ?)", ["q", True, 1.0])
    with pytest.raises(KeyError):
        async with db.transaction():
            await people.insert(name="lost")
            raise KeyError("boom")
    assert sorted(p.name for p in await people()) == ["kept", "q"]


async def test_nested_transaction_is_a_savepoint(db: AsyncDatabase) -> None:
    people = await db.create(Person)
    async with db.transaction():
        await people.insert(name="outer")
        with pytest.raises(DuplicateKeyError):
            async with db.transaction():
                await people.insert(id=50, name="inner")
                await people.insert(id=50, name="again")
        await people.insert(name="after")
    assert [p.name for p in await people(order_by="id")] == ["outer", "after"]


async def test_ddl_in_rolled_back_transaction(db: AsyncDatabase) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.create(Author)
            await db.t.author.insert(id=1, name="a")
            raise RuntimeError("undo")
    assert "author" not in await db.table_names()
    assert not await db.t.author.exists()
    assert "author" not in db.t


async def test_enable_foreign_keys(tmp_path: Path) -> None:
    async with AsyncDatabase(f"sqlite:///{tmp_path / 'fk.db'}", foreign_keys=False) as database:
        await database.create(Author)
        books = await database.create(Book)
        await books.insert(id=1, title="t", author_id=5)
        await database.enable_foreign_keys()
        with pytest.raises(ForeignKeyError):
            await books.insert(id=2, title="u", author_id=6)


async def test_vanished_table_is_evicted(db: AsyncDatabase) -> None:
    gone = await db.t.gone.create(id=int)
    assert await gone.count == 0
    other = AsyncDatabase(db.engine)
    await other.connect()
    await other.t.gone.drop()
    await other.close()
    with pytest.raises(SchemaError):
        await gone.insert(id=1)
    assert not await gone.exists()
    assert "gone" not in db.t


async def test_reads_through_q_do_not_lock(db: AsyncDatabase) -> None:
    await db.t.kv.create(id=int, v=str)
    async with db.transaction():
        await db.t.kv.insert(v="a")
        assert await db.q("SELECT v FROM kv") == [{"v": "a"}]
    assert await db.q("  select count(*) AS n FROM kv") == [{"n": 1}]
