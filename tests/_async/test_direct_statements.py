"""Single-row statements run on the driver's cursor behave as they do through Core.

The first run of a statement on an engine goes through ``Connection.execute``;
later runs reuse what it used.  These tests warm the statements up first, so
the calls they check take the driver-cursor path.
"""

import logging
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import DBConfig, _direct, create_async_engine_from_config
from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils._acompat import async_execute_many, async_execute_records
from sqlmodel_crud_utils.exceptions import DuplicateKeyError
from tests.models import Item
from tests.support import attach_search_path

WHEN = datetime(2026, 5, 17, 8, 30, 15, 123456, tzinfo=timezone.utc)


async def add_items(session: AsyncSession, count: int) -> list[int]:
    ids = []
    for index in range(count):
        item = Item(
            code=f"c{index}",
            label=f"label {index}",
            price=index + 0.25,
            attrs={"n": index, "tags": ["x", "y"], "nested": {"ok": True}},
            seen_at=WHEN,
        )
        ok, written = await crud.write_row(item, session, raise_on_error=True)
        assert ok is True
        assert written is not None
        assert written.id is not None
        ids.append(written.id)
    session.expunge_all()
    return ids


async def stored(engine: AsyncEngine, item_id: int) -> dict[str, Any] | None:
    async with AsyncSession(engine) as fresh:
        row = await fresh.get(Item, item_id)
        return None if row is None else row.model_dump()


async def warm_up(session: AsyncSession, ids: list[int]) -> None:
    """Run each single-row statement once, so later calls reuse its plan."""
    ok, _ = await crud.get_row(ids[0], session, Item)
    assert ok is True
    await session.commit()
    session.expunge_all()
    ok, _ = await crud.update_row(ids[0], {"label": "warm"}, session, Item)
    assert ok is True
    session.expunge_all()
    assert await crud.delete_row(ids[-1], session, Item) is True
    session.expunge_all()


