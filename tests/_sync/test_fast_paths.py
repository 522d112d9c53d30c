# This file is generated from tests/_async/test_fast_paths.py by scripts/unasync.py. Do not edit it by hand.
"""delete_row's one-statement path is observably the same as loading and deleting the row."""

from typing import Any

import pytest
from sqlalchemy import Engine, event, func, text
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select

from sqlmodel_crud_utils import hooks
from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.audit import acting_as
from sqlmodel_crud_utils.cache import InMemoryCache, configure_cache
from sqlmodel_crud_utils.exceptions import (
    DuplicateKeyError,
    RecordNotFoundError,
    SchemaError,
    TransactionError,
)
from sqlmodel_crud_utils.transactions import transaction
from tests.mixin_models import MxNote
from tests.models import Item, Team
from tests.statements import count_statements
from tests.support import isolated_hooks


def stored_codes(engine: Engine) -> list[str]:
    with Session(engine) as fresh:
        return sorted((fresh.exec(select(Item.code))).all())


def add_items(session: Session, *codes: str) -> list[int]:
    ids = []
    for code in codes:
        ok, item = crud.write_row(Item(code=code), session)
        assert ok is True
        assert item is not None
        assert item.id is not None
        ids.append(item.id)
    session.expunge_all()
    return ids


def first_words(statements: list[str]) -> list[str]:
    return [statement.split()[0].upper() for statement in statements]


def test_plain_model_deletes_with_one_statement(session: Session, engine: Engine) -> None:
    first, second = add_items(session, "a", "b")
    with count_statements(engine) as seen:
        assert crud.delete_row(str(first), session, Item) is True
    assert first_words(seen) == ["DELETE"]
    assert not session.in_transaction()
    assert stored_codes(engine) == ["b"]
    assert crud.delete_row(second, session, Item, raise_on_error=True) is True
    assert stored_codes(engine) == []


def test_missing_row_writes_nothing_and_holds_no_transaction(
    session: Session, engine: Engine, other_session: Session
) -> None:
    add_items(session, "kept")
    assert crud.delete_row(987_654, session, Item) is False
    # No transaction (and so no SQLite write lock) is left open by the miss.
    assert not session.in_transaction()
    ok, _ = crud.write_row(Item(code="other"), other_session, raise_on_error=True)
    assert ok is True
    with pytest.raises(RecordNotFoundError):
        crud.delete_row(987_654, session, Item, raise_on_error=True)
    assert not session.in_transaction()
    assert stored_codes(engine) == ["kept", "other"]


def test_loaded_row_is_deleted_through_the_session(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "loaded")
    _, item = crud.get_row(key, session, Item)
    assert item is not None
    assert crud.delete_row(key, session, Item) is True
    # The loaded object follows the ORM delete: it knows it was deleted.
    assert sa_inspect(item).was_deleted
    assert stored_codes(engine) == []


def test_pending_changes_are_flushed_in_order(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "old")
    session.add(Item(code="pending"))
    assert crud.delete_row(key, session, Item) is True
    assert stored_codes(engine) == ["pending"]


def test_block_rollback_restores_a_directly_deleted_row(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "in-block")
    with pytest.raises(TransactionError):
        with transaction(session):
            assert crud.delete_row(key, session, Item) is True
            assert crud.delete_row(key, session, Item) is False
            raise RuntimeError("undo")
    assert stored_codes(engine) == ["in-block"]
    with transaction(session):
        assert crud.delete_row(key, session, Item) is True
    assert stored_codes(engine) == []


def test_hooks_and_flush_listeners_still_see_the_row(session: Session) -> None:
    first, second = add_items(session, "hooked", "listened")
    seen: list[Any] = []
    with isolated_hooks():
        hooks.register_hook(Item, "before_delete", lambda ctx: seen.extend(ctx.rows))
        assert crud.delete_row(first, session, Item) is True
    assert [row.code for row in seen] == ["hooked"]

    flushed: list[Any] = []

    def record(flushing: Any, *_args: Any) -> None:
        flushed.extend(flushing.deleted)

    target = getattr(session, "sync_session", session)
    event.listen(target, "before_flush", record)
    try:
        assert crud.delete_row(second, session, Item) is True
    finally:
        event.remove(target, "before_flush", record)
    assert [row.code for row in flushed] == ["listened"]


