"""Direct writes outside a transaction commit alone and leave the session as a commit does."""

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils.cache import InMemoryCache, configure_cache
from tests._async.test_fast_paths import add_items
from tests.models import Item
from tests.statements import count_statements


def plain(session: AsyncSession) -> Any:
    return getattr(session, "sync_session", session)


@pytest.mark.parametrize("write", ["update", "delete"])
async def test_a_direct_write_expires_loaded_objects_like_a_commit(
    session: AsyncSession, engine: AsyncEngine, write: str
) -> None:
    (written_key,) = await add_items(session, "written")
    # A returned object stays loaded after its commit; the session has no transaction.
    ok, loaded = await crud.write_row(Item(code="loaded"), session)
    assert ok is True
    assert loaded is not None
    assert not sa_inspect(loaded).expired_attributes
    assert not session.in_transaction()
    with count_statements(engine) as seen:
        if write == "update":
            ok, item = await crud.update_row(written_key, {"label": "new"}, session, Item)
            assert ok is True
            assert item is not None
            # The returned object holds the written row and is not expired.
            assert not sa_inspect(item).expired_attributes
            assert (item.code, item.label) == ("written", "new")
        else:
            assert await crud.delete_row(written_key, session, Item) is True
    assert [statement.split()[0].upper() for statement in seen] == [write.upper()]
    assert not session.in_transaction()
    # expire_on_commit: what the session had loaded is expired, as after a commit.
    assert "code" in sa_inspect(loaded).expired_attributes
    await session.refresh(loaded)
    assert loaded.code == "loaded"


async def test_without_expire_on_commit_loaded_objects_keep_their_values(
    engine: AsyncEngine,
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        first, second = await add_items(session, "kept", "changed")
        loaded = await session.get(Item, first)
        assert loaded is not None
        await session.commit()
        ok, _ = await crud.update_row(second, {"label": "x"}, session, Item)
        assert ok is True
        assert not sa_inspect(loaded).expired_attributes
        assert loaded.code == "kept"


@pytest.mark.parametrize("write", ["update", "delete"])
async def test_transaction_listeners_see_the_session_commit(
    session: AsyncSession, write: str
) -> None:
    (key,) = await add_items(session, "listened")
    fired: list[str] = []
    names = ("after_begin", "after_commit", "after_transaction_end")

    def recorder(name: str) -> Any:
        def record(*_args: Any) -> None:
            fired.append(name)

        return record

    listeners = {name: recorder(name) for name in names}
    for name, fn in listeners.items():
        event.listen(plain(session), name, fn)
    try:
        if write == "update":
            assert (await crud.update_row(key, {"label": "y"}, session, Item))[0] is True
        else:
            assert await crud.delete_row(key, session, Item) is True
    finally:
        for name, fn in listeners.items():
            event.remove(plain(session), name, fn)
    # With listeners on the session's transaction events the write goes through it.
    assert "after_begin" in fired
    assert "after_commit" in fired


async def test_a_session_bound_to_a_connection_writes_in_its_transaction(
    engine: AsyncEngine,
) -> None:
    async with AsyncSession(engine) as setup:
        (key,) = await add_items(setup, "joined")
    async with engine.connect() as conn:
        outer = await conn.begin()
        async with AsyncSession(bind=conn, join_transaction_mode="create_savepoint") as session:
            ok, item = await crud.update_row(key, {"label": "inside"}, session, Item)
            assert ok is True
            assert item is not None
            assert item.label == "inside"
        await outer.rollback()
    async with AsyncSession(engine) as fresh:
        stored = (await fresh.exec(select(Item).where(Item.id == key))).one()
        assert stored.label == ""


async def test_cached_reads_are_invalidated_by_a_direct_write(session: AsyncSession) -> None:
    (key,) = await add_items(session, "cached")
    configure_cache(InMemoryCache())
    try:
        ok, first = await crud.get_row(key, session, Item, use_cache=True)
        assert ok is True
        assert first is not None
        assert first.label == ""
        await session.rollback()
        session.expunge_all()
        ok, _ = await crud.update_row(key, {"label": "fresh"}, session, Item)
        assert ok is True
        session.expunge_all()
        ok, again = await crud.get_row(key, session, Item, use_cache=True)
        assert ok is True
        assert again is not None
        assert again.label == "fresh"
    finally:
        configure_cache(None)


async def test_a_miss_and_a_failure_leave_no_transaction(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    (key,) = await add_items(session, "one")
    assert await crud.update_row(987_654, {"label": "z"}, session, Item) == (False, None)
    assert await crud.delete_row(987_654, session, Item) is False
    assert not session.in_transaction()
    # A value the database refuses: the stored row comes back unchanged.
    (other,) = await add_items(session, "two")
    ok, stored = await crud.update_row(other, {"code": "one"}, session, Item)
    assert ok is False
    assert stored is not None
    assert stored.code == "two"
    assert not session.in_transaction()
    async with AsyncSession(engine) as fresh:
        assert sorted((await fresh.exec(select(Item.code))).all()) == ["one", "two"]
