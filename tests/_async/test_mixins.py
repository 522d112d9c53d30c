"""Mixins on every backend: audit columns, soft delete, timestamps, UUID keys, versions."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils.audit import acting_as, reset_current_user, set_current_user
from sqlmodel_crud_utils.exceptions import ConcurrencyError, SQLModelCRUDError
from sqlmodel_crud_utils.mixins import raise_on_conflict
from tests.mixin_models import MxAwareNote, MxDoc, MxNote, MxPost, MxStamped, MxToken

UTC = dt.timezone.utc


def shares_connection(engine: AsyncEngine) -> bool:
    """In-memory SQLite: every session uses the one connection of a static pool."""
    return engine.url.database in (None, "", ":memory:")


async def fresh(engine: AsyncEngine, model: type, ident: object) -> object:
    """Read one row with a new session (a real round trip, nothing from memory)."""
    async with AsyncSession(engine) as reader:
        return (await reader.exec(select(model).where(model.id == ident))).one()


# --------------------------------------------------------------------------- audit columns


async def test_audit_mixin_timestamps(session: AsyncSession, engine: AsyncEngine) -> None:
    before = dt.datetime.now(UTC)
    note = MxNote(body="a")
    assert note.created_at.tzinfo is not None
    assert note.updated_at is None
    ok, saved = await crud.write_row(note, session)
    assert ok is True
    assert saved is not None
    note_id = note.id
    stored = await fresh(engine, MxNote, note_id)
    assert isinstance(stored, MxNote)
    # Stored as UTC without offset: naive after the round trip (upstream's behaviour).
    assert stored.created_at.tzinfo is None
    assert abs(stored.created_at.replace(tzinfo=UTC) - before) < dt.timedelta(minutes=1)
    assert stored.updated_at is None
    assert stored.created_by is None
    assert stored.updated_by is None

    # An ORM update fills updated_at ...
    assert (await crud.update_row(note_id, {"body": "b"}, session, MxNote))[0] is True
    stored = await fresh(engine, MxNote, note_id)
    assert isinstance(stored, MxNote)
    assert stored.updated_at is not None
    first_update = stored.updated_at

    # ... and so does a Core UPDATE (column onupdate).
    await session.exec(update(MxNote).where(MxNote.id == note_id).values(body="c"))
    await session.commit()
    stored = await fresh(engine, MxNote, note_id)
    assert isinstance(stored, MxNote)
    assert stored.body == "c"
    assert stored.updated_at is not None
    assert stored.updated_at >= first_update


async def test_audit_mixin_accepts_naive_values(session: AsyncSession, engine: AsyncEngine) -> None:
    naive = dt.datetime(2024, 5, 6, 1, 2, 3)
    aware = dt.datetime(2024, 5, 6, 9, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    first = MxNote(body="naive", created_at=naive)
    second = MxNote(body="aware", created_at=aware)
    assert (await crud.insert_data_rows([first, second], session))[0] is True
    stored_first = await fresh(engine, MxNote, first.id)
    stored_second = await fresh(engine, MxNote, second.id)
    assert isinstance(stored_first, MxNote)
    assert isinstance(stored_second, MxNote)
    assert stored_first.created_at == naive
    # The aware value was converted to UTC before its offset was dropped.
    assert stored_second.created_at == dt.datetime(2024, 5, 6, 7, 8, 9)
    # Filtering with an aware value compares in UTC.
    rows = (await session.exec(select(MxNote).where(MxNote.created_at == aware))).all()
    assert [row.body for row in rows] == ["aware"]


async def test_aware_mixins_return_aware_utc(session: AsyncSession, engine: AsyncEngine) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    note = MxAwareNote(body="x", created_at=dt.datetime(2025, 1, 2, 13, 0, tzinfo=paris))
    note.soft_delete("carol")
    assert (await crud.write_row(note, session))[0] is True
    stored = await fresh(engine, MxAwareNote, note.id)
    assert isinstance(stored, MxAwareNote)
    assert stored.created_at == dt.datetime(2025, 1, 2, 12, 0, tzinfo=UTC)
    assert stored.created_at.utcoffset() == dt.timedelta(0)
    assert stored.deleted_at is not None
    assert stored.deleted_at.tzinfo is not None
    assert stored.deleted_by == "carol"
    await crud.update_row(note.id, {"body": "y"}, session, MxAwareNote)
    stored = await fresh(engine, MxAwareNote, note.id)
    assert isinstance(stored, MxAwareNote)
    assert stored.updated_at is not None
    assert stored.updated_at.utcoffset() == dt.timedelta(0)
    # Naive input counts as UTC.
    naive_note = MxAwareNote(body="n", created_at=dt.datetime(2025, 3, 4, 5, 6, 7))
    assert (await crud.write_row(naive_note, session))[0] is True
    stored = await fresh(engine, MxAwareNote, naive_note.id)
    assert isinstance(stored, MxAwareNote)
    assert stored.created_at == dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


# --------------------------------------------------------------------------- soft delete


async def test_soft_delete_mixin(session: AsyncSession, engine: AsyncEngine) -> None:
    keep, drop = MxPost(title="keep"), MxPost(title="drop")
    assert (await crud.insert_data_rows([keep, drop], session))[0] is True
    drop.soft_delete("mallory")
    assert drop.is_deleted is True
    assert drop.deleted_by == "mallory"
    assert drop.deleted_at is not None
    assert drop.deleted_at.tzinfo is not None
    assert (await crud.write_row(drop, session))[0] is True
    drop_id = drop.id
    _, alive = await crud.get_rows(session, MxPost, is_deleted=False)
    assert [post.title for post in alive] == ["keep"]
    # No automatic filtering: deleted rows are still there.
    assert len((await crud.get_rows(session, MxPost))[1]) == 2
    await session.commit()  # end the read transaction (in-memory SQLite shares it)
    stored = await fresh(engine, MxPost, drop_id)
    assert isinstance(stored, MxPost)
    assert stored.is_deleted is True
    assert stored.deleted_at is not None
    assert stored.deleted_at.tzinfo is None

    drop.restore()
    assert (drop.is_deleted, drop.deleted_at, drop.deleted_by) == (False, None, None)
    assert (await crud.write_row(drop, session))[0] is True
    stored = await fresh(engine, MxPost, drop_id)
    assert isinstance(stored, MxPost)
    assert (stored.is_deleted, stored.deleted_at, stored.deleted_by) == (False, None, None)


async def test_bulk_soft_delete_on_mixin_model(session: AsyncSession, engine: AsyncEngine) -> None:
    posts = [MxPost(title=str(index)) for index in range(3)]
    await crud.insert_data_rows(posts, session)
    ids = [post.id for post in posts]
    ok, count = await crud.delete_rows_within_id_list(
        ids[:2], session, MxPost, soft=True, deleted_by="ops"
    )
    assert (ok, count) == (True, 2)
    stored = await fresh(engine, MxPost, ids[0])
    assert isinstance(stored, MxPost)
    assert stored.is_deleted is True
    assert stored.deleted_by == "ops"


# --------------------------------------------------------------------------- timestamps


async def test_timestamp_mixin_server_defaults(session: AsyncSession, engine: AsyncEngine) -> None:
    assert "created_at" not in MxStamped.model_fields
    row = MxStamped(label="a")
    assert "created_at" not in row.model_dump()
    ok, saved = await crud.write_row(row, session)
    assert ok is True
    assert saved is not None
    stored = await fresh(engine, MxStamped, row.id)
    assert isinstance(stored, MxStamped)
    created = stored.created_at  # type: ignore[attr-defined]
    assert isinstance(created, dt.datetime)
    assert isinstance(stored.updated_at, dt.datetime)  # type: ignore[attr-defined]
    await crud.update_row(row.id, {"label": "b"}, session, MxStamped)
    stored = await fresh(engine, MxStamped, row.id)
    assert stored.updated_at >= created  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- current user


async def test_current_user_fills_audit_columns(session: AsyncSession, engine: AsyncEngine) -> None:
    with acting_as("alice"):
        session.add(MxNote(body="plain add"))
        await session.commit()
        ok, by_helper = await crud.write_row(MxNote(body="helper"), session)
        assert ok is True
        assert by_helper is not None
        assert (by_helper.created_by, by_helper.updated_by) == ("alice", "alice")
    rows = (await session.exec(select(MxNote).order_by(MxNote.id))).all()
    assert [(row.created_by, row.updated_by) for row in rows] == [("alice", "alice")] * 2
    first_id, second_id = rows[0].id, rows[1].id

    with acting_as("bob"):
        ok, changed = await crud.update_row(first_id, {"body": "edited"}, session, MxNote)
        assert ok is True
        assert changed is not None
        assert (changed.created_by, changed.updated_by) == ("alice", "bob")
        # Values the caller set are kept.
        explicit = MxNote(body="explicit", created_by="system", updated_by="system")
        await crud.write_row(explicit, session)
        explicit_id = explicit.id
        await crud.update_row(second_id, {"body": "x", "updated_by": "robot"}, session, MxNote)
    stored = await fresh(engine, MxNote, explicit_id)
    assert isinstance(stored, MxNote)
    assert (stored.created_by, stored.updated_by) == ("system", "system")
    stored = await fresh(engine, MxNote, second_id)
    assert isinstance(stored, MxNote)
    assert stored.updated_by == "robot"

    # Without a current user nothing is filled.
    ok, anonymous = await crud.write_row(MxNote(body="nobody"), session)
    assert anonymous is not None
    assert (anonymous.created_by, anonymous.updated_by) == (None, None)


async def test_current_user_token_and_unchanged_rows(session: AsyncSession) -> None:
    token = set_current_user("x" * 150)
    try:
        note = MxNote(body="long")
        session.add(note)
        await session.flush()
        assert note.created_by == "x" * 100
        # Nothing changed: the flush does not touch updated_by.
        note.updated_by = None
        await session.commit()
        await session.refresh(note)
        note.body = "long"
        await session.commit()
        await session.refresh(note)
        assert note.updated_by is None
    finally:
        reset_current_user(token)


# --------------------------------------------------------------------------- UUID keys


async def test_uuid_primary_key_mixin(session: AsyncSession, engine: AsyncEngine) -> None:
    tokens = [MxToken(label=str(index)) for index in range(50)]
    # Generated client-side, before any flush; time-ordered.
    assert all(token.id.version == 7 for token in tokens)
    assert [token.id for token in tokens] == sorted(token.id for token in tokens)
    ids = [token.id for token in tokens]
    assert (await crud.insert_data_rows(tokens, session))[0] is True
    ok, found = await crud.get_row(str(tokens[3].id), session, MxToken)
    assert ok is True
    assert found is not None
    assert found.label == "3"
    await session.commit()  # end the read transaction (in-memory SQLite shares it)
    stored = await fresh(engine, MxToken, ids[7])
    assert isinstance(stored, MxToken)
    assert isinstance(stored.id, uuid.UUID)
    assert stored.id == ids[7]


# --------------------------------------------------------------------------- versions


async def test_version_counter_increments(session: AsyncSession) -> None:
    ok, doc = await crud.write_row(MxDoc(title="v1"), session)
    assert doc is not None
    assert doc.version == 1
    ok, doc = await crud.update_row(doc.id, {"title": "v2"}, session, MxDoc)
    assert ok is True
    assert doc is not None
    assert doc.version == 2


async def test_stale_commit_raises_concurrency_error(engine: AsyncEngine) -> None:
    if shares_connection(engine):
        pytest.skip("two writers need their own connections (file or server database)")
    async with AsyncSession(engine) as setup:
        doc = MxDoc(title="draft")
        setup.add(doc)
        await setup.flush()
        doc_id = doc.id
        await setup.commit()
    async with (
        AsyncSession(engine, expire_on_commit=False) as first,
        AsyncSession(engine, expire_on_commit=False) as second,
    ):
        mine = await first.get(MxDoc, doc_id)
        theirs = await second.get(MxDoc, doc_id)
        assert mine is not None
        assert theirs is not None
        # Both reads end their transactions (as two requests would).
        await first.commit()
        await second.commit()
        mine.title = "first"
        await first.commit()
        theirs.title = "second"
        with pytest.raises(ConcurrencyError) as info, raise_on_conflict():
            await second.commit()
        assert isinstance(info.value, SQLModelCRUDError)
        assert info.value.original_error is info.value.__cause__
        await second.rollback()
    stored = await fresh(engine, MxDoc, doc_id)
    assert isinstance(stored, MxDoc)
    assert (stored.title, stored.version) == ("first", 2)


async def test_stale_update_row_raises_concurrency_error(engine: AsyncEngine) -> None:
    if shares_connection(engine):
        pytest.skip("two writers need their own connections (file or server database)")
    async with AsyncSession(engine) as setup:
        doc = MxDoc(title="draft")
        setup.add(doc)
        await setup.flush()
        doc_id = doc.id
        await setup.commit()
    async with (
        AsyncSession(engine, expire_on_commit=False) as first,
        AsyncSession(engine, expire_on_commit=False) as second,
    ):
        # The second session holds version 1 in its identity map (a strong reference
        # keeps it there).
        held = await second.get(MxDoc, doc_id)
        assert held is not None
        await second.commit()
        assert (await crud.update_row(doc_id, {"title": "first"}, first, MxDoc))[0] is True
        with pytest.raises(ConcurrencyError):
            await crud.update_row(doc_id, {"title": "second"}, second, MxDoc, raise_on_error=True)
        # The session stays usable: reload the row and apply the change again.
        second.expire(held)
        ok, row = await crud.update_row(doc_id, {"title": "second"}, second, MxDoc)
        assert ok is True
        assert row is not None
        assert row.version == 3
        # Stale again, in default mode: the usual failure tuple.
        assert (await crud.update_row(doc_id, {"title": "first again"}, first, MxDoc))[0] is True
        ok, row = await crud.update_row(doc_id, {"title": "lost"}, second, MxDoc)
        assert ok is False
        assert row is held
    stored = await fresh(engine, MxDoc, doc_id)
    assert isinstance(stored, MxDoc)
    assert (stored.title, stored.version) == ("first again", 4)
