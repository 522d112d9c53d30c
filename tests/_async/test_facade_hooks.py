"""The table facade fires the lifecycle hooks of its table's name."""

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.audit import acting_as
from sqlmodel_crud_utils.facade import AsyncDatabase, AsyncTable
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
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        yield database


@pytest.fixture
async def gadgets(db: AsyncDatabase) -> AsyncTable:
    return await db.create(Gadget)


async def test_facade_writes_fire_hooks(gadgets: AsyncTable) -> None:
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
    row = await gadgets.insert(name="a")
    await gadgets.update(id=row.id, qty=2)
    await gadgets.upsert(id=row.id, name="a2")
    await gadgets.delete(row.id)
    await gadgets.insert_all([{"name": "b"}, {"name": "c"}])
    await gadgets.upsert_all([{"id": 99, "name": "d"}])
    await gadgets.delete_where("name = ?", ["b"])
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


async def test_facade_before_hook_modifies_and_vetoes(gadgets: AsyncTable) -> None:
    @hook("gadget", "before_create")
    def shout(ctx: HookContext) -> None:
        for values in ctx.rows:
            values["name"] = values["name"].upper()

    row = await gadgets.insert(name="quiet")
    assert row.name == "QUIET"

    def veto(ctx: HookContext) -> None:
        raise Veto("no")

    register_hook("gadget", "before_update", veto)
    with pytest.raises(Veto):
        await gadgets.update(id=row.id, qty=5)
    assert (await gadgets[row.id]).qty == 0


async def test_facade_after_hook_failure_rolls_back(gadgets: AsyncTable) -> None:
    def fail(ctx: HookContext) -> None:
        raise Veto("after")

    register_hook("gadget", "after_create", fail)
    with pytest.raises(Veto):
        await gadgets.insert(name="gone")
    assert await gadgets.count == 0


@dataclasses.dataclass
class Memo:
    id: int | None = None
    body: str = ""
    created_by: str | None = None
    updated_by: str | None = None


async def test_facade_fills_audit_columns_from_current_user(db: AsyncDatabase) -> None:
    memos = await db.create(Memo)
    with acting_as("alice"):
        first = await memos.insert(body="a")
        await memos.insert_all([{"body": "b"}, {"body": "c", "created_by": "explicit"}])
    assert (first.created_by, first.updated_by) == ("alice", "alice")
    with acting_as("bob"):
        edited = await memos.update(id=first.id, body="a2")
        upserted = await memos.upsert(id=first.id, body="a3")
    assert (edited.created_by, edited.updated_by) == ("alice", "bob")
    assert (upserted.created_by, upserted.updated_by) == ("alice", "bob")
    rows = await memos(order_by="id")
    assert [(row.body, row.created_by) for row in rows] == [
        ("a3", "alice"),
        ("b", "alice"),
        ("c", "explicit"),
    ]
    plain = await memos.insert(body="nobody")
    assert plain.created_by is None
