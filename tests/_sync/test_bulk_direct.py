# This file is generated from tests/_async/test_bulk_direct.py by scripts/unasync.py. Do not edit it by hand.
"""The direct bulk paths are observably the ORM paths.

``bulk_upsert_mappings`` and ``insert_data_rows`` skip the ORM's per-row work
for plain models.  Each scenario here runs twice on two fresh, identical
databases: once as the helpers choose (the direct path, which the test checks
was taken) and once with the direct paths turned off (the ORM's bulk insert and
unit of work).  Everything a caller can observe must match: returned values and
objects, the session's identity map, each object's ORM state, what later
rollbacks and commits do to them, and the stored rows.
"""

import contextlib
import datetime as dt
import gc
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from sqlmodel_crud_utils import DBConfig, _direct, create_engine_from_config, hooks
from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils._sync import inserts as object_inserts
from sqlmodel_crud_utils.cache import InMemoryCache, configure_cache
from sqlmodel_crud_utils.exceptions import BulkOperationError, TransactionError
from sqlmodel_crud_utils.transactions import transaction
from tests.mixin_models import MxNote, MxToken
from tests.models import Hero, Item, Member, Note, Stamped, Team, Ticket
from tests.support import attach_search_path, backend, create_tables, isolated_hooks

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
UNLOADED = "<unloaded>"

Scenario = Callable[[Session], Awaitable[Any]]


def backend_name(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    return "sqlite_memory" if url.database in (None, "", ":memory:") else "sqlite_file"


@pytest.fixture
def twin(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A second, empty database of the same backend as ``engine``."""
    place = tmp_path / "twin"
    place.mkdir()
    with backend(backend_name(engine), place) as (url, schema):
        other = create_engine_from_config(DBConfig(url=url))
        if schema:
            attach_search_path(other, schema)
        create_tables(other)
        try:
            yield other
        finally:
            other.dispose()


class Paths:
    """Counts the calls that took a direct path; can turn the direct paths off."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.direct_upserts = 0
        self.direct_inserts = 0
        run_upsert = crud.run_upsert_directly
        insert_objects = crud.insert_objects_directly

        def upsert_spy(*args: Any, **kwargs: Any) -> Any:
            self.direct_upserts += 1
            return run_upsert(*args, **kwargs)

        def insert_spy(*args: Any, **kwargs: Any) -> Any:
            plan = insert_objects(*args, **kwargs)
            self.direct_inserts += plan is not None
            return plan

        monkeypatch.setattr(crud, "run_upsert_directly", upsert_spy)
        monkeypatch.setattr(crud, "insert_objects_directly", insert_spy)

    def orm_only(self) -> None:
        self.monkeypatch.setattr(crud, "can_upsert_directly", lambda *_args: None)
        self.monkeypatch.setattr(object_inserts, "can_insert_directly", lambda *_args: None)


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Paths:
    return Paths(monkeypatch)


def plain(session: Session) -> Any:
    return getattr(session, "sync_session", session)


@contextlib.contextmanager
def listening(target: Any, name: str, fn: Any) -> Iterator[None]:
    """Listen to ``name`` on ``target`` inside the block."""
    event.listen(target, name, fn)
    try:
        yield
    finally:
        event.remove(target, name, fn)


def object_state(session: Session, obj: Any) -> Any:
    """What a caller can see of one object: its values and its ORM state."""
    if obj is None:
        return None
    state = sa_inspect(obj)
    keys = [prop.key for prop in state.mapper.column_attrs]
    return {
        "class": type(obj).__name__,
        "values": {key: state.dict.get(key, UNLOADED) for key in keys},
        "status": (state.transient, state.pending, state.persistent, state.detached),
        "key": state.key[1] if state.key else None,
        "modified": state.modified,
        "committed": sorted(state.committed_state),
        "expired": sorted(state.expired_attributes),
        "unloaded": sorted(state.unloaded),
        "in_session": obj in session,
    }


def session_state(session: Session) -> Any:
    """The identity map (class, key) pairs and the session's pending collections."""
    identity = sorted((cls.__name__, key) for cls, key, _token in plain(session).identity_map)
    return {
        "identity": identity,
        "new": len(session.new),
        "dirty": len(session.dirty),
        "deleted": len(session.deleted),
    }


def returned_state(session: Session, outcome: Any) -> Any:
    ok, rows = outcome
    if isinstance(rows, dict):
        rows = {name: [object_state(session, row) for row in group] for name, group in rows.items()}
        return ok, rows
    return ok, [object_state(session, row) for row in rows]


def stored(engine: Engine, *models: Any) -> Any:
    rows = {}
    with engine.connect() as conn:
        for model in models:
            table = sa_inspect(model).local_table
            result = conn.execute(select(table).order_by(*table.primary_key))
            rows[model.__name__] = [tuple(row) for row in result]
    return rows


def same_both_ways(
    engine: Engine,
    twin: Engine,
    paths: Paths,
    scenario: Callable[[Engine], Awaitable[Any]],
    *models: Any,
) -> Any:
    """Run ``scenario`` directly on ``engine``, then through the ORM on ``twin``.

    Both runs must observe the same and leave the same rows of ``models``.
    """
    direct = scenario(engine)
    taken = (paths.direct_upserts, paths.direct_inserts)
    paths.orm_only()
    through_orm = scenario(twin)
    assert (paths.direct_upserts, paths.direct_inserts) == taken
    assert direct == through_orm
    assert stored(engine, *models) == stored(twin, *models)
    return direct


def item_rows(start: int, stop: int, label: str | None = "new") -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "code": f"code-{i}",
            "label": None if label is None else f"{label}-{i}",
            "price": i / 4,
            "attrs": {"n": i} if i % 3 else None,
            "seen_at": NOW if i % 2 else None,
        }
        for i in range(start, stop)
    ]


