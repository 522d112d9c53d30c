# This file is generated from tests/_async/test_facade_returning.py by scripts/unasync.py. Do not edit it by hand.
"""Writes without ``RETURNING`` (SQLite before 3.35): the row is re-read in the same transaction.

The SQLite version is forced through ``facade._plan.sqlite_version`` (the database is
the real one); every method that returns a written row must return the same rows and
leave the same stored state as the ``RETURNING`` path.  PostgreSQL never takes the
fallback.
"""

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import DuplicateKeyError, InvalidOperationError
from sqlmodel_crud_utils.facade import Database, _plan
from sqlmodel_crud_utils.facade.errors import NotFoundError
from sqlmodel_crud_utils.facade.sync import ValidatedTable
from tests.support import BACKENDS

from .conftest_facade import open_facade

OLD_SQLITE = (3, 34, 1)


@dataclasses.dataclass
class Gadget:
    id: int | None = None
    name: str = ""
    qty: int = 0
    shop: str | None = None


def _strip(value: str) -> str:
    return value.strip()


@pytest.fixture(params=BACKENDS)
def backend_name(request: Any) -> str:
    return str(request.param)


@dataclasses.dataclass
class _Statements:
    sql: list[str] = dataclasses.field(default_factory=list)

    def returning(self) -> list[str]:
        return [s for s in self.sql if "RETURNING" in s.upper()]


@contextlib.contextmanager
def _capture(db: Database) -> Iterator[_Statements]:
    engine = getattr(db.engine, "sync_engine", db.engine)
    seen = _Statements()

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.sql.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def _state(db: Database) -> dict[str, list[dict[str, Any]]]:
    return {
        "gadgets": db.q("SELECT * FROM gadget ORDER BY id"),
        "codes": db.q("SELECT * FROM codes ORDER BY code"),
        "pairs": db.q("SELECT * FROM pairs ORDER BY a, b"),
        "logs": db.q("SELECT * FROM logs ORDER BY msg, n"),
        "stamped": db.q("SELECT * FROM stamped ORDER BY id"),
        "keyed": db.q("SELECT * FROM keyed ORDER BY k"),
    }


