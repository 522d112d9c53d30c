# This file is generated from tests/_async/test_facade_hooks.py by scripts/unasync.py. Do not edit it by hand.
"""The table facade fires the lifecycle hooks of its table's name."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.audit import acting_as
from sqlmodel_crud_utils.facade import Database, Table
from sqlmodel_crud_utils.hooks import HookContext, hook, register_hook
from tests import support
from tests.support import BACKENDS

from .conftest_facade import open_facade


@dataclasses.dataclass
class Gadget:
    id: int | None = None
    name: str = ""
    qty: int = 0


class Veto(Exception):
    pass


@pytest.fixture(autouse=True)
def no_leftover_hooks() -> Iterator[None]:
    with support.isolated_hooks():
        yield


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def gadgets(db: Database) -> Table:
    return db.create(Gadget)


def test_facade_writes_fire_hooks(gadgets: Table) -> None:
    events: list[str] = []
    register_hook(None, "before_create", lambda ctx: events.append(ctx.event))
    for event in (
        "after_create",
        "before_update",
        "after_update",
        "before_upsert",
        "after_upsert",
        "before_delete",
        "after_delete",
        "before_bulk_insert",
        "after_bulk_insert",
        "before_bulk_upsert",
        "after_bulk_upsert",
        "before_bulk_delete",
        "after_bulk_delete",
    ):
        register_hook("gadget", event, lambda ctx: events.append(ctx.event))
    row = gadgets.insert(name="a")
    gadgets.update(id=row.id, qty=2)
    gadgets.upsert(id=row.id, name="a2")
    gadgets.delete(row.id)
    gadgets.insert_all([{"name": "b"}, {"name": "c"}])
    gadgets.upsert_all([{"id": 99, "name": "d"}])
    gadgets.delete_where("name = ?", ["b"])
    assert events == [
        "before_create",
        "after_create",
        "before_update",
        "after_update",
        "before_upsert",
        "after_upsert",
        "before_delete",
        "after_delete",
        "before_bulk_insert",
        "after_bulk_insert",
        "before_bulk_upsert",
        "after_bulk_upsert",
        "before_bulk_delete",
        "after_bulk_delete",
    ]


def test_facade_before_hook_modifies_and_vetoes(gadgets: Table) -> None:
    @hook("gadget", "before_create")
    def shout(ctx: HookContext) -> None:
        for values in ctx.rows:
            values["name"] = values["name"].upper()

    row = gadgets.insert(name="quiet")
    assert row.name == "QUIET"

    def veto(ctx: HookContext) -> None:
        raise Veto("no")

    register_hook("gadget", "before_update", veto)
    with pytest.raises(Veto):
        gadgets.update(id=row.id, qty=5)
    assert (gadgets[row.id]).qty == 0


def test_facade_after_hook_failure_rolls_back(gadgets: Table) -> None:
    def fail(ctx: HookContext) -> None:
        raise Veto("after")

    register_hook("gadget", "after_create", fail)
    with pytest.raises(Veto):
        gadgets.insert(name="gone")
    assert gadgets.count == 0


@dataclasses.dataclass
class Memo:
    id: int | None = None
    body: str = ""
    created_by: str | None = None
    updated_by: str | None = None


def test_facade_fills_audit_columns_from_current_user(db: Database) -> None:
    memos = db.create(Memo)
    with acting_as("alice"):
        first = memos.insert(body="a")
        memos.insert_all([{"body": "b"}, {"body": "c", "created_by": "explicit"}])
    assert (first.created_by, first.updated_by) == ("alice", "alice")
    with acting_as("bob"):
        edited = memos.update(id=first.id, body="a2")
        upserted = memos.upsert(id=first.id, body="a3")
    assert (edited.created_by, edited.updated_by) == ("alice", "bob")
    assert (upserted.created_by, upserted.updated_by) == ("alice", "bob")
    rows = memos(order_by="id")
    assert [(row.body, row.created_by) for row in rows] == [
        ("a3", "alice"),
        ("b", "alice"),
        ("c", "explicit"),
    ]
    plain = memos.insert(body="nobody")
    assert plain.created_by is None