# --------------------------------------------------------------------------- #
# bulk_upsert_mappings
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_upsert_matches_the_orm_path(
    engine: Engine, twin: Engine, paths: Paths, expire_on_commit: bool
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db, expire_on_commit=expire_on_commit) as session:
            first = crud.bulk_upsert_mappings(item_rows(1, 6, "old"), session, Item)
            # None in a column with a default (label) is left out as the ORM's bulk
            # insert leaves it out; JSON None is a value; mixed rows run in groups.
            payload = item_rows(4, 9, None) + item_rows(9, 12)
            second = crud.bulk_upsert_mappings(payload, session, Item, chunk_size=4)
            return (
                returned_state(session, first),
                returned_state(session, second),
                session_state(session),
                second[1][0] is first[1][3],
            )

    direct = same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_upserts == 2
    assert direct[3] is True  # the identity already loaded comes back as the same object


def test_upsert_refreshes_loaded_objects_in_place(
    engine: Engine, twin: Engine, paths: Paths
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db, autoflush=False) as session:
            crud.bulk_upsert_mappings(item_rows(1, 5, "old"), session, Item)
            loaded = [session.get(Item, key) for key in (1, 2, 3)]
            assert all(obj is not None for obj in loaded)
            loaded[0].label = "pending change"  # populate_existing overwrites it
            session.expire(loaded[1])  # and reloads expired attributes
            before = [object_state(session, obj) for obj in loaded]
            ok, rows = crud.bulk_upsert_mappings(
                item_rows(2, 7), session, Item, update_columns=["label"]
            )
            by_id = {row.id: row for row in rows}
            return (
                before,
                returned_state(session, (ok, rows)),
                [object_state(session, obj) for obj in loaded],
                [by_id.get(sa_inspect(obj).identity[0]) is obj for obj in loaded],
                session_state(session),
            )

    direct = same_both_ways(engine, twin, paths, scenario)
    assert paths.direct_upserts == 2
    assert direct[3] == [False, True, True]