def _scenario(db: Database) -> list[Any]:
    """Every write that returns rows, with their error paths; returns what they gave."""
    out: list[Any] = []
    gadgets = db.create(Gadget)
    out.append(gadgets.insert(Gadget(name="apple", qty=3)))
    out.append(gadgets.insert(name="pear"))
    out.append(gadgets.insert({"id": 10, "name": "fig", "qty": "4"}))
    out.append(gadgets.update({"id": 1, "qty": 5}))
    out.append(gadgets.update(pk_values=2, name="Pear"))
    out.append(gadgets.upsert(id=10, name="fig2", qty=1))
    out.append(gadgets.upsert(id=11, name="kiwi"))
    out.append(gadgets.upsert(name="no key"))
    shop_b = gadgets.xtra(shop="b")
    out.append(shop_b.insert(name="b1"))
    out.append(shop_b.upsert(id=20, name="b2"))
    out.append(shop_b.upsert(id=20, name="b3", qty=9))
    with pytest.raises(DuplicateKeyError):
        shop_b.upsert(id=1, name="outside")
    with pytest.raises(NotFoundError):
        shop_b.update(pk_values=1, name="outside")
    with pytest.raises(NotFoundError):
        gadgets.update(pk_values=999, name="missing")
    with pytest.raises(RuntimeError):
        with db.transaction():
            out.append(gadgets.insert(name="rolled back"))
            out.append(gadgets.update(pk_values=1, qty=100))
            raise RuntimeError("undo")
    with db.transaction():
        out.append(gadgets.insert(name="kept"))
        out.append(gadgets.upsert(id=1, name="apple2"))

    codes = db.t.codes.create(code=str, label=str, n=int, pk="code")
    out.append(codes.insert(code="a", label="A", n=1))
    out.append(codes.insert(code=7, label="seven"))
    out.append(codes.update(pk_values="a", n=2))
    out.append(codes.upsert(code="a", label="AA"))
    out.append(codes.upsert(code="b", label="B", n=3))

    pairs = db.t.pairs.create(a=int, b=int, v=str, pk=["a", "b"])
    out.append(pairs.insert(a=1, b=2, v="x"))
    out.append(pairs.update(pk_values=(1, 2), v="y"))
    out.append(pairs.upsert(a=1, b=2, v="z"))
    out.append(pairs.upsert(a=2, b=1, v="w"))

    logs = db.t.logs.create(msg=str, n=int)
    out.append(logs.insert(msg="same", n=1))
    out.append(logs.insert(msg="same", n=1))
    with pytest.raises(InvalidOperationError):
        logs.update(msg="same", n=2)

    stamped = db.t.stamped.create(id=int, name=str, status=str, defaults={"status": "new"})
    out.append(stamped.insert(name="s1"))
    out.append(stamped.update(pk_values=1, name="s1b"))
    out.append(stamped.upsert(id=1, name="s1c"))
    out.append(stamped.upsert(id=5, name="s5"))

    # A table without a rowid alias on SQLite (WITHOUT ROWID): re-read by key.
    suffix = " WITHOUT ROWID" if db.engine.dialect.name == "sqlite" else ""
    db.executescript(
        f"CREATE TABLE keyed (k TEXT NOT NULL PRIMARY KEY, v INTEGER DEFAULT 7){suffix}"
    )
    keyed = db.t.keyed
    out.append(keyed.insert(k="x"))
    out.append(keyed.insert(k="y", v=1))
    out.append(keyed.update(pk_values="x", v=8))
    out.append(keyed.upsert(k="y", v=2))
    out.append(keyed.upsert(k="z", v=3))

    validated = ValidatedTable(gadgets, {"name": _strip})
    out.append(validated.insert(name="  spaced "))
    out.append(validated.update({"id": 2, "name": " trimmed "}))
    out.append(validated.upsert(id=30, name=" v30 "))

    # After a rebuild the table has new plans; the rebuilt table is written again.
    gadgets.transform(add={"note": str})
    out.append(gadgets.insert(name="after", note="n"))
    out.append(gadgets.update(pk_values=1, note="m"))
    out.append(gadgets.upsert(id=40, name="forty", note="o"))
    return out


def _run(
    name: str, tmp_path: Path, *, forced: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Any], dict[str, list[dict[str, Any]]], list[str], str]:
    folder = tmp_path / ("forced" if forced else "normal")
    folder.mkdir()
    with monkeypatch.context() as patch:
        if forced:
            patch.setattr(_plan, "sqlite_version", lambda: OLD_SQLITE)
        with open_facade(name, folder) as db:
            with _capture(db) as seen:
                rows = _scenario(db)
            state = _state(db)
            dialect = db.engine.dialect.name
    return rows, state, seen.returning(), dialect


def test_reread_matches_returning(
    backend_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, state, returning, dialect = _run(
        backend_name, tmp_path, forced=False, monkeypatch=monkeypatch
    )
    old_rows, old_state, old_returning, _ = _run(
        backend_name, tmp_path, forced=True, monkeypatch=monkeypatch
    )
    assert returning
    if dialect == "sqlite":
        assert old_returning == []
    else:
        assert len(old_returning) == len(returning)
    assert old_rows == rows
    assert [type(row) for row in old_rows] == [type(row) for row in rows]
    assert old_state == state
    assert isinstance(rows[0], Gadget)
    assert state["gadgets"][-1]["note"] == "o"


def test_version_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _plan.returning_supported("postgresql")
    monkeypatch.setattr(_plan, "sqlite_version", lambda: OLD_SQLITE)
    assert not _plan.returning_supported("sqlite")
    assert _plan.returning_supported("postgresql")
    monkeypatch.setattr(_plan, "sqlite_version", lambda: (3, 35, 0))
    assert _plan.returning_supported("sqlite")
