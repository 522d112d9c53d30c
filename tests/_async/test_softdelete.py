"""Soft delete: row helpers, opt-in exclusion from reads, upserts that never resurrect."""

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils.exceptions import DuplicateKeyError, RecordNotFoundError
from sqlmodel_crud_utils.softdelete import exclude_deleted_in, exclude_deleted_rows
from tests.models import Item, Member


@pytest.fixture(autouse=True)
def filter_off() -> Iterator[None]:
    yield
    exclude_deleted_rows(Member, enabled=False)


async def seed(session: AsyncSession) -> list[int]:
    rows = [Member(email=f"m{i}@x.org", name=f"m{i}") for i in range(3)]
    await crud.insert_data_rows(rows, session)
    return [row.id for row in rows if row.id is not None]


async def test_soft_delete_and_restore_row(session: AsyncSession) -> None:
    ids = await seed(session)
    ok, row = await crud.soft_delete_row(str(ids[0]), session, Member, deleted_by="alice")
    assert ok is True
    assert row is not None
    assert (row.is_deleted, row.deleted_by) == (True, "alice")
    assert row.deleted_at is not None
    assert abs(
        row.deleted_at.replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)
    ) < dt.timedelta(minutes=5)
    ok, row = await crud.restore_row(ids[0], session, Member)
    assert ok is True
    assert row is not None
    assert (row.is_deleted, row.deleted_at, row.deleted_by) == (False, None, None)
    assert await crud.soft_delete_row(9999, session, Member) == (False, None)
    with pytest.raises(RecordNotFoundError):
        await crud.restore_row(9999, session, Member, raise_on_error=True)
    with pytest.raises(ValueError, match="is_deleted"):
        await crud.soft_delete_row(1, session, Item)


async def test_opt_in_exclusion_per_model(session: AsyncSession) -> None:
    ids = await seed(session)
    await crud.soft_delete_row(ids[1], session, Member)
    assert len((await crud.get_rows(session, Member))[1]) == 3
    exclude_deleted_rows(Member)
    _, rows = await crud.get_rows(session, Member, sort_field="id")
    assert [row.id for row in rows] == [ids[0], ids[2]]
    assert await crud.get_row(ids[1], session, Member) == (False, None)
    _, rows = await crud.get_rows_within_id_list(ids, session, Member)
    assert len(rows) == 2
    escaped = (await session.exec(select(Member).execution_options(include_deleted=True))).all()
    assert len(escaped) == 3
    # restore_row still finds the deleted row.
    assert (await crud.restore_row(ids[1], session, Member))[0] is True
    assert len((await crud.get_rows(session, Member))[1]) == 3


async def test_opt_in_exclusion_per_session(session: AsyncSession) -> None:
    ids = await seed(session)
    await crud.delete_rows_within_id_list(ids[:2], session, Member, soft=True)
    exclude_deleted_in(session)
    _, rows = await crud.get_rows(session, Member)
    assert [row.id for row in rows] == [ids[2]]
    exclude_deleted_in(session, enabled=False)
    assert len((await crud.get_rows(session, Member))[1]) == 3


async def test_upsert_never_resurrects_unless_asked(session: AsyncSession) -> None:
    ids = await seed(session)
    await crud.soft_delete_row(ids[0], session, Member, deleted_by="bob")
    payload = [{"id": ids[0], "email": "m0@x.org", "name": "back?"}]
    ok, rows = await crud.bulk_upsert_mappings(payload, session, Member)
    assert ok is True
    assert rows == []
    session.expunge_all()
    _, row = await crud.get_row(ids[0], session, Member)
    assert row is not None
    assert (row.name, row.is_deleted) == ("m0", True)
    ok, rows = await crud.bulk_upsert_mappings(payload, session, Member, resurrect=True)
    assert [(r.name, r.is_deleted, r.deleted_by) for r in rows] == [("back?", False, None)]


async def test_unique_index_ignores_deleted_rows(session: AsyncSession) -> None:
    ids = await seed(session)
    with pytest.raises(DuplicateKeyError):
        await crud.write_row(Member(email="m0@x.org"), session, raise_on_error=True)
    await crud.soft_delete_row(ids[0], session, Member)
    ok, again = await crud.write_row(Member(email="m0@x.org", name="new"), session)
    assert ok is True
    assert again is not None
