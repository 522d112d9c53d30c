"""Reliability under concurrency and faults: nothing lost, sessions usable, errors typed.

The figures here (workers, operations, faults) are the ones ``docs/reliability.md`` quotes.
"""

import asyncio
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, text
from sqlmodel import Field, Session, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import (
    DBConfig,
    a_sync,
    create_async_engine_from_config,
    create_engine_from_config,
    sync,
)
from sqlmodel_crud_utils._core.errors import translate_error
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    DatabaseConnectionError,
    QueryExecutionError,
    RetryableError,
    SQLModelCRUDError,
    TransactionError,
)
from sqlmodel_crud_utils.transactions import a_transaction, transaction
from tests import support

WORKERS = 8
INCREMENTS = 500
SQLITE_PROCESSES = 4


class Counter(SQLModel, table=True):
    __tablename__ = "rel_counters"

    id: int | None = Field(default=None, primary_key=True)
    value: int = 0


class Slot(SQLModel, table=True):
    __tablename__ = "rel_slots"

    id: int = Field(primary_key=True)
    label: str = ""
    writes: int = 0


TABLES = [Counter.__table__, Slot.__table__]


@pytest.fixture
def pg_url() -> Iterator[tuple[str, str]]:
    support.require_postgres()
    with support.pg_schema() as schema:
        yield support.PG_URL, schema


def pg_engine(url: str, schema: str, **kwargs: Any) -> Any:
    engine = create_engine_from_config(DBConfig(url=url, **kwargs))
    support.attach_search_path(engine, schema)
    SQLModel.metadata.create_all(engine, tables=TABLES)
    return engine


def increment(session: Session, counter_id: int) -> None:
    """The recommended pattern: an atomic UPDATE expression, never read-modify-write."""
    ok, matched = sync.bulk_update_rows(
        [counter_id], {"value": Counter.value + 1}, session, Counter, raise_on_error=True
    )
    assert (ok, matched) == (True, 1)


def counter_value(engine: Any, counter_id: int) -> int:
    with Session(engine) as session:
        row = session.get(Counter, counter_id)
        assert row is not None
        return row.value


def test_increments_from_threads_on_postgresql(pg_url: tuple[str, str]) -> None:
    engine = pg_engine(*pg_url, pool_size=WORKERS)
    with Session(engine) as session:
        _, counter = sync.write_row(Counter(), session)
        assert counter is not None
        counter_id = counter.id
    assert counter_id is not None

    def worker(_: int) -> None:
        with Session(engine) as session:
            for _ in range(INCREMENTS):
                increment(session, counter_id)

    support.run_concurrently(worker, WORKERS)
    assert counter_value(engine, counter_id) == WORKERS * INCREMENTS
    engine.dispose()


def test_increments_from_async_tasks_on_postgresql(pg_url: tuple[str, str]) -> None:
    url, schema = pg_url

    async def main() -> int:
        engine = create_async_engine_from_config(DBConfig(url=url, pool_size=WORKERS))
        support.attach_search_path(engine, schema)
        await support.async_create_tables(engine, SQLModel.metadata)
        async with AsyncSession(engine) as session:
            _, counter = await a_sync.write_row(Counter(), session)
            assert counter is not None
            counter_id = counter.id

        async def worker(_: int) -> None:
            async with AsyncSession(engine) as session:
                for _ in range(INCREMENTS):
                    await a_sync.bulk_update_rows(
                        [counter_id], {"value": Counter.value + 1}, session, Counter
                    )

        await support.async_run_concurrently(worker, WORKERS)
        async with AsyncSession(engine) as session:
            row = await session.get(Counter, counter_id)
            assert row is not None
            value = row.value
        await engine.dispose()
        return value

    assert asyncio.run(main()) == WORKERS * INCREMENTS


def _sqlite_worker(url: str, counter_id: int, count: int, errors: Any) -> None:
    engine = create_engine_from_config(DBConfig(url=url))
    try:
        with Session(engine) as session:
            for _ in range(count):
                increment(session, counter_id)
    except Exception as exc:  # reported to the parent, which fails the test
        errors.put(repr(exc))
    finally:
        engine.dispose()


