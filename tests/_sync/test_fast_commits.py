# This file is generated from tests/_async/test_fast_commits.py by scripts/unasync.py. Do not edit it by hand.
"""Direct writes outside a transaction commit alone and leave the session as a commit does."""

from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.cache import InMemoryCache, configure_cache
from tests._sync.test_fast_paths import add_items
from tests.models import Item
from tests.statements import count_statements


def plain(session: Session) -> Any:
    return getattr(session, "sync_session", session)


@pytest.mark.parametrize("write", ["update", "delete"])
def test_a_direct_write_expires_loaded_objects_like_a_commit(
    session: Session, engine: Engine, write: str
) -> None:
    (written_key,) = add_items(session, "written")
    # A returned object stays loaded after its commit; the session has no transaction.
    ok, loaded = crud.write_row(Item(code="loaded"), session)
    assert ok is True
    assert loaded is not None
    assert not sa_inspect(loaded).expired_attributes
    assert not session.in_transaction()
    with count_statements(engine) as seen:
        if write == "update":
            ok, item = crud.update_row(written_key, {"label": "new"}, session, Item)
            assert ok is True
            assert item is not None
            # The returned object holds the written row and is not expired.
            assert not sa_inspect(item).expired_attributes
            assert (item.code, item.label) == ("written", "new")
        else:
            assert crud.delete_row(written_key, session, Item) is True
    assert [statement.split()[0].upper() for statement in seen] == [write.upper()]
    assert not session.in_transaction()
    # expire_on_commit: what the session had loaded is expired, as after a commit.
    assert "code" in sa_inspect(loaded).expired_attributes
    session.refresh(loaded)
    assert loaded.code == "loaded"


def test_without_expire_on_commit_loaded_objects_keep_their_values(
    engine: Engine,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        first, second = add_items(session, "kept", "changed")
        loaded = session.get(Item, first)
        assert loaded is not None
        session.commit()
        ok, _ = crud.update_row(second, {"label": "x"}, session, Item)
        assert ok is True
        assert not sa_inspect(loaded).expired_attributes
        assert loaded.code == "kept"


@pytest.mark.parametrize("write", ["update", "delete"])
def test_transaction_listeners_see_the_session_commit(session: Session, write: str) -> None:
    (key,) = add_items(session, "listened")
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
            assert (crud.update_row(key, {"label": "y"}, session, Item))[0] is True
        else:
            assert crud.delete_row(key, session, Item) is True
    finally:
        for name, fn in listeners.items():
            event.remove(plain(session), name, fn)
    # With listeners on the session's transaction events the write goes through it.
    assert "after_begin" in fired
    assert "after_commit" in fired


def test_a_session_bound_to_a_connection_writes_in_its_transaction(
    engine: Engine,
) -> None:
    with Session(engine) as setup:
        (key,) = add_items(setup, "joined")
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
            ok, item = crud.update_row(key, {"label": "inside"}, session, Item)
            assert ok is True
            assert item is not None
            assert item.label == "inside"
        outer.rollback()
    with Session(engine) as fresh:
        stored = (fresh.exec(select(Item).where(Item.id == key))).one()
        assert stored.label == ""


def test_cached_reads_are_invalidated_by_a_direct_write(session: Session) -> None:
    (key,) = add_items(session, "cached")
    configure_cache(InMemoryCache())
    try:
        ok, first = crud.get_row(key, session, Item, use_cache=True)
        assert ok is True
        assert first is not None
        assert first.label == ""
        session.rollback()
        session.expunge_all()
        ok, _ = crud.update_row(key, {"label": "fresh"}, session, Item)
        assert ok is True
        session.expunge_all()
        ok, again = crud.get_row(key, session, Item, use_cache=True)
        assert ok is True
        assert again is not None
        assert again.label == "fresh"
    finally:
        configure_cache(None)


def test_a_miss_and_a_failure_leave_no_transaction(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "one")
    assert crud.update_row(987_654, {"label": "z"}, session, Item) == (False, None)
    assert crud.delete_row(987_654, session, Item) is False
    assert not session.in_transaction()
    # A value the database refuses: the stored row comes back unchanged.
    (other,) = add_items(session, "two")
    ok, stored = crud.update_row(other, {"code": "one"}, session, Item)
    assert ok is False
    assert stored is not None
    assert stored.code == "two"
    assert not session.in_transaction()
    with Session(engine) as fresh:
        assert sorted((fresh.exec(select(Item.code))).all()) == ["one", "two"]