def test_cached_row_is_invalidated(session: Session) -> None:
    (key,) = add_items(session, "cached")
    configure_cache(InMemoryCache())
    try:
        assert (crud.get_row(key, session, Item, use_cache=True))[0] is True
        session.expunge_all()
        session.rollback()
        assert crud.delete_row(key, session, Item) is True
        assert crud.get_row(key, session, Item, use_cache=True) == (False, None)
    finally:
        configure_cache(None)


def test_failures_are_reported_like_the_orm_path(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "x")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE items"))
    # A missing table fails like the row lookup did: raised, typed on request.
    with pytest.raises(Exception, match="items"):
        crud.delete_row(key, session, Item)
    with pytest.raises(SchemaError):
        crud.delete_row(key, session, Item, raise_on_error=True)
    assert not session.in_transaction()


def test_models_with_relationships_keep_the_orm_path(session: Session, engine: Engine) -> None:
    _, team = crud.write_row(Team(name="T"), session)
    assert team is not None
    team_id = team.id
    session.expunge_all()
    with count_statements(engine) as seen:
        assert crud.delete_row(team_id, session, Team) is True
    assert first_words(seen)[0] == "SELECT"
    with Session(engine) as fresh:
        assert (fresh.exec(select(func.count()).select_from(Team))).one() == 0


def test_plain_model_updates_with_one_statement(session: Session, engine: Engine) -> None:
    first, _ = add_items(session, "a", "b")
    with count_statements(engine) as seen:
        ok, item = crud.update_row(str(first), {"label": "new", "price": 2.5}, session, Item)
    assert first_words(seen) == ["UPDATE"]
    assert ok is True
    assert item is not None
    # Like a loaded and updated row: persistent in the session, readable without I/O.
    assert sa_inspect(item).persistent
    assert (item.id, item.code, item.label, item.price) == (first, "a", "new", 2.5)
    assert not sa_inspect(item).expired_attributes
    with Session(engine) as fresh:
        stored = (fresh.exec(select(Item).where(Item.id == first))).one()
        assert (stored.label, stored.price) == ("new", 2.5)
    # A second update of the same row goes through the loaded object.
    ok, again = crud.update_row(first, {"label": "newer"}, session, Item)
    assert ok is True
    assert again is item
    assert item.label == "newer"


def test_update_miss_keeps_loaded_objects(session: Session) -> None:
    ok, kept = crud.write_row(Item(code="kept", label="x"), session)
    assert ok is True
    assert kept is not None
    assert crud.update_row(987_654, {"label": "y"}, session, Item) == (False, None)
    assert not session.in_transaction()
    assert not sa_inspect(kept).expired_attributes
    assert kept.label == "x"
    with pytest.raises(RecordNotFoundError):
        crud.update_row(987_654, {"label": "y"}, session, Item, raise_on_error=True)


def test_update_failure_returns_the_stored_row(session: Session, engine: Engine) -> None:
    first, _ = add_items(session, "a", "b")
    ok, row = crud.update_row(first, {"code": "b", "label": "lost"}, session, Item)
    assert ok is False
    assert row is not None
    assert (row.code, row.label) == ("a", "")
    assert not session.in_transaction()
    session.expunge_all()
    with pytest.raises(DuplicateKeyError):
        crud.update_row(first, {"code": "b"}, session, Item, raise_on_error=True)
    assert stored_codes(engine) == ["a", "b"]


def test_update_hooks_still_see_the_row(session: Session) -> None:
    (key,) = add_items(session, "hooked")
    seen: list[Any] = []
    with isolated_hooks():
        hooks.register_hook(Item, "before_update", lambda ctx: seen.extend(ctx.rows))
        ok, item = crud.update_row(key, {"label": "h"}, session, Item)
    assert ok is True
    assert [row.code for row in seen] == ["hooked"]


