# This file is generated from tests/_async/test_tracking.py by scripts/unasync.py. Do not edit it by hand.
"""Change tracking on every backend: ORM flushes and CRUD helpers write change_history."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.audit import acting_as
from sqlmodel_crud_utils.exceptions import TransactionError
from sqlmodel_crud_utils.tracking import (
    HISTORY_METADATA,
    change_history_table,
    record_bulk_changes,
    register_change_tracking,
)
from sqlmodel_crud_utils.transactions import transaction
from tests import support
from tests.mixin_models import TrkAccount, TrkPair, TrkPlain, TrkTask

UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def history_table(engine: Engine) -> None:
    register_change_tracking()
    support.create_tables(engine, HISTORY_METADATA)


def history(session: Session, model: type[SQLModel], ident: Any) -> list[dict[str, Any]]:
    ok, entries = crud.get_change_history(session, model, ident, raise_on_error=True)
    assert ok is True
    return entries


def history_count(session: Session) -> int:
    stmt = select(func.count()).select_from(change_history_table)
    return (session.exec(stmt)).one()


def test_insert_update_delete_are_recorded(session: Session) -> None:
    session.info["changed_by"] = "auditor"
    account = TrkAccount(name="a", balance=Decimal("1.50"), secret="s1")
    session.add(account)
    session.flush()
    account_id = account.id
    session.commit()

    # After the commit every attribute is expired: the old values come from one select.
    account.name = "b"
    account.secret = "s2"
    session.commit()

    loaded = session.get(TrkAccount, account_id)
    assert loaded is not None
    session.delete(loaded)
    session.commit()

    entries = history(session, TrkAccount, account_id)
    assert [entry["operation"] for entry in entries] == ["insert", "update", "delete"]
    insert, change, removal = entries
    assert insert["changes"] == {
        "id": [None, account_id],
        "name": [None, "a"],
        "balance": [None, "1.50"],
        "ref": [None, None],
    }
    assert change["changes"] == {"name": ["a", "b"]}
    assert removal["changes"] == {
        "id": [account_id, None],
        "name": ["b", None],
        "balance": ["1.50", None],
        "ref": [None, None],
    }
    assert {entry["changed_by"] for entry in entries} == {"auditor"}
    assert {entry["table_name"] for entry in entries} == {"trk_accounts"}
    assert {entry["table_schema"] for entry in entries} == {None}
    assert {entry["row_pk"] for entry in entries} == {str(account_id)}
    for entry in entries:
        changed_at = entry["changed_at"]
        if changed_at.tzinfo is None:  # SQLite has no time-zone type
            changed_at = changed_at.replace(tzinfo=UTC)
        assert abs(dt.datetime.now(UTC) - changed_at) < dt.timedelta(minutes=5)


def test_expired_delete_and_composite_keys(session: Session) -> None:
    pair = TrkPair(left=1, right="a", value="v")
    session.add(pair)
    session.commit()
    # Expired by the commit: the old values of the deleted row come from one select.
    session.delete(pair)
    session.commit()
    entries = history(session, TrkPair, (1, "a"))
    assert [entry["row_pk"] for entry in entries] == ["1,a", "1,a"]
    assert entries[1]["operation"] == "delete"
    assert entries[1]["changes"] == {"left": [1, None], "right": ["a", None], "value": ["v", None]}


def test_tracking_inside_a_transaction_block(session: Session) -> None:
    with pytest.raises(TransactionError):
        with transaction(session):
            ok, task = crud.write_row(TrkTask(title="block"), session)
            assert ok is True
            raise RuntimeError("abort the block")
    assert history_count(session) == 0
    with transaction(session):
        ok, task = crud.write_row(TrkTask(title="kept"), session)
        assert task is not None
        task_id = task.id
    assert [entry["operation"] for entry in history(session, TrkTask, task_id)] == ["insert"]


def test_values_json_round_trip(session: Session) -> None:
    ref = uuid.uuid4()
    account = TrkAccount(name="j", ref=ref)
    session.add(account)
    session.flush()
    account_id = account.id
    session.commit()
    (entry,) = history(session, TrkAccount, account_id)
    assert entry["changes"]["ref"] == [None, str(ref)]
    assert "secret" not in entry["changes"]


def test_loaded_update_and_no_op_update(session: Session) -> None:
    task = TrkTask(title="t")
    session.add(task)
    session.flush()
    task_id = task.id
    session.refresh(task)
    task.title = "t"  # same value: nothing to record
    session.flush()
    task.done = True
    session.flush()
    session.commit()
    entries = history(session, TrkTask, task_id)
    assert [entry["operation"] for entry in entries] == ["insert", "update"]
    assert entries[1]["changes"] == {"done": [False, True]}
    # Aware timestamps are recorded as text (JSON has no datetime).
    created = entries[0]["changes"]["created_at"]
    assert created[0] is None
    assert isinstance(created[1], str)
    assert entries[0]["changed_by"] is None


def test_crud_helpers_record_with_current_user(session: Session) -> None:
    with acting_as("alice"):
        ok, task = crud.write_row(TrkTask(title="write"), session)
        assert ok is True
        assert task is not None
        task_id = task.id
        ok, _ = crud.update_row(task_id, {"title": "updated"}, session, TrkTask)
        assert ok is True
    with acting_as("bob"):
        session.info["changed_by"] = "service-account"
        assert crud.delete_row(task_id, session, TrkTask) is True
    entries = history(session, TrkTask, task_id)
    assert [entry["operation"] for entry in entries] == ["insert", "update", "delete"]
    assert [entry["changed_by"] for entry in entries] == ["alice", "alice", "service-account"]
    # The audit column filled from the current user is part of the recorded insert.
    assert entries[0]["changes"]["created_by"] == [None, "alice"]
    update_changes = entries[1]["changes"]
    assert update_changes["title"] == ["write", "updated"]
    # updated_by was already "alice": not a change.
    assert "updated_by" not in update_changes


def test_changed_by_is_cut_and_soft_delete_is_an_update(session: Session) -> None:
    session.info["changed_by"] = "x" * 150
    task = TrkTask(title="soft")
    session.add(task)
    session.flush()
    task_id = task.id
    task.soft_delete("carol")
    session.commit()
    entries = history(session, TrkTask, task_id)
    assert [entry["operation"] for entry in entries] == ["insert", "update"]
    assert entries[0]["changed_by"] == "x" * 100
    assert entries[1]["changes"]["is_deleted"] == [False, True]
    assert entries[1]["changes"]["deleted_by"] == [None, "carol"]


def test_history_rolls_back_with_the_write(session: Session) -> None:
    task = TrkTask(title="gone")
    session.add(task)
    session.flush()
    assert history_count(session) == 1
    session.rollback()
    assert history_count(session) == 0


def test_untracked_models_and_registration_idempotent(session: Session) -> None:
    register_change_tracking()
    register_change_tracking()
    session.add(TrkPlain(name="p"))
    task = TrkTask(title="once")
    session.add(task)
    session.commit()
    assert history_count(session) == 1


def test_record_bulk_changes(session: Session) -> None:
    ok, _ = crud.bulk_upsert_mappings(
        [{"id": 1, "title": "one"}, {"id": 2, "title": "two"}], session, TrkTask
    )
    assert ok is True
    entry = record_bulk_changes(
        session,
        TrkTask,
        "update",
        [{"id": 1, "done": True}, {"id": 2, "done": True, "title": "two"}],
        old_rows=[{"id": 1, "done": False}, {"id": 2, "done": False, "title": "two"}],
        changed_by="bulk-job",
    )
    assert entry is not None
    connection = session.connection(bind_arguments={"mapper": TrkTask})
    connection.execute(entry.statement, entry.parameters)
    session.commit()
    # The upsert itself recorded the inserts; the manual entry is the update.
    entries = [row for row in history(session, TrkTask, 2) if row["operation"] != "insert"]
    assert [row["changes"] for row in entries] == [{"done": [False, True]}]
    assert entries[0]["changed_by"] == "bulk-job"
    assert entries[0]["operation"] == "update"

    session.info["changed_by"] = "from-session"
    deleted = record_bulk_changes(session, TrkTask, "delete", [{"id": 1}])
    assert deleted is not None
    assert deleted.parameters[0]["changes"] == {"id": [1, None]}
    assert deleted.parameters[0]["changed_by"] == "from-session"
    assert record_bulk_changes(session, TrkPlain, "insert", [{"id": 1}]) is None
    assert record_bulk_changes(session, TrkTask, "insert", []) is None


def test_bulk_helpers_record_history_of_tracked_models(session: Session) -> None:
    payload = [{"id": 1, "title": "one"}, {"id": 2, "title": "two"}]
    crud.bulk_upsert_mappings(payload, session, TrkTask)
    crud.bulk_upsert_mappings([{"id": 2, "title": "TWO"}], session, TrkTask)
    crud.bulk_update_rows([1, 2], {"done": True}, session, TrkTask)
    crud.delete_rows_within_id_list([2], session, TrkTask, soft=True, deleted_by="eve")
    crud.delete_rows_within_id_list([1], session, TrkTask)
    two = history(session, TrkTask, 2)
    assert [row["operation"] for row in two] == ["insert", "update", "update", "update"]
    assert two[0]["changes"]["title"] == [None, "two"]
    assert two[1]["changes"]["title"] == ["two", "TWO"]
    assert "done" not in two[1]["changes"]  # only changed columns are recorded
    assert two[2]["changes"]["done"] == [False, True]
    assert two[3]["changes"]["is_deleted"] == [False, True]
    assert two[3]["changes"]["deleted_by"] == [None, "eve"]
    one = history(session, TrkTask, 1)
    assert [row["operation"] for row in one] == ["insert", "update", "delete"]
    assert one[2]["changes"]["title"] == ["one", None]
