# This file is generated from tests/_async/test_facade_names.py by scripts/unasync.py. Do not edit it by hand.
"""Names in the facade: validation before any SQL, DROP of hostile names, listings."""

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade import Database, FTSIndex, Index
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        database.t.base.create(id=int, v=str, pk="id")
        database.t.base.insert(id=1, v="hello world")
        yield database


@contextlib.contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Collect the statements sent to the database inside the block."""
    engine = getattr(db.engine, "sync_engine", db.engine)
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def refused_before_sql(db: Database, call: Callable[[], Awaitable[Any]]) -> str:
    """Run ``call``; it must raise ``ValidationError`` before any statement. Returns the message."""
    with statements(db) as seen, pytest.raises(ValidationError) as info:
        call()
    assert seen == []
    return str(info.value)


#: 32 characters but 64 bytes in UTF-8: refused on PostgreSQL (63 bytes), kept on SQLite.
TOO_LONG = "é" * 32


# ------------------------------------------------------------- validation


@pytest.mark.parametrize("name", ["a\x00b", "", " ", "a ", 'a"b'])
def test_invalid_names_are_refused_before_sql(db: Database, name: str) -> None:
    base = db.t.base
    handle = db.t[name]
    other = db.t.other  # the sync twin looks names up here, not in the calls below

    class Row:
        id: int

    message = refused_before_sql(db, lambda: handle.create(id=int))
    assert "invalid table name" in message
    assert "use 1-" in message
    refused_before_sql(db, lambda: db.create(Row, name=name))
    refused_before_sql(db, lambda: other.create({"id": int, name: str}))
    refused_before_sql(db, lambda: db.create_view(name, "SELECT 1 AS x"))
    refused_before_sql(db, lambda: base.create_index(["v"], name=name))
    refused_before_sql(db, lambda: base.drop_index(name))
    refused_before_sql(db, lambda: base.create_fts_index(["v"], name=name))
    refused_before_sql(db, lambda: base.transform(rename={"v": name}))
    fts = [FTSIndex("id", name=name)]
    refused_before_sql(db, lambda: db.create(Row, name="ok", indexes=fts))
    plain = [Index(name, "id")]
    refused_before_sql(db, lambda: db.create(Row, name="ok", indexes=plain))
    assert db.table_names() == ["base"]
    assert base.indexes == []
    assert base.fts_indexes == []


def test_the_byte_limit_is_the_dialects(db: Database) -> None:
    name = TOO_LONG
    base = db.t.base
    if db.engine.dialect.name != "postgresql":
        db.t[name].create(id=int)
        assert name in db.table_names()
        return
    message = refused_before_sql(db, lambda: db.t[name].create(id=int))
    assert "64 bytes long in UTF-8 and postgresql allows at most 63" in message
    refused_before_sql(db, lambda: base.transform(rename={"v": name}))
    refused_before_sql(db, lambda: base.create_index(["v"], name=name))
    refused_before_sql(db, lambda: db.create_view(name, "SELECT 1 AS x"))
    db.t["é" * 31 + "a"].create(id=int)  # 63 bytes: kept whole
    assert "é" * 31 + "a" in db.table_names()


def test_sqlite_prefix(db: Database) -> None:
    handle = db.t.sqlite_x
    if db.engine.dialect.name != "sqlite":
        handle.create(id=int)
        assert "sqlite_x" in db.table_names()
        assert "sqlite_x" in db.t
        return
    message = refused_before_sql(db, lambda: handle.create(id=int))
    assert "reserves names starting with 'sqlite_'" in message
    refused_before_sql(db, lambda: db.create_view("SQLite_v", "SELECT 1 AS x"))
    refused_before_sql(db, lambda: db.t.base.create_index(["v"], name="sqlite_ix"))
    # Columns may use the prefix.
    table = db.t.cols.create(sqlite_c=int, pk="sqlite_c")
    assert table.columns == ["sqlite_c"]


def test_fts_name_clashing_with_a_column_on_sqlite(db: Database) -> None:
    base = db.t.base
    if db.engine.dialect.name != "sqlite":
        base.create_fts_index(["v"], name="V")
        assert base.search("hello") == [{"id": 1, "v": "hello world"}]
        return
    for name in ("V", "v", "rank", "ROWID"):
        message = refused_before_sql(db, lambda name=name: base.create_fts_index(["v"], name=name))
        assert "clashes with" in message


def test_where_fragments_are_checked_before_sql(db: Database) -> None:
    base = db.t.base
    refused_before_sql(db, lambda: base.count_where("v = ?", []))
    refused_before_sql(db, lambda: base.count_where("v = :p", []))
    message = refused_before_sql(db, lambda: base(where="v = :p", where_args=()))
    assert ":p need a dict of parameters, not a tuple" in message
    refused_before_sql(db, lambda: db.q("SELECT :p AS x", []))


def test_rejected_create_keeps_the_catalogue(db: Database) -> None:
    class Bad:
        id: int
        v: str

    with pytest.raises(ValidationError):
        db.create(Bad, name="base", replace=True, indexes=["missing"])
    with pytest.raises(ValidationError):
        db.t.base.create({"id": int, "\x00": str}, replace=True)
    assert "base" in db.t
    assert db.t.base.columns == ["id", "v"]
    assert db.t.base() == [{"id": 1, "v": "hello world"}]
    db.create(Bad, name="base", replace=True, indexes=["v"])
    assert db.t.base() == []
    assert [index["name"] for index in db.t.base.indexes] == ["ix_base_v"]


# ------------------------------------------------------------------- drops


@pytest.mark.parametrize("name", [":a", "a:b", "100%", "%(x)s", "%s", "$1"])
def test_names_with_bind_like_text(db: Database, name: str) -> None:
    table = db.t[name].create(id=int, v=str, pk="id")
    table.insert(id=1, v="hello world")
    table = db.t[name].create(id=int, v=str, pk="id", replace=True)
    table.insert(id=1, v="hello world")
    table.create_index(["v"], name=f"ix {name}")
    assert [index["name"] for index in table.indexes] == [f"ix {name}"]
    table.drop_index(f"ix {name}")
    assert table.indexes == []
    table.create_fts_index(["v"], name=f"{name} fts")
    assert table.search("hello") == [{"id": 1, "v": "hello world"}]
    quoted = '"' + name.replace('"', '""') + '"'
    view = db.create_view(f"{name} view", f"SELECT v, '50%:x' AS p FROM {quoted}")
    assert view() == [{"v": "hello world", "p": "50%:x"}]
    view = db.create_view(f"{name} view", f"SELECT v FROM {quoted}", replace=True)
    view.drop()
    table.drop()
    assert db.table_names() == ["base"]
    assert db.view_names() == []


# ----------------------------------------------------------------- listings


def test_listings_hide_bookkeeping_by_dialect(db: Database) -> None:
    """Only the database's own tables and real full-text shadow tables are hidden."""
    sqlite = db.engine.dialect.name == "sqlite"
    db.t.base.create_fts_index(["v"])  # creates _scu_fts (and shadow tables on SQLite)
    user_tables = ["_scu_notes", "notes_fts_data", "x_fts_config", "base_fts_x"]
    if not sqlite:
        user_tables.append("sqlite_notes")
    for name in user_tables:
        db.t[name].create(id=int)
    expected = sorted(["base", *user_tables])
    assert db.table_names() == expected
    assert sorted(table.name for table in db.t) == expected
    if sqlite:
        # An FTS5 table made outside the facade: its shadow tables stay out of the listing.
        db.executescript("CREATE VIRTUAL TABLE own USING fts5(body)")
        names = db.table_names()
        assert "own_data" not in names
        assert "own_config" not in names