def test_increments_from_processes_on_a_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = create_engine_from_config(DBConfig(url=url))
    SQLModel.metadata.create_all(engine, tables=TABLES)
    with Session(engine) as session:
        _, counter = sync.write_row(Counter(), session)
        assert counter is not None
        counter_id = counter.id
    assert counter_id is not None
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    per_process = WORKERS * INCREMENTS // SQLITE_PROCESSES
    processes = [
        context.Process(target=_sqlite_worker, args=(url, counter_id, per_process, errors))
        for _ in range(SQLITE_PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
        assert process.exitcode == 0
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []  # zero "database is locked" errors reached the callers
    assert counter_value(engine, counter_id) == WORKERS * INCREMENTS
    engine.dispose()


def test_overlapping_async_upserts(pg_url: tuple[str, str]) -> None:
    url, schema = pg_url
    tasks = 50

    async def main() -> list[tuple[int, str]]:
        engine = create_async_engine_from_config(DBConfig(url=url, pool_size=10, max_overflow=40))
        support.attach_search_path(engine, schema)
        await support.async_create_tables(engine, SQLModel.metadata)

        async def upsert(index: int) -> None:
            # Task i writes keys i .. i+9: every key is written by up to 10 tasks at once.
            payload = [{"id": key, "label": f"t{index}"} for key in range(index, index + 10)]
            async with AsyncSession(engine) as session:
                ok, rows = await a_sync.bulk_upsert_mappings(payload, session, Slot)
                assert ok is True
                assert len(rows) == 10

        await support.async_run_concurrently(upsert, tasks)
        async with AsyncSession(engine) as session:
            rows = (await session.exec(select(Slot).order_by(Slot.id))).all()
            result = [(row.id, row.label) for row in rows]
        await engine.dispose()
        return result

    rows = asyncio.run(main())
    assert [key for key, _ in rows] == list(range(tasks + 9))
    assert all(label.startswith("t") for _, label in rows)


def test_pool_exhaustion_is_a_clear_timeout(pg_url: tuple[str, str]) -> None:
    url, schema = pg_url
    engine = pg_engine(url, schema, pool_size=1, max_overflow=0, pool_timeout=0.5)
    holder = engine.connect()
    started = time.monotonic()
    try:
        with (
            Session(engine) as session,
            pytest.raises(DatabaseConnectionError, match="pool exhausted"),
        ):
            sync.get_rows(session, Counter, raise_on_error=True)
    finally:
        holder.close()
    assert time.monotonic() - started < 10
    with Session(engine) as session:
        assert sync.get_rows(session, Counter) == (False, [])
    engine.dispose()


def _terminate_when(engine: Any, marker: str, skip: int = 0) -> None:
    """Kill our backend from a second connection at the ``skip+1``-th statement with ``marker``."""
    seen: list[bool] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if marker not in statement:
            return
        seen.append(True)
        if len(seen) != skip + 1:
            return
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.pool._creator() as killer:  # a raw connection outside the pool
            killer.autocommit = True
            killer.execute(f"SELECT pg_terminate_backend({int(pid)})")

    event.listen(engine, "before_cursor_execute", before)


def test_connection_killed_during_bulk_upsert(pg_url: tuple[str, str]) -> None:
    engine = pg_engine(*pg_url)
    payload = [{"id": i, "label": "x"} for i in range(1, 3001)]
    _terminate_when(engine, "INSERT INTO rel_slots", skip=3)  # mid-way: chunk 4 of 6
    with Session(engine) as session:
        with pytest.raises(BulkOperationError) as info:
            sync.bulk_upsert_mappings(payload, session, Slot, chunk_size=500, raise_on_error=True)
        cause = info.value.errors[0]
        assert isinstance(translate_error(cause), (DatabaseConnectionError, RetryableError))
    with Session(engine) as session:
        # All or nothing, and the next call on a fresh session works.
        assert session.exec(select(func.count()).select_from(Slot)).one() == 0
        ok, rows = sync.bulk_upsert_mappings(payload[:10], session, Slot)
        assert (ok, len(rows)) == (True, 10)
    engine.dispose()


def test_connection_killed_inside_a_transaction_block(pg_url: tuple[str, str]) -> None:
    engine = pg_engine(*pg_url)
    _terminate_when(engine, "UPDATE rel_slots")
    with Session(engine) as session:
        with pytest.raises(TransactionError) as info, transaction(session):
            sync.bulk_upsert_mappings([{"id": 1, "label": "a"}], session, Slot)
            sync.bulk_update_rows([1], {"label": "b"}, session, Slot, raise_on_error=True)
        assert isinstance(info.value, SQLModelCRUDError)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Slot)).one() == 0
        assert sync.write_row(Slot(id=5), session)[0] is True
    engine.dispose()