def test_upsert_modes_and_keys_match_the_orm_path(
    engine: Engine, twin: Engine, paths: Paths
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            outcomes = [crud.bulk_upsert_mappings(item_rows(1, 4, "old"), session, Item)]
            outcomes.append(
                crud.bulk_upsert_mappings(
                    item_rows(2, 6, "x"), session, Item, on_conflict="nothing"
                )
            )
            # The key moves with the row (SET includes it): a new identity.
            by_code = [
                {"id": 50, "code": "code-2", "label": "by code"},
                {"id": 51, "code": "fresh", "label": "f"},
            ]
            outcomes.append(crud.bulk_upsert_mappings(by_code, session, Item, pk_fields=["code"]))
            # The same key in two statements: the later row wins, one object.
            repeated = item_rows(7, 8, "first") + item_rows(7, 8, "second")
            outcomes.append(crud.bulk_upsert_mappings(repeated, session, Item, chunk_size=1))
            return [returned_state(session, outcome) for outcome in outcomes], session_state(
                session
            )

    same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_upserts == 4


def test_upsert_repeated_key_in_one_statement(engine: Engine, twin: Engine, paths: Paths) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            repeated = item_rows(1, 2, "first") + item_rows(1, 2, "second")
            try:
                outcome = crud.bulk_upsert_mappings(repeated, session, Item)
            except Exception as exc:  # PostgreSQL refuses to update a row twice
                return type(exc).__name__
            # SQLite updates it twice; as in an ORM load the first row of an
            # identity gives the object its values and the same object comes back twice.
            ok, rows = outcome
            return returned_state(session, outcome), rows[0] is rows[1]

    same_both_ways(engine, twin, paths, scenario, Item)


@pytest.mark.parametrize("resurrect", [False, True])
def test_upsert_of_soft_delete_models_matches_the_orm_path(
    engine: Engine, twin: Engine, paths: Paths, resurrect: bool
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            rows = [{"id": i, "email": f"m{i}@x", "name": "old"} for i in (1, 2, 3)]
            crud.bulk_upsert_mappings(rows, session, Member)
            crud.delete_rows_within_id_list([2], session, Member, soft=True)
            again = [{"id": i, "email": f"m{i}@x", "name": "new"} for i in (1, 2, 4)]
            outcome = crud.bulk_upsert_mappings(again, session, Member, resurrect=resurrect)
            state = returned_state(session, outcome)
            for row in state[1]:
                row["values"]["deleted_at"] = row["values"]["deleted_at"] is not None
            return state

    same_both_ways(engine, twin, paths, scenario)
    assert paths.direct_upserts == 2


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_upsert_in_a_transaction_block_matches_the_orm_path(
    engine: Engine, twin: Engine, paths: Paths, outcome: str
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            _, first = crud.bulk_upsert_mappings(item_rows(1, 4, "old"), session, Item)
            inside: Any = None
            try:
                with transaction(session):
                    written = crud.bulk_upsert_mappings(item_rows(2, 6), session, Item)
                    inside = returned_state(session, written)
                    if outcome == "rollback":
                        raise RuntimeError("undo")
            except TransactionError:
                pass
            after = [object_state(session, row) for row in first]
            return inside, after, session_state(session)

    same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_upserts == 2


def test_upsert_keeps_the_orm_path_when_it_could_differ(session: Session, paths: Paths) -> None:
    ok, heroes = crud.bulk_upsert_mappings(
        [{"id": 1, "name": "a", "secret_name": "s"}], session, Hero
    )
    assert ok is True
    assert paths.direct_upserts == 0  # relationships

    loaded: list[Any] = []

    def on_load(target: Any, _context: Any) -> None:
        loaded.append(target)

    with listening(Item, "load", on_load):
        ok, rows = crud.bulk_upsert_mappings(item_rows(1, 3), session, Item)
    assert paths.direct_upserts == 0  # a load listener must see the rows
    assert loaded == rows

    executed: list[Any] = []

    def on_execute(state: Any) -> None:
        executed.append(state.statement)

    with listening(plain(session), "do_orm_execute", on_execute):
        ok, rows = crud.bulk_upsert_mappings(item_rows(3, 5), session, Item)
    assert paths.direct_upserts == 0  # a foreign execute listener sees the ORM statement
    assert len(executed) == 1
    ok, rows = crud.bulk_upsert_mappings(item_rows(5, 6), session, Item)
    assert paths.direct_upserts == 1


def test_upsert_hooks_see_and_keep_the_returned_objects(session: Session, paths: Paths) -> None:
    seen: list[Any] = []
    with isolated_hooks():
        hooks.register_hook(Item, "after_bulk_upsert", lambda ctx: seen.extend(ctx.rows))
        ok, rows = crud.bulk_upsert_mappings(item_rows(1, 4), session, Item)
    assert paths.direct_upserts == 1
    assert ok is True
    assert seen == rows
    assert [row.label for row in rows] == ["new-1", "new-2", "new-3"]
    assert all(not sa_inspect(row).expired_attributes for row in rows)


# --------------------------------------------------------------------------- #
# insert_data_rows
# --------------------------------------------------------------------------- #


def new_items(start: int, stop: int, **overrides: Any) -> list[Item]:
    items = []
    for i in range(start, stop):
        values: dict[str, Any] = {
            "code": f"c{i}",
            "label": None if i % 3 == 0 else f"label-{i}",
            "price": i,
            "attrs": None if i % 2 else {"n": i},
            "seen_at": NOW,
        }
        values.update(overrides)
        items.append(Item(**values))
    return items


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_insert_matches_the_unit_of_work(
    engine: Engine, twin: Engine, paths: Paths, expire_on_commit: bool
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db, expire_on_commit=expire_on_commit) as session:
            generated = new_items(1, 6)
            explicit = new_items(6, 9)
            for key, item in enumerate(explicit, start=100):
                item.id = key
            mixed = new_items(9, 12)
            mixed[1].id = 200  # a key given in the middle: its own group, as in a flush
            outcomes = [
                crud.insert_data_rows(generated, session),
                crud.insert_data_rows(explicit, session),
                crud.insert_data_rows(mixed, session),
            ]
            state = [returned_state(session, outcome) for outcome in outcomes]
            found = session.get(Item, sa_inspect(generated[0]).identity)
            return state, session_state(session), found is generated[0]

    direct = same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_inserts == 3
    assert direct[2] is True


def test_insert_of_generated_and_server_values_matches_the_unit_of_work(
    engine: Engine, twin: Engine, paths: Paths
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            stamped = [Stamped(title=f"t{i}") for i in range(3)]
            tokens = [MxToken(label=f"k{i}") for i in range(3)]
            ok_stamped = crud.insert_data_rows(stamped, session)
            ok_tokens = crud.insert_data_rows(tokens, session)
            state = [returned_state(session, ok_stamped), returned_state(session, ok_tokens)]
            for _ok, rows in state:
                for row in rows:  # server clocks and random keys differ between runs
                    for name in ("created_at", "updated_at", "id"):
                        if name in row["values"] and row["values"][name] not in (None, UNLOADED):
                            row["values"][name] = type(row["values"][name]).__name__
                    row["key"] = None
            return state

    same_both_ways(engine, twin, paths, scenario)
    assert paths.direct_inserts == 2


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_warm_inserts_on_the_driver_cursor_match_the_unit_of_work(
    engine: Engine, twin: Engine, paths: Paths, expire_on_commit: bool
) -> None:
    """A second insert of the same shape goes to the driver's cursor (``_direct``)."""

    def scenario(db: Engine) -> Any:
        with Session(db, expire_on_commit=expire_on_commit) as session:
            outcomes = []
            for start in (1, 10, 20):  # the first call of each shape warms it up
                items = new_items(start, start + 3)
                stamped = [Stamped(title=f"t{i}", price=i) for i in range(start, start + 3)]
                for key, (item, stamp) in enumerate(zip(items, stamped, strict=True), start):
                    item.id = key
                    stamp.id = key
                tickets = [Ticket(id=i, title=f"t{i}") for i in range(start, start + 3)]
                outcomes.append(crud.insert_data_rows(items, session))
                outcomes.append(crud.insert_data_rows(stamped, session))
                outcomes.append(crud.insert_data_rows(tickets, session))
            state = [returned_state(session, outcome) for outcome in outcomes]
            for _ok, rows in state:
                for row in rows:  # server clocks differ between runs: compare what is loaded
                    for name in ("created_at", "updated_at", "opened_at"):
                        if row["values"].get(name) not in (None, UNLOADED):
                            row["values"][name] = type(row["values"][name]).__name__
            return state, session_state(session)

    direct = same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_inserts == 9
    if not expire_on_commit:  # the server-filled column was read back before returning
        assert [row["values"]["opened_at"] for row in direct[0][-1][1]] == ["datetime"] * 3
    table = Ticket.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        found = (conn.execute(select(table.c.id, table.c.opened_at))).all()
    assert sorted(key for key, _opened in found) == [1, 2, 3, 10, 11, 12, 20, 21, 22]
    assert all(opened is not None for _key, opened in found)
    dialect = engine.sync_engine.dialect if hasattr(engine, "sync_engine") else engine.dialect
    assert any(plan is not None for plan in _direct._many_plans.get(dialect, {}).values())


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_insert_in_a_transaction_block_matches_the_unit_of_work(
    engine: Engine, twin: Engine, paths: Paths, outcome: str
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            rows = new_items(1, 4)
            inside: Any = None
            try:
                with transaction(session):
                    inside = returned_state(session, crud.insert_data_rows(rows, session))
                    if outcome == "rollback":
                        raise RuntimeError("undo")
            except TransactionError:
                pass
            # After a rollback the objects are new again, as the unit of work leaves them.
            return inside, [object_state(session, row) for row in rows], session_state(session)

    same_both_ways(engine, twin, paths, scenario, Item)
    assert paths.direct_inserts == 1


def test_insert_failure_falls_back_like_the_unit_of_work(
    engine: Engine, twin: Engine, paths: Paths
) -> None:
    def scenario(db: Engine) -> Any:
        with Session(db) as session:
            crud.write_row(Item(code="taken"), session)
            rows = [Item(code="a"), Item(code="taken"), Item(code="b")]
            outcome = crud.insert_data_rows(rows, session)
            return returned_state(session, outcome), session_state(session)

    same_both_ways(engine, twin, paths, scenario, Item)


def test_inserted_objects_stay_readable_after_the_session_closes(engine: Engine) -> None:
    with Session(engine) as session:
        ok, rows = crud.insert_data_rows(new_items(1, 4), session)
    assert ok is True
    assert [row.id for row in rows] == [1, 2, 3]
    assert [row.label for row in rows] == ["label-1", "label-2", ""]
    assert all(sa_inspect(row).detached for row in rows)


def test_insert_keeps_the_unit_of_work_when_it_could_differ(session: Session, paths: Paths) -> None:
    # Relationships (cascades, back references).
    assert (crud.write_row(Team(name="T"), session))[0] is True
    assert (crud.insert_data_rows([Hero(name="h", secret_name="s")], session))[0] is True
    assert paths.direct_inserts == 0

    # Pending changes are flushed with the rows.
    session.add(Item(code="pending"))
    assert (crud.insert_data_rows(new_items(1, 2), session))[0] is True
    assert paths.direct_inserts == 0

    # An object listed twice is written once; an object already saved is not new.
    item = Item(code="twice")
    ok, rows = crud.insert_data_rows([item, item], session)
    assert ok is True
    assert rows == [item, item]
    ok, _ = crud.insert_data_rows([item], session)
    assert paths.direct_inserts == 0

    # A SQL expression as a value.
    assert (crud.insert_data_rows([Item(code=func.lower("UP"))], session))[0] is True
    assert paths.direct_inserts == 0

    # Foreign flush and mapper listeners see the rows.
    flushed: list[Any] = []

    def before_flush(flushing: Any, *_args: Any) -> None:
        flushed.extend(flushing.new)

    rows = new_items(10, 12)
    with listening(plain(session), "before_flush", before_flush):
        assert (crud.insert_data_rows(rows, session))[0] is True
    assert flushed == rows
    inserted: list[Any] = []

    def before_insert(_mapper: Any, _connection: Any, target: Any) -> None:
        inserted.append(target)

    rows = new_items(20, 22)
    with listening(Item, "before_insert", before_insert):
        assert (crud.insert_data_rows(rows, session))[0] is True
    assert inserted == rows
    assert paths.direct_inserts == 0

    # Otherwise the same session takes the direct path.
    assert (crud.insert_data_rows(new_items(30, 32), session))[0] is True
    assert paths.direct_inserts == 1
    assert session.scalar(select(func.count()).select_from(Item)) == 10


def test_insert_of_audited_rows_fills_the_audit_columns(session: Session, paths: Paths) -> None:
    from sqlmodel_crud_utils.audit import acting_as

    with acting_as("alice"):
        ok, rows = crud.insert_data_rows([MxNote(body="a"), MxNote(body="b")], session)
    assert ok is True
    assert [row.created_by for row in rows] == ["alice", "alice"]
    assert paths.direct_inserts == 0
    ok, rows = crud.insert_data_rows([Note(body="n")], session)
    assert paths.direct_inserts == 1


@pytest.mark.parametrize("in_block", [False, True])
def test_direct_writes_keep_the_read_cache_right(
    session: Session, paths: Paths, in_block: bool
) -> None:
    configure_cache(InMemoryCache())
    try:
        crud.bulk_upsert_mappings(item_rows(1, 3, "old"), session, Item)
        _, cached = crud.get_rows(session, Item, use_cache=True, sort_field="id")
        assert [row.label for row in cached] == ["old-1", "old-2"]
        with contextlib.ExitStack() as stack:
            if in_block:
                stack.enter_context(transaction(session))
            # Inside a block the uncommitted writes are read, never a stale cached page.
            crud.insert_data_rows([Item(id=10, code="inserted")], session)
            _, rows = crud.get_rows(session, Item, use_cache=True, sort_field="id")
            assert [row.label for row in rows] == ["old-1", "old-2", ""]
            crud.bulk_upsert_mappings(item_rows(2, 3, "new"), session, Item)
            _, rows = crud.get_rows(session, Item, use_cache=True, sort_field="id")
            assert [row.label for row in rows] == ["old-1", "new-2", ""]
        session.expunge_all()
        _, rows = crud.get_rows(session, Item, use_cache=True, sort_field="id")
        assert [(row.code, row.label) for row in rows] == [
            ("code-1", "old-1"),
            ("code-2", "new-2"),
            ("inserted", ""),
        ]
    finally:
        configure_cache(None)
    assert (paths.direct_upserts, paths.direct_inserts) == (2, 1)


def test_bulk_writes_leave_the_garbage_collector_enabled(session: Session) -> None:
    assert gc.isenabled()
    ok, rows = crud.bulk_upsert_mappings(
        [{"id": 1, "code": "a", "label": "x"}, {"id": 2, "code": "b", "label": "y"}], session, Item
    )
    assert ok is True
    assert len(rows) == 2
    assert gc.isenabled()
    with pytest.raises(BulkOperationError):
        crud.bulk_upsert_mappings(
            [{"id": 3, "code": "a", "label": "dup"}], session, Item, raise_on_error=True
        )
    assert gc.isenabled()
    ok, _ = crud.insert_data_rows([Item(code="c"), Item(code="d")], session)
    assert ok is True
    assert gc.isenabled()
