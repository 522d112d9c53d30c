# This file is generated from tests/_async/test_bulk.py by scripts/unasync.py. Do not edit it by hand.
"""Bulk helpers: bulk_upsert_mappings, bulk_update_rows, delete_rows_within_id_list."""

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.exceptions import BulkOperationError
from tests.models import Item, Note

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def item_rows(start: int, stop: int, label: str = "new") -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "code": f"code-{i}",
            "label": f"{label}-{i}",
            "price": i / 4,
            "attrs": {"n": i, "tags": ["a", "b"]},
            "seen_at": NOW,
        }
        for i in range(start, stop)
    ]


def committed_count(session: Session, model: type) -> int:
    session.rollback()
    return (session.exec(select(func.count()).select_from(model))).one()


def count_statements(engine: Engine, prefix: str) -> list[int]:
    seen: list[int] = []

    def listener(*args: Any) -> None:
        statement = args[2]
        if statement.lstrip().upper().startswith(prefix):
            seen.append(1)

    event.listen(getattr(engine, "sync_engine", engine), "before_cursor_execute", listener)
    return seen


def test_upsert_inserts_and_updates(session: Session) -> None:
    ok, rows = crud.bulk_upsert_mappings(item_rows(1, 4, "old"), session, Item)
    assert ok is True
    assert [row.label for row in rows] == ["old-1", "old-2", "old-3"]
    payload = item_rows(2, 6)
    ok, rows = crud.bulk_upsert_mappings(payload, session, Item)
    assert ok is True
    assert [(row.id, row.label) for row in rows] == [(i, f"new-{i}") for i in range(2, 6)]
    # Returned objects are readable after the commit, without I/O.
    assert rows[0].attrs == {"n": 2, "tags": ["a", "b"]}
    _, stored = crud.get_rows(session, Item, sort_field="id")
    assert [row.label for row in stored] == ["old-1", "new-2", "new-3", "new-4", "new-5"]


def test_upsert_update_columns_and_do_nothing(session: Session) -> None:
    crud.bulk_upsert_mappings(item_rows(1, 3, "old"), session, Item)
    payload = item_rows(1, 4, "new")
    ok, rows = crud.bulk_upsert_mappings(payload, session, Item, update_columns=["price"])
    assert ok is True
    assert [row.label for row in rows] == ["old-1", "old-2", "new-3"]
    ok, rows = crud.bulk_upsert_mappings(item_rows(3, 5, "x"), session, Item, on_conflict="nothing")
    assert ok is True
    assert [row.id for row in rows] == [4]
    _, stored = crud.get_rows(session, Item, sort_field="id")
    assert [row.label for row in stored] == ["old-1", "old-2", "new-3", "x-4"]


def test_upsert_on_another_unique_key(session: Session) -> None:
    seed = [{"code": "code-1", "label": "old"}, {"code": "code-2", "label": "old"}]
    _, first = crud.bulk_upsert_mappings(seed, session, Item, pk_fields=["code"])
    first_id = first[0].id
    payload = [{"code": "code-1", "label": "by-code"}, {"code": "fresh", "label": "fresh"}]
    ok, rows = crud.bulk_upsert_mappings(payload, session, Item, pk_fields=["code"])
    assert ok is True
    assert [(row.code, row.label) for row in rows] == [("code-1", "by-code"), ("fresh", "fresh")]
    assert rows[0].id == first_id
    assert committed_count(session, Item) == 3


def test_upsert_empty_payload_runs_no_sql(session: Session, engine: Engine) -> None:
    seen = count_statements(engine, "")
    assert crud.bulk_upsert_mappings([], session, Item) == (True, [])
    assert seen == []


def test_upsert_validates_before_sql(session: Session, engine: Engine) -> None:
    seen = count_statements(engine, "")
    with pytest.raises(ValueError, match="same keys"):
        crud.bulk_upsert_mappings([{"id": 1, "code": "a"}, {"id": 2}], session, Item)
    with pytest.raises(ValueError, match="update_columns"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item, update_columns="label")
    with pytest.raises(ValueError, match="nope"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item, update_columns=["nope"])
    with pytest.raises(ValueError, match="Primary-key"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item, update_columns=["id"])
    with pytest.raises(ValueError, match="Conflict-target"):
        crud.bulk_upsert_mappings(
            item_rows(1, 2), session, Item, pk_fields=["code"], update_columns=["code"]
        )
    with pytest.raises(ValueError, match="on_conflict"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item, on_conflict="merge")
    with pytest.raises(ValueError, match="chunk_size"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item, chunk_size=0)
    assert seen == []


def test_upsert_large_payload_is_chunked_in_one_transaction(
    session: Session, engine: Engine
) -> None:
    # 20,000 rows x 6 columns = 120,000 parameters: above asyncpg's 32,767 limit.
    payload = item_rows(1, 20_001)
    ok, rows = crud.bulk_upsert_mappings(payload, session, Item)
    assert ok is True
    assert len(rows) == 20_000
    assert rows[-1].code == "code-20000"
    assert committed_count(session, Item) == 20_000
    ok, rows = crud.bulk_upsert_mappings(item_rows(10_001, 30_001, "v2"), session, Item)
    assert ok is True
    assert len(rows) == 20_000
    assert committed_count(session, Item) == 30_000
    _, sample = crud.get_row(15_000, session, Item)
    assert sample is not None
    assert sample.label == "v2-15000"


