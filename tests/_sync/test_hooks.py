# This file is generated from tests/_async/test_hooks.py by scripts/unasync.py. Do not edit it by hand.
"""Lifecycle hooks: every write path fires them once, before hooks can veto and modify."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.hooks import HookContext, hook, register_hook, unregister_hook
from sqlmodel_crud_utils.transactions import transaction
from tests import support
from tests.models import HookAudit, Item, Note, Team


class Veto(Exception):
    pass


@pytest.fixture(autouse=True)
def no_leftover_hooks() -> Iterator[None]:
    with support.isolated_hooks():
        yield


def recorder(calls: list[tuple[str, Any]]) -> Any:
    def record(ctx: HookContext) -> None:
        detail = ctx.ids if ctx.ids is not None else [getattr(r, "name", r) for r in ctx.rows]
        calls.append((ctx.event, detail))

    return record


def committed(session: Session, model: type) -> int:
    session.rollback()
    return (session.exec(select(func.count()).select_from(model))).one()


def test_single_row_writes_fire_each_hook_once(session: Session) -> None:
    calls: list[tuple[str, Any]] = []
    record = recorder(calls)
    for event in ("create", "update", "delete"):
        register_hook(Team, f"before_{event}", record)
        register_hook(Team, f"after_{event}", record)
    _, team = crud.write_row(Team(name="A"), session)
    assert team is not None
    crud.update_row(team.id, {"headquarters": "HQ"}, session, Team)
    crud.delete_row(team.id, session, Team)
    assert [event for event, _ in calls] == [
        "before_create",
        "after_create",
        "before_update",
        "after_update",
        "before_delete",
        "after_delete",
    ]


def test_before_hook_modifies_data(session: Session) -> None:
    @hook(Team, "before_create")
    def upper(ctx: HookContext) -> None:
        for team in ctx.rows:
            team.name = team.name.upper()

    @hook(Team, "before_update")
    def stamp(ctx: HookContext) -> None:
        assert ctx.data is not None
        ctx.data["headquarters"] = "stamped"

    _, team = crud.write_row(Team(name="quiet"), session)
    assert team is not None
    assert team.name == "QUIET"
    _, updated = crud.update_row(team.id, {"name": "QUIET2"}, session, Team)
    assert updated is not None
    assert updated.headquarters == "stamped"


def test_before_hook_vetoes_atomically(session: Session) -> None:
    def veto(ctx: HookContext) -> None:
        raise Veto("no")

    register_hook(Team, "before_create", veto)
    with pytest.raises(Veto):
        crud.write_row(Team(name="A"), session)
    assert committed(session, Team) == 0
    assert unregister_hook(Team, "before_create", veto) is True
    assert unregister_hook(Team, "before_create", veto) is False
    register_hook(Item, "before_bulk_upsert", veto)
    with pytest.raises(Veto):
        crud.bulk_upsert_mappings([{"id": 1, "code": "a"}], session, Item)
    assert committed(session, Item) == 0


def test_after_hook_writes_audit_row_in_same_transaction(session: Session) -> None:
    @hook(None, "after_create", "after_bulk_upsert")
    def audit(ctx: HookContext) -> None:
        if ctx.model is HookAudit:
            return
        for row in ctx.rows:
            ctx.session.add(HookAudit(event=ctx.event, target=str(row.id)))

    _, team = crud.write_row(Team(name="A"), session)
    assert team is not None
    team_id = team.id
    crud.bulk_upsert_mappings([{"id": 7, "code": "a"}], session, Item)
    _, audits = crud.get_rows(session, HookAudit, sort_field="id")
    assert [(a.event, a.target) for a in audits] == [
        ("after_create", str(team_id)),
        ("after_bulk_upsert", "7"),
    ]

    def fail(ctx: HookContext) -> None:
        raise Veto("after")

    register_hook(Team, "after_create", fail)
    assert crud.write_row(Team(name="B"), session) == (False, None)
    # Neither the row nor its audit row survived the failing after hook.
    assert committed(session, Team) == 1
    assert committed(session, HookAudit) == 2


def test_bulk_helpers_fire_once_per_call(session: Session) -> None:
    calls: list[tuple[str, Any]] = []
    record = recorder(calls)
    for event in ("bulk_insert", "bulk_upsert", "bulk_update", "bulk_delete"):
        register_hook(None, f"before_{event}", record)
        register_hook(None, f"after_{event}", record)
    crud.insert_data_rows([Note(body="a"), Note(body="b")], session)
    payload = [{"id": i, "code": f"c{i}"} for i in range(1, 6)]
    crud.bulk_upsert_mappings(payload, session, Item, chunk_size=2)
    crud.bulk_update_rows([1, 2, 3], {"label": "x"}, session, Item, chunk_size=1)
    crud.delete_rows_within_id_list([4, 5], session, Item, chunk_size=1)
    assert [event for event, _ in calls] == [
        "before_bulk_insert",
        "after_bulk_insert",
        "before_bulk_upsert",
        "after_bulk_upsert",
        "before_bulk_update",
        "after_bulk_update",
        "before_bulk_delete",
        "after_bulk_delete",
    ]
    assert calls[5][1] == [1, 2, 3]
    assert calls[7][1] == [4, 5]


def test_hooks_inside_a_transaction_block(session: Session) -> None:
    calls: list[tuple[str, Any]] = []
    register_hook(Team, "after_create", recorder(calls))
    with pytest.raises(Exception):  # noqa: B017 - the block's TransactionError
        with transaction(session):
            crud.write_row(Team(name="in-block"), session)
            raise Veto("rollback")
    assert calls == [("after_create", ["in-block"])]
    assert committed(session, Team) == 0


def test_hooks_for_base_classes_and_global(session: Session) -> None:
    calls: list[tuple[str, Any]] = []
    register_hook(SQLModel, "before_create", recorder(calls))
    register_hook(None, "before_create", recorder(calls))
    crud.write_row(Team(name="A"), session)
    assert len(calls) == 2


def test_unknown_event_is_rejected() -> None:
    with pytest.raises(ValueError, match="before_create"):
        register_hook(Team, "before_save", lambda ctx: None)