def test_plain_read_attaches_the_row_like_the_orm(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "read")
    with count_statements(engine) as seen:
        ok, item = crud.get_row(str(key), session, Item)
    assert first_words(seen) == ["SELECT"]
    assert ok is True
    assert item is not None
    state = sa_inspect(item)
    assert state.persistent
    assert not state.modified
    assert not state.expired_attributes
    assert (item.id, item.code, item.label) == (key, "read", "")
    # The identity map answers the next read with the same object.
    assert (crud.get_row(key, session, Item))[1] is item
    # Changes to it are tracked and saved by the session, as for any loaded row.
    item.label = "changed"
    assert item in session.dirty
    session.commit()
    with Session(engine) as fresh:
        assert (fresh.exec(select(Item.label))).one() == "changed"
    assert crud.get_row(987_654, session, Item) == (False, None)
    with pytest.raises(RecordNotFoundError):
        crud.get_row(987_654, session, Item, raise_on_error=True)


def test_load_listeners_keep_the_orm_read(session: Session) -> None:
    (key,) = add_items(session, "listened")
    loaded: list[Any] = []

    def on_load(target: Any, _context: Any) -> None:
        loaded.append(target)

    event.listen(Item, "load", on_load)
    try:
        ok, item = crud.get_row(key, session, Item)
    finally:
        event.remove(Item, "load", on_load)
    assert ok is True
    assert loaded == [item]


def test_read_failure_is_raised(session: Session, engine: Engine) -> None:
    (key,) = add_items(session, "x")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE items"))
    with pytest.raises(Exception, match="items"):
        crud.get_row(key, session, Item)
    with pytest.raises(SchemaError):
        crud.get_row(key, session, Item, raise_on_error=True)


def test_audited_model_still_gets_updated_by(session: Session, engine: Engine) -> None:
    with acting_as("alice"):
        ok, note = crud.write_row(MxNote(body="a"), session)
    assert ok is True
    assert note is not None
    note_id = note.id
    session.expunge_all()
    with acting_as("bob"):
        ok, changed = crud.update_row(note_id, {"body": "b"}, session, MxNote)
    assert ok is True
    assert changed is not None
    assert (changed.body, changed.created_by, changed.updated_by) == ("b", "alice", "bob")
    with Session(engine) as fresh:
        stored = (fresh.exec(select(MxNote).where(MxNote.id == note_id))).one()
        assert stored.updated_by == "bob"


def test_plain_read_fires_the_session_events_of_a_load(session: Session) -> None:
    first, second = add_items(session, "direct", "orm")
    fired: list[tuple[str, Any]] = []
    plain = getattr(session, "sync_session", session)
    names = ("loaded_as_persistent", "after_attach", "detached_to_persistent")

    def recorder(name: str) -> Any:
        def record(_session: Any, obj: Any) -> None:
            fired.append((name, obj))

        return record

    listeners = {name: recorder(name) for name in names}
    for name, fn in listeners.items():
        event.listen(plain, name, fn)
    try:
        ok, item = crud.get_row(first, session, Item)
        assert ok is True
        direct = list(fired)
        fired.clear()
        loaded = (session.exec(select(Item).where(Item.id == second))).one()
    finally:
        for name, fn in listeners.items():
            event.remove(plain, name, fn)
    # The direct read fires what the ORM's own load fires, and nothing else.
    assert fired == [("loaded_as_persistent", loaded)]
    assert direct == [("loaded_as_persistent", item)]
    state = sa_inspect(item)
    assert state.key == sa_inspect(Item).identity_key_from_primary_key([first])
    assert state.key[0] is sa_inspect(loaded).key[0]
    # A rollback expires it like any loaded object, and it reloads on access.
    session.rollback()
    assert "code" in sa_inspect(item).expired_attributes
    session.refresh(item)
    assert item.code == "direct"