def test_failing_chunk_keeps_nothing(session: Session) -> None:
    payload = item_rows(1, 11)
    payload[8]["code"] = "code-1"  # unique violation in the last chunk
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError
        crud.bulk_upsert_mappings(payload, session, Item, chunk_size=4)
    assert committed_count(session, Item) == 0
    with pytest.raises(BulkOperationError) as info:
        crud.bulk_upsert_mappings(payload, session, Item, chunk_size=4, raise_on_error=True)
    assert info.value.total == 10
    assert info.value.failed == 10
    assert committed_count(session, Item) == 0


@pytest.mark.filterwarnings("ignore:.*session.exec.*:DeprecationWarning")
def test_rebound_upsert_construct_follows_upstream_chain(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert

    def construct(model: Any) -> Any:
        calls.append(model.__name__)
        return insert(model)

    monkeypatch.setattr(crud, "upsert", construct)
    ok, rows = crud.bulk_upsert_mappings(item_rows(1, 4), session, Item)
    assert ok is True
    assert len(rows) == 3
    assert calls == ["Item"]


def test_sql_dialect_override(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SQL_DIALECT", "oracle")
    with pytest.raises(ValueError, match="SQL_DIALECT"):
        crud.bulk_upsert_mappings(item_rows(1, 2), session, Item)
    own = session.get_bind().dialect.name
    monkeypatch.setenv("SQL_DIALECT", "postgres" if own == "postgresql" else " SQLite+pysqlite ")
    ok, rows = crud.bulk_upsert_mappings(item_rows(1, 2), session, Item)
    assert ok is True
    assert len(rows) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_bulk_update_rows(session: Session, engine: Engine) -> None:
    crud.bulk_upsert_mappings(item_rows(1, 8), session, Item)
    seen = count_statements(engine, "UPDATE")
    ok, count = crud.bulk_update_rows(
        (str(i) for i in [1, 2, 3, 4, 5, 99]), {"label": "bulk"}, session, Item, chunk_size=2
    )
    assert (ok, count) == (True, 5)
    assert len(seen) == 3
    _, rows = crud.get_rows(session, Item, label="bulk")
    assert sorted(row.id for row in rows) == [1, 2, 3, 4, 5]
    assert crud.bulk_update_rows([], {"label": "x"}, session, Item) == (True, 0)


def test_bulk_update_rows_validates_first(session: Session, engine: Engine) -> None:
    seen = count_statements(engine, "")
    with pytest.raises(ValueError, match="primary-key"):
        crud.bulk_update_rows([1], {"label": "x"}, session, Item, pk_field="code")
    with pytest.raises(ValueError, match="at least one"):
        crud.bulk_update_rows([1], {}, session, Item)
    with pytest.raises(ValueError, match="nope"):
        crud.bulk_update_rows([1], {"nope": 1}, session, Item)
    with pytest.raises(ValueError, match="Primary-key column"):
        crud.bulk_update_rows([1], {"id": 2}, session, Item)
    with pytest.raises(ValueError, match="chunk_size"):
        crud.bulk_update_rows([1], {"label": "x"}, session, Item, chunk_size=0)
    assert seen == []


def test_bulk_update_failure_rolls_back(session: Session) -> None:
    crud.bulk_upsert_mappings(item_rows(1, 4), session, Item)
    with pytest.raises(BulkOperationError):
        crud.bulk_update_rows(
            [1, 2], {"code": "same"}, session, Item, chunk_size=1, raise_on_error=True
        )
    _, rows = crud.get_rows(session, Item, code="same")
    assert rows == []


def test_delete_rows_within_id_list_hard(session: Session, engine: Engine) -> None:
    crud.bulk_upsert_mappings(item_rows(1, 8), session, Item)
    seen = count_statements(engine, "DELETE")
    ok, count = crud.delete_rows_within_id_list({1, 2, 3, 4, 5}, session, Item, chunk_size=2)
    assert (ok, count) == (True, 5)
    assert len(seen) == 3
    assert committed_count(session, Item) == 2
    assert crud.delete_rows_within_id_list([], session, Item) == (True, 0)


def test_delete_rows_within_id_list_soft(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = [Note(body=f"n{i}") for i in range(4)]
    crud.insert_data_rows(notes, session)
    ids = [note.id for note in notes]
    calls: list[int] = []

    def fixed_now() -> dt.datetime:
        calls.append(1)
        return NOW

    monkeypatch.setattr(crud, "soft_delete_timestamp", fixed_now)
    ok, count = crud.delete_rows_within_id_list(
        ids[:2], session, Note, soft=True, deleted_by="alice", chunk_size=1
    )
    assert (ok, count) == (True, 2)
    assert calls == [1]
    # Already-deleted rows are neither touched nor counted.
    ok, count = crud.delete_rows_within_id_list(ids[:3], session, Note, soft=True)
    assert (ok, count) == (True, 1)
    session.expunge_all()
    _, rows = crud.get_rows(session, Note, sort_field="id")
    assert [row.is_deleted for row in rows] == [True, True, True, False]
    assert [row.deleted_by for row in rows] == ["alice", "alice", None, None]
    first = rows[0].deleted_at
    assert first is not None
    assert first.replace(tzinfo=dt.timezone.utc) == NOW


def test_delete_rows_validates_first(session: Session) -> None:
    with pytest.raises(ValueError, match="deleted_by"):
        crud.delete_rows_within_id_list([1], session, Note, deleted_by="x")
    with pytest.raises(ValueError, match="is_deleted"):
        crud.delete_rows_within_id_list([1], session, Item, soft=True)
    with pytest.raises(ValueError, match="chunk_size"):
        crud.delete_rows_within_id_list([1], session, Note, chunk_size=-1)
