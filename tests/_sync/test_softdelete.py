# This file is generated from tests/_async/test_softdelete.py by scripts/unasync.py. Do not edit it by hand.
"""Soft delete: row helpers, opt-in exclusion from reads, upserts that never resurrect."""

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.exceptions import DuplicateKeyError, RecordNotFoundError
from sqlmodel_crud_utils.softdelete import exclude_deleted_in, exclude_deleted_rows
from tests.models import Item, Member


@pytest.fixture(autouse=True)
def filter_off() -> Iterator[None]:
    yield
    exclude_deleted_rows(Member, enabled=False)


def seed(session: Session) -> list[int]:
    rows = [Member(email=f"m{i}@x.org", name=f"m{i}") for i in range(3)]
    crud.insert_data_rows(rows, session)
    return [row.id for row in rows if row.id is not None]


def test_soft_delete_and_restore_row(session: Session) -> None:
    ids = seed(session)
    ok, row = crud.soft_delete_row(str(ids[0]), session, Member, deleted_by="alice")
    assert ok is True
    assert row is not None
    assert (row.is_deleted, row.deleted_by) == (True, "alice")
    assert row.deleted_at is not None
    assert abs(
        row.deleted_at.replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)
    ) < dt.timedelta(minutes=5)
    ok, row = crud.restore_row(ids[0], session, Member)
    assert ok is True
    assert row is not None
    assert (row.is_deleted, row.deleted_at, row.deleted_by) == (False, None, None)
    assert crud.soft_delete_row(9999, session, Member) == (False, None)
    with pytest.raises(RecordNotFoundError):
        crud.restore_row(9999, session, Member, raise_on_error=True)
    with pytest.raises(ValueError, match="is_deleted"):
        crud.soft_delete_row(1, session, Item)


def test_opt_in_exclusion_per_model(session: Session) -> None:
    ids = seed(session)
    crud.soft_delete_row(ids[1], session, Member)
    assert len((crud.get_rows(session, Member))[1]) == 3
    exclude_deleted_rows(Member)
    _, rows = crud.get_rows(session, Member, sort_field="id")
    assert [row.id for row in rows] == [ids[0], ids[2]]
    assert crud.get_row(ids[1], session, Member) == (False, None)
    _, rows = crud.get_rows_within_id_list(ids, session, Member)
    assert len(rows) == 2
    escaped = (session.exec(select(Member).execution_options(include_deleted=True))).all()
    assert len(escaped) == 3
    # restore_row still finds the deleted row.
    assert (crud.restore_row(ids[1], session, Member))[0] is True
    assert len((crud.get_rows(session, Member))[1]) == 3


def test_opt_in_exclusion_per_session(session: Session) -> None:
    ids = seed(session)
    crud.delete_rows_within_id_list(ids[:2], session, Member, soft=True)
    exclude_deleted_in(session)
    _, rows = crud.get_rows(session, Member)
    assert [row.id for row in rows] == [ids[2]]
    exclude_deleted_in(session, enabled=False)
    assert len((crud.get_rows(session, Member))[1]) == 3


def test_upsert_never_resurrects_unless_asked(session: Session) -> None:
    ids = seed(session)
    crud.soft_delete_row(ids[0], session, Member, deleted_by="bob")
    payload = [{"id": ids[0], "email": "m0@x.org", "name": "back?"}]
    ok, rows = crud.bulk_upsert_mappings(payload, session, Member)
    assert ok is True
    assert rows == []
    session.expunge_all()
    _, row = crud.get_row(ids[0], session, Member)
    assert row is not None
    assert (row.name, row.is_deleted) == ("m0", True)
    ok, rows = crud.bulk_upsert_mappings(payload, session, Member, resurrect=True)
    assert [(r.name, r.is_deleted, r.deleted_by) for r in rows] == [("back?", False, None)]


def test_unique_index_ignores_deleted_rows(session: Session) -> None:
    ids = seed(session)
    with pytest.raises(DuplicateKeyError):
        crud.write_row(Member(email="m0@x.org"), session, raise_on_error=True)
    crud.soft_delete_row(ids[0], session, Member)
    ok, again = crud.write_row(Member(email="m0@x.org", name="new"), session)
    assert ok is True
    assert again is not None