async def test_warm_statements_read_and_write_what_core_reads(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    ids = await add_items(session, 5)
    await warm_up(session, ids)
    # The select, the update and the delete now run on the driver's cursor.
    plans = _direct._plans.get(getattr(engine, "sync_engine", engine).dialect, {})
    assert sum(plan is not None for plan in plans.values()) >= 3
    for item_id in ids[1:3]:
        ok, row = await crud.get_row(item_id, session, Item)
        assert ok is True
        assert row is not None
        assert row in session
        read = row.model_dump()
        await session.commit()  # in-memory SQLite: one connection, ended before the next read
        assert read == await stored(engine, item_id)
        assert read["attrs"] == {"n": item_id - ids[0], "tags": ["x", "y"], "nested": {"ok": True}}
        assert read["seen_at"].astimezone(timezone.utc) == WHEN
    session.expunge_all()
    ok, updated = await crud.update_row(
        ids[1], {"label": "new", "attrs": {"k": [1, 2]}, "price": 9.5}, session, Item
    )
    assert ok is True
    assert updated is not None
    assert (updated.label, updated.attrs, updated.price) == ("new", {"k": [1, 2]}, 9.5)
    assert updated.model_dump() == await stored(engine, ids[1])
    session.expunge_all()
    assert await crud.delete_row(ids[2], session, Item) is True
    assert await stored(engine, ids[2]) is None
    assert await crud.delete_row(ids[2], session, Item) is False
    assert (await crud.get_row(ids[2], session, Item)) == (False, None)
    assert (await crud.update_row(ids[2], {"label": "x"}, session, Item)) == (False, None)


async def test_statement_listeners_added_later_see_every_statement(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    ids = await add_items(session, 4)
    await warm_up(session, ids)
    await session.commit()
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    sync_engine = getattr(engine, "sync_engine", engine)
    event.listen(sync_engine, "before_cursor_execute", record)
    try:
        assert (await crud.get_row(ids[1], session, Item))[0] is True
        await session.commit()
        session.expunge_all()
        assert (await crud.update_row(ids[1], {"label": "seen"}, session, Item))[0] is True
        session.expunge_all()
        assert await crud.delete_row(ids[2], session, Item) is True
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
    assert [word for word in seen if word != "BEGIN"] == ["SELECT", "UPDATE", "DELETE"]
    if engine.dialect.name == "sqlite":
        # SQLAlchemy emits BEGIN for SQLite: listeners see it too.
        assert seen.count("BEGIN") == 3


async def test_logged_engine_logs_warm_statements(
    session: AsyncSession, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await add_items(session, 3)
    await warm_up(session, ids)
    await session.commit()
    getattr(engine, "sync_engine", engine).echo = True
    try:
        with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"):
            assert (await crud.get_row(ids[1], session, Item))[0] is True
    finally:
        getattr(engine, "sync_engine", engine).echo = False
    assert any(message.startswith("SELECT") for message in caplog.messages)


async def test_errors_on_warm_statements_are_translated(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    ids = await add_items(session, 4)
    await warm_up(session, ids)
    before = await stored(engine, ids[1])
    ok, row = await crud.update_row(ids[1], {"code": "c2"}, session, Item)
    assert ok is False
    assert row is not None
    assert row.code == "c1"
    session.expunge_all()
    with pytest.raises(DuplicateKeyError):
        await crud.update_row(ids[1], {"code": "c2"}, session, Item, raise_on_error=True)
    assert await stored(engine, ids[1]) == before
    session.expunge_all()
    # The session and the pool stay usable.
    ok, row = await crud.update_row(ids[1], {"code": "c9"}, session, Item)
    assert ok is True
    assert row is not None
    assert row.code == "c9"


async def kill(engine: AsyncEngine, pid: int) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def invalidating_cause(error: BaseException) -> bool:
    """Whether ``error`` was raised from SQLAlchemy's error for a lost, invalidated connection."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, DBAPIError):
        cause = cause.__cause__
    return isinstance(cause, DBAPIError) and cause.connection_invalidated


async def test_lost_connection_is_discarded_and_the_next_call_reconnects(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("only a server connection can be lost")
    async with engine.connect() as conn:
        schema = (await conn.execute(text("SHOW search_path"))).scalar_one().strip('"')
    url = engine.url.render_as_string(hide_password=False)
    # One pooled connection, so the write below checks out the one that is killed.
    single = create_async_engine_from_config(DBConfig(url=url, pool_size=1, max_overflow=0))
    attach_search_path(single, schema)
    try:
        async with AsyncSession(single) as session:
            ids = await add_items(session, 4)
            await warm_up(session, ids)
            await session.commit()
            async with single.connect() as conn:
                pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await kill(engine, pid)
            with pytest.raises(Exception) as caught:
                await crud.update_row(ids[1], {"label": "lost"}, session, Item, raise_on_error=True)
            assert invalidating_cause(caught.value)
            ok, row = await crud.update_row(ids[1], {"label": "back"}, session, Item)
            assert ok is True
            assert row is not None
            assert row.label == "back"
            session.expunge_all()
            # A read on the session's own connection, lost inside its transaction.
            assert (await crud.get_row(ids[0], session, Item))[0] is True
            conn = await session.connection()
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await kill(engine, pid)
            session.expunge_all()
            with pytest.raises(Exception) as caught:
                await crud.get_row(ids[1], session, Item, raise_on_error=True)
            assert invalidating_cause(caught.value)
            ok, row = await crud.get_row(ids[1], session, Item)
            assert ok is True
            assert row is not None
            assert row.label == "back"
        assert (await stored(single, ids[1]) or {})["label"] == "back"
    finally:
        await single.dispose()


async def records(engine: AsyncEngine, stmt: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return await async_execute_records(conn, stmt, params)


async def test_statements_sharing_a_compiled_form_keep_their_own_fixed_values(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """Two statements differing only in a LIMIT share Core's cached compiled form."""
    await add_items(session, 5)
    await session.commit()
    table = Item.__table__  # type: ignore[attr-defined]
    base = select(table).where(table.c.price >= bindparam("floor")).order_by(table.c.id)
    one, three = base.limit(1), base.limit(3)
    for _ in range(2):  # the second round runs on the driver's cursor
        first = await records(engine, one, {"floor": 0})
        some = await records(engine, three, {"floor": 0})
        assert [row["code"] for row in first] == ["c0"]
        assert [row["code"] for row in some] == ["c0", "c1", "c2"]
        assert some[0].keys() == {"id", "code", "label", "price", "attrs", "seen_at"}
        assert some[1]["attrs"] == {"n": 1, "tags": ["x", "y"], "nested": {"ok": True}}
    plans = _direct._plans[getattr(engine, "sync_engine", engine).dialect]
    assert plans[one] is not None
    assert plans[three] is not None
    assert (plans[one].constants, plans[three].constants) != ({}, {})


async def test_values_computed_per_call_keep_statements_on_core(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await add_items(session, 3)
    await session.commit()
    table = Item.__table__  # type: ignore[attr-defined]
    limits = iter([1, 2, 3])
    stmt = (
        select(table)
        .where(table.c.price >= bindparam("floor"))
        .where(table.c.id <= bindparam("top", callable_=lambda: next(limits) + 100))
        .order_by(table.c.id)
    )
    for _ in range(3):
        assert len(await records(engine, stmt, {"floor": 0})) == 3
    assert _direct._plans[getattr(engine, "sync_engine", engine).dialect][stmt] is None


def many_rows(start: int, stop: int) -> list[dict[str, Any]]:
    return [
        {"id": key, "code": f"m{key}", "label": "x", "price": key / 2, "attrs": {"n": key}}
        | {"seen_at": WHEN}
        for key in range(start, stop)
    ]


async def many(engine: AsyncEngine, stmt: Any, rows: list[dict[str, Any]]) -> Any:
    """Run ``stmt`` for ``rows`` in a transaction of its own; the Core result or ``None``."""
    async with engine.begin() as conn:
        _compiled, result = await async_execute_many(conn, stmt, rows)
    return result


async def first_error(engine: AsyncEngine, stmt: Any, rows: list[dict[str, Any]]) -> Exception:
    with pytest.raises(Exception) as caught:
        await many(engine, stmt, rows)
    return caught.value


async def test_warm_executemany_writes_and_fails_as_core_does(engine: AsyncEngine) -> None:
    table = Item.__table__  # type: ignore[attr-defined]
    stmt = insert(table)
    assert await many(engine, stmt, many_rows(1, 4)) is not None  # Core: the first run
    assert await many(engine, stmt, many_rows(4, 7)) is None  # the driver's cursor
    for key in range(1, 7):
        row = await stored(engine, key)
        assert row is not None
        assert (row["code"], row["attrs"], row["price"]) == (f"m{key}", {"n": key}, key / 2)
        assert row["seen_at"].astimezone(timezone.utc) == WHEN
    # Errors: the same types as a cold statement gives through Core, nothing kept.
    duplicate = many_rows(7, 9) + many_rows(1, 2)
    cold = await first_error(engine, insert(table), duplicate)
    warm = await first_error(engine, stmt, duplicate)
    assert isinstance(warm, IntegrityError)
    assert type(warm) is type(cold)
    bad = many_rows(10, 12)
    bad[1]["seen_at"] = "not a time"
    cold = await first_error(engine, insert(table), bad)
    warm = await first_error(engine, stmt, bad)
    assert type(warm) is type(cold)
    short = many_rows(12, 14)
    del short[1]["label"]
    cold = await first_error(engine, insert(table), short)
    warm = await first_error(engine, stmt, short)
    assert type(warm) is type(cold)
    for key in (7, 8, 10, 11, 12, 13):
        assert await stored(engine, key) is None


async def test_statement_listeners_added_later_see_executemany(engine: AsyncEngine) -> None:
    stmt = insert(Item.__table__)  # type: ignore[attr-defined]
    assert await many(engine, stmt, many_rows(1, 3)) is not None
    seen: list[tuple[str, bool]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, batch: bool
    ) -> None:
        seen.append((statement.split()[0].upper(), batch))

    sync_engine = getattr(engine, "sync_engine", engine)
    event.listen(sync_engine, "before_cursor_execute", record)
    try:
        assert await many(engine, stmt, many_rows(3, 5)) is not None
    finally:
        event.remove(sync_engine, "before_cursor_execute", record)
    assert ("INSERT", True) in seen
    assert await many(engine, stmt, many_rows(5, 7)) is None
    assert (await stored(engine, 6) or {})["code"] == "m6"