def test_read_only_sqlite_file_gives_typed_errors(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    writer = create_engine_from_config(
        DBConfig(url=f"sqlite:///{path}", sqlite_journal_mode="DELETE")
    )
    SQLModel.metadata.create_all(writer, tables=TABLES)
    writer.dispose()
    reader = create_engine_from_config(
        DBConfig(url=f"sqlite:///file:{path}?mode=ro&uri=true", sqlite_journal_mode="DELETE")
    )
    with Session(reader) as session:
        with pytest.raises(SQLModelCRUDError) as info:
            sync.write_row(Slot(id=1), session, raise_on_error=True)
        assert isinstance(info.value, QueryExecutionError)
        assert info.value.original_error is not None
        if sys.version_info >= (3, 11):
            assert str(info.value.sqlite_errorname).startswith("SQLITE_READONLY")
        assert sync.get_rows(session, Slot) == (False, [])
    reader.dispose()


def test_passwords_never_appear_in_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-pa55"
    url = f"postgresql://scu_user:{secret}@127.0.0.1:1/nowhere"
    config = DBConfig(url=url)
    assert secret not in repr(config)
    assert secret not in str(config)
    engine = create_engine_from_config(config)
    assert secret not in repr(engine)
    with (
        caplog.at_level(logging.DEBUG),
        Session(engine) as session,
        pytest.raises(SQLModelCRUDError) as info,
    ):
        sync.get_rows(session, Counter, raise_on_error=True)
    assert secret not in str(info.value)
    assert secret not in repr(info.value)
    assert all(secret not in record.getMessage() for record in caplog.records)
    with pytest.raises(ValueError) as bad:
        create_engine_from_config(f"oracle://u:{secret}@h/db")
    assert secret not in str(bad.value)
    engine.dispose()


def test_concurrent_transaction_blocks_on_sqlite_do_not_deadlock(tmp_path: Path) -> None:
    """Read-then-write blocks take the write lock at BEGIN: no upgrade deadlock, no lost update."""
    engine = create_engine_from_config(DBConfig(url=f"sqlite:///{tmp_path / 'rw.db'}"))
    SQLModel.metadata.create_all(engine, tables=TABLES)
    with Session(engine) as session:
        sync.write_row(Slot(id=1, writes=0), session)
    failures: list[str] = []
    lock = threading.Lock()

    def worker(_: int) -> None:
        for _ in range(50):
            with Session(engine) as session:
                try:
                    with transaction(session):
                        slot = session.get(Slot, 1)
                        assert slot is not None
                        slot.writes += 1  # read-modify-write, safe inside a block
                except Exception as exc:
                    with lock:
                        failures.append(repr(exc))

    support.run_concurrently(worker, 4)
    assert failures == []
    with Session(engine) as session:
        slot = session.get(Slot, 1)
        assert slot is not None
        assert slot.writes == 200
    engine.dispose()


def test_async_transaction_blocks_roll_back_on_cancellation(tmp_path: Path) -> None:
    async def main() -> int:
        engine = create_async_engine_from_config(f"sqlite:///{tmp_path / 'c.db'}")
        await support.async_create_tables(engine, SQLModel.metadata)

        async def slow_block() -> None:
            async with AsyncSession(engine) as session, a_transaction(session):
                await a_sync.write_row(Slot(id=9), session)
                await asyncio.sleep(10)

        task = asyncio.create_task(slow_block())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with AsyncSession(engine) as session:
            count = (await session.exec(select(func.count()).select_from(Slot))).one()
            await session.exec(text("SELECT 1"))
        await engine.dispose()
        return count

    assert asyncio.run(main()) == 0


def test_busy_sqlite_block_raises_retryable_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    holder_engine = create_engine_from_config(DBConfig(url=url))
    SQLModel.metadata.create_all(holder_engine, tables=TABLES)
    impatient = create_engine_from_config(DBConfig(url=url, sqlite_busy_timeout=50))
    with holder_engine.connect() as holder:
        holder.execute(text("SELECT 1"))
        holder.exec_driver_sql("UPDATE rel_slots SET label = 'x'")  # holds the write lock
        with Session(impatient) as session:
            with pytest.raises(RetryableError) as info, transaction(session):
                sync.write_row(Slot(id=3), session)
            assert isinstance(info.value, TransactionError)
            assert str(info.value).startswith("Transaction failed:")
        holder.rollback()
    with Session(impatient) as session:
        with transaction(session):
            sync.write_row(Slot(id=3), session)
        assert session.get(Slot, 3) is not None
    holder_engine.dispose()
    impatient.dispose()
