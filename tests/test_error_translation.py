"""Driver errors are translated by error code into the package's exceptions.

Every error here is provoked for real: SQLite through ``sqlite3`` and ``aiosqlite``, PostgreSQL
through psycopg 3 and asyncpg. PostgreSQL tests run in a schema of their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from sqlmodel_crud_utils._core.errors import error_code, is_retryable, translate_error
from sqlmodel_crud_utils.exceptions import (
    CheckConstraintError,
    DatabaseConnectionError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    NotNullError,
    QueryExecutionError,
    RetryableError,
    SchemaError,
    SQLModelCRUDError,
    TransactionError,
)
from tests.support import PG_URL, pg_schema, require_postgres

needs_sqlite_codes = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="sqlite3 reports result codes from Python 3.11 on"
)

PSYCOPG_URL = make_url(PG_URL).set(drivername="postgresql+psycopg")
ASYNCPG_URL = make_url(PG_URL).set(drivername="postgresql+asyncpg")


def _ddl(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE {prefix}parent (id INTEGER PRIMARY KEY, code VARCHAR(10) UNIQUE)",
        f"CREATE TABLE {prefix}child ("
        "id INTEGER PRIMARY KEY,"
        f" parent_id INTEGER REFERENCES {prefix}parent (id),"
        " name VARCHAR(20) NOT NULL,"
        " qty INTEGER CHECK (qty > 0))",
        f"INSERT INTO {prefix}parent (id, code) VALUES (1, 'a')",
    ]


@dataclasses.dataclass(frozen=True)
class Case:
    """One provoked failure and what each backend must turn it into."""

    sql: str
    cls: type[SQLModelCRUDError]
    sqlite_code: int
    sqlite_name: str
    sqlstate: str
    sqlite_kind: str | None = None
    pg_kind: str | None = None
    constraint_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None


CASES = {
    "unique": Case(
        "INSERT INTO {p}parent (id, code) VALUES (2, 'a')",
        DuplicateKeyError,
        2067,
        "SQLITE_CONSTRAINT_UNIQUE",
        "23505",
        "unique",
        "unique",
        "parent_code_key",
        "parent",
    ),
    "primary_key": Case(
        "INSERT INTO {p}parent (id, code) VALUES (1, 'b')",
        DuplicateKeyError,
        1555,
        "SQLITE_CONSTRAINT_PRIMARYKEY",
        "23505",
        "primary_key",
        "unique",
        "parent_pkey",
        "parent",
    ),
    "foreign_key": Case(
        "INSERT INTO {p}child (id, parent_id, name, qty) VALUES (1, 99, 'x', 1)",
        ForeignKeyError,
        787,
        "SQLITE_CONSTRAINT_FOREIGNKEY",
        "23503",
        "foreign_key",
        "foreign_key",
        "child_parent_id_fkey",
        "child",
    ),
    "not_null": Case(
        "INSERT INTO {p}child (id, parent_id, name, qty) VALUES (1, 1, NULL, 1)",
        NotNullError,
        1299,
        "SQLITE_CONSTRAINT_NOTNULL",
        "23502",
        "not_null",
        "not_null",
        None,
        "child",
        "name",
    ),
    "check": Case(
        "INSERT INTO {p}child (id, parent_id, name, qty) VALUES (1, 1, 'x', 0)",
        CheckConstraintError,
        275,
        "SQLITE_CONSTRAINT_CHECK",
        "23514",
        "check",
        "check",
        "child_qty_check",
        "child",
    ),
    "missing_table": Case("SELECT * FROM {p}missing", SchemaError, 1, "SQLITE_ERROR", "42P01"),
    "missing_column": Case(
        "SELECT missing FROM {p}parent", SchemaError, 1, "SQLITE_ERROR", "42703"
    ),
    "table_exists": Case(
        "CREATE TABLE {p}parent (id INTEGER)", SchemaError, 1, "SQLITE_ERROR", "42P07"
    ),
    "column_exists": Case(
        "ALTER TABLE {p}parent ADD COLUMN code VARCHAR(5)", SchemaError, 1, "SQLITE_ERROR", "42701"
    ),
    "syntax": Case("SELEC 1", QueryExecutionError, 1, "SQLITE_ERROR", "42601"),
}
INTEGRITY_CASES = ["unique", "primary_key", "foreign_key", "not_null", "check"]


def _assert_translated(
    error: BaseException, translated: SQLModelCRUDError, cls: type[SQLModelCRUDError]
) -> None:
    assert type(translated) is cls, f"{type(translated).__name__}: {translated}"
    assert isinstance(translated, SQLModelCRUDError)
    assert translated.original_error is error
    assert translated.__cause__ is error


def _expect_sqlite(case: Case, error: BaseException) -> SQLModelCRUDError:
    translated = translate_error(error)
    _assert_translated(error, translated, case.cls)
    assert translated.code == case.sqlite_code
    assert translated.sqlite_errorcode == case.sqlite_code
    assert translated.sqlite_errorname == case.sqlite_name
    assert translated.sqlstate is None
    assert error_code(error) == case.sqlite_code
    assert error_code(translated) == case.sqlite_code
    assert is_retryable(error) is False
    if isinstance(translated, IntegrityError):
        assert translated.constraint == case.sqlite_kind
    return translated


def _expect_postgres(case: Case, error: BaseException) -> SQLModelCRUDError:
    translated = translate_error(error)
    _assert_translated(error, translated, case.cls)
    assert translated.code == case.sqlstate
    assert translated.sqlstate == case.sqlstate
    assert translated.sqlite_errorcode is None
    assert error_code(error) == case.sqlstate
    assert is_retryable(error) is False
    if isinstance(translated, IntegrityError):
        assert translated.constraint == case.pg_kind
        assert translated.constraint_name == case.constraint_name
        assert translated.table_name == case.table_name
        assert translated.column_name == case.column_name
    return translated


def _fail(conn: Connection, sql: str) -> sa_exc.DBAPIError:
    with pytest.raises(sa_exc.DBAPIError) as info:
        conn.execute(text(sql))
    conn.rollback()
    return info.value


# --------------------------------------------------------------------------- SQLite (sqlite3)


def _enable_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    path = tmp_path / "errors.db"
    with sqlite3.connect(path) as conn:
        for statement in _ddl(""):
            conn.execute(statement)
    conn.close()
    return path


@pytest.fixture
def sqlite_engine(sqlite_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{sqlite_path}")
    event.listen(engine, "connect", _enable_foreign_keys)
    yield engine
    engine.dispose()


@needs_sqlite_codes
@pytest.mark.parametrize("name", list(CASES))
def test_sqlite(sqlite_engine: Engine, name: str) -> None:
    case = CASES[name]
    sql = case.sql.format(p="")
    with sqlite_engine.connect() as conn:
        error = _fail(conn, sql)
    translated = _expect_sqlite(case, error)
    if isinstance(translated, QueryExecutionError):
        assert translated.query == sql
    if isinstance(translated, IntegrityError):
        # SQLite reports no names apart from inside its message text, which is not parsed.
        assert translated.constraint_name is None
        assert translated.column_name is None
    raw = translate_error(error.orig)
    assert type(raw) is case.cls
    assert raw.original_error is error.orig
    assert raw.code == case.sqlite_code


@needs_sqlite_codes
def test_sqlite_query_argument_overrides_statement(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        error = _fail(conn, CASES["unique"].sql.format(p=""))
    translated = translate_error(error, query="INSERT INTO parent ...")
    assert isinstance(translated, DuplicateKeyError)
    assert translated.query == "INSERT INTO parent ..."
    assert str(translated).endswith("\nQuery: INSERT INTO parent ...")
    assert "UNIQUE constraint failed" in str(translated)


@needs_sqlite_codes
def test_sqlite_other_constraint_is_generic_integrity_error(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER no_big BEFORE INSERT ON parent WHEN NEW.id > 100"
                " BEGIN SELECT RAISE(ABORT, 'too big'); END"
            )
        )
    with sqlite_engine.connect() as conn:
        error = _fail(conn, "INSERT INTO parent (id, code) VALUES (101, 'z')")
    translated = translate_error(error)
    _assert_translated(error, translated, IntegrityError)
    assert isinstance(translated, IntegrityError)
    assert translated.constraint is None
    assert translated.code == 1811
    assert translated.sqlite_errorname == "SQLITE_CONSTRAINT_TRIGGER"


@needs_sqlite_codes
def test_sqlite_busy_is_retryable(sqlite_path: Path) -> None:
    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{sqlite_path}", connect_args={"timeout": 0})
    try:
        with engine.connect() as conn:
            error = _fail(conn, "INSERT INTO parent (id, code) VALUES (5, 'e')")
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert isinstance(translated, TransactionError)
    assert translated.sqlite_errorcode is not None
    assert translated.sqlite_errorcode & 0xFF == 5
    assert translated.sqlite_errorname is not None
    assert translated.sqlite_errorname.startswith("SQLITE_BUSY")
    assert is_retryable(error) is True
    assert is_retryable(error.orig) is True
    assert is_retryable(translated) is True
    wrapped = TransactionError("Transaction failed: locked", original_error=error)
    assert is_retryable(wrapped) is True


@needs_sqlite_codes
def test_sqlite_locked_is_retryable(sqlite_path: Path) -> None:
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        conn.executemany("INSERT INTO parent (id, code) VALUES (?, ?)", [(2, "b"), (3, "c")])
        cursor = conn.execute("SELECT * FROM parent")
        cursor.fetchone()
        with pytest.raises(sqlite3.OperationalError) as info:
            conn.execute("DROP TABLE child")
        cursor.close()
    finally:
        conn.close()
    translated = translate_error(info.value)
    _assert_translated(info.value, translated, RetryableError)
    assert translated.sqlite_errorcode == 6
    assert translated.sqlite_errorname == "SQLITE_LOCKED"
    assert is_retryable(info.value) is True


@needs_sqlite_codes
def test_sqlite_readonly_is_typed_query_error(sqlite_path: Path) -> None:
    conn = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            conn.execute("INSERT INTO parent (id, code) VALUES (9, 'r')")
    finally:
        conn.close()
    translated = translate_error(info.value, query="INSERT ...")
    _assert_translated(info.value, translated, QueryExecutionError)
    assert translated.sqlite_errorcode is not None
    assert translated.sqlite_errorcode & 0xFF == 8
    assert translated.sqlite_errorname == "SQLITE_READONLY"
    assert isinstance(translated, QueryExecutionError)
    assert translated.query == "INSERT ..."


@needs_sqlite_codes
def test_sqlite_cannot_open_is_connection_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        with pytest.raises(sa_exc.OperationalError) as info:
            engine.connect()
    finally:
        engine.dispose()
    translated = translate_error(info.value)
    _assert_translated(info.value, translated, DatabaseConnectionError)
    assert translated.sqlite_errorcode is not None
    assert translated.sqlite_errorcode & 0xFF == 14
    assert isinstance(translated, ConnectionError)
    assert is_retryable(info.value) is False


@needs_sqlite_codes
def test_sqlite_not_a_database_is_connection_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 200)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn, pytest.raises(sa_exc.DatabaseError) as info:
            conn.execute(text("SELECT * FROM sqlite_master"))
    finally:
        engine.dispose()
    translated = translate_error(info.value)
    _assert_translated(info.value, translated, DatabaseConnectionError)
    assert translated.code == 26
    assert translated.sqlite_errorname == "SQLITE_NOTADB"


def test_sqlite_without_result_codes_falls_back_to_the_class(sqlite_engine: Engine) -> None:
    # Python 3.10's sqlite3 sets no result code; strip it to get the same errors on 3.11+.
    with sqlite_engine.connect() as conn:
        integrity = _fail(conn, CASES["unique"].sql.format(p=""))
        schema = _fail(conn, CASES["missing_table"].sql.format(p=""))
    for error in (integrity, schema):
        for attribute in ("sqlite_errorcode", "sqlite_errorname"):
            if hasattr(error.orig, attribute):
                delattr(error.orig, attribute)
    translated = translate_error(integrity)
    _assert_translated(integrity, translated, IntegrityError)
    assert isinstance(translated, IntegrityError)
    assert translated.constraint is None
    assert translated.code is None
    assert error_code(integrity) is None
    translated = translate_error(schema)
    _assert_translated(schema, translated, QueryExecutionError)
    assert translated.code is None


# --------------------------------------------------------------------------- SQLite (aiosqlite)


@needs_sqlite_codes
@pytest.mark.parametrize("name", list(CASES))
def test_aiosqlite(sqlite_path: Path, name: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    case = CASES[name]

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(f"sqlite+aiosqlite:///{sqlite_path}")
        event.listen(engine.sync_engine, "connect", _enable_foreign_keys)
        try:
            async with engine.connect() as conn:
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await conn.execute(text(case.sql.format(p="")))
                await conn.rollback()
        finally:
            await engine.dispose()
        return info.value

    error = asyncio.run(provoke())
    _expect_sqlite(case, error)


@needs_sqlite_codes
def test_aiosqlite_busy_is_retryable(sqlite_path: Path) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{sqlite_path}", connect_args={"timeout": 0}
        )
        try:
            async with engine.connect() as conn:
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await conn.execute(text("INSERT INTO parent (id, code) VALUES (7, 'g')"))
                await conn.rollback()
        finally:
            await engine.dispose()
        return info.value

    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        error = asyncio.run(provoke())
    finally:
        holder.rollback()
        holder.close()
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert is_retryable(error) is True


# --------------------------------------------------------------------------- PostgreSQL fixtures


@pytest.fixture
def pg_schema_name() -> Iterator[str]:
    require_postgres()
    with pg_schema() as schema:
        engine = create_engine(PSYCOPG_URL)
        try:
            with engine.begin() as conn:
                for statement in _ddl(f'"{schema}".'):
                    conn.execute(text(statement))
        finally:
            engine.dispose()
        yield schema


@pytest.fixture
def psycopg_engine(pg_schema_name: str) -> Iterator[Engine]:
    engine = create_engine(PSYCOPG_URL)
    yield engine
    engine.dispose()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --------------------------------------------------------------------------- PostgreSQL (psycopg)


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(CASES))
def test_psycopg(psycopg_engine: Engine, pg_schema_name: str, name: str) -> None:
    case = CASES[name]
    with psycopg_engine.connect() as conn:
        error = _fail(conn, case.sql.format(p=f'"{pg_schema_name}".'))
    translated = _expect_postgres(case, error)
    raw = translate_error(error.orig)
    assert type(raw) is type(translated)
    assert raw.code == case.sqlstate
    if isinstance(translated, IntegrityError):
        assert isinstance(raw, IntegrityError)
        assert raw.constraint_name == case.constraint_name


@pytest.mark.postgres
def test_psycopg_other_integrity_violation(psycopg_engine: Engine, pg_schema_name: str) -> None:
    table = f'"{pg_schema_name}".booking'
    with psycopg_engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {table} (span int4range, EXCLUDE USING gist (span WITH &&))")
        )
        conn.execute(text(f"INSERT INTO {table} VALUES ('[1,5)')"))
    with psycopg_engine.connect() as conn:
        error = _fail(conn, f"INSERT INTO {table} VALUES ('[3,8)')")
    translated = translate_error(error)
    _assert_translated(error, translated, IntegrityError)
    assert isinstance(translated, IntegrityError)
    assert translated.code == "23P01"
    assert translated.constraint is None
    assert translated.constraint_name == "booking_span_excl"
    assert translated.table_name == "booking"


@pytest.mark.postgres
def test_psycopg_other_error_is_query_error(psycopg_engine: Engine) -> None:
    with psycopg_engine.connect() as conn:
        error = _fail(conn, "SELECT 1 / 0")
    translated = translate_error(error)
    _assert_translated(error, translated, QueryExecutionError)
    assert translated.code == "22012"
    assert isinstance(translated, QueryExecutionError)
    assert translated.query == "SELECT 1 / 0"
    assert "division by zero" in str(translated)


@pytest.mark.postgres
def test_psycopg_lock_not_available_is_retryable(
    psycopg_engine: Engine, pg_schema_name: str
) -> None:
    table = f'"{pg_schema_name}".parent'
    with psycopg_engine.connect() as holder, psycopg_engine.connect() as waiter:
        holder.execute(text(f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE"))
        error = _fail(waiter, f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE NOWAIT")
        holder.rollback()
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert translated.sqlstate == "55P03"
    assert is_retryable(error) is True
    assert is_retryable(error.orig) is True


@pytest.mark.postgres
def test_psycopg_lock_timeout_is_retryable(psycopg_engine: Engine, pg_schema_name: str) -> None:
    table = f'"{pg_schema_name}".parent'
    with psycopg_engine.connect() as holder, psycopg_engine.connect() as waiter:
        holder.execute(text(f"UPDATE {table} SET code = 'h' WHERE id = 1"))
        waiter.execute(text("SET lock_timeout = '50ms'"))
        error = _fail(waiter, f"UPDATE {table} SET code = 'w' WHERE id = 1")
        holder.rollback()
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert translated.code == "55P03"


@pytest.mark.postgres
def test_psycopg_serialization_failure_is_retryable(
    psycopg_engine: Engine, pg_schema_name: str
) -> None:
    table = f'"{pg_schema_name}".parent'
    with (
        psycopg_engine.connect().execution_options(isolation_level="REPEATABLE READ") as first,
        psycopg_engine.connect() as second,
    ):
        first.execute(text(f"SELECT code FROM {table} WHERE id = 1")).all()
        second.execute(text(f"UPDATE {table} SET code = 's' WHERE id = 1"))
        second.commit()
        error = _fail(first, f"UPDATE {table} SET code = 'f' WHERE id = 1")
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert translated.sqlstate == "40001"
    assert is_retryable(error) is True


@pytest.mark.postgres
def test_psycopg_deadlock_is_retryable(psycopg_engine: Engine, pg_schema_name: str) -> None:
    table = f'"{pg_schema_name}".parent'
    with psycopg_engine.begin() as conn:
        conn.execute(text(f"INSERT INTO {table} (id, code) VALUES (2, 'b')"))
    errors: list[sa_exc.DBAPIError] = []
    with (
        psycopg_engine.connect() as first,
        psycopg_engine.connect() as second,
        psycopg_engine.connect() as observer,
    ):
        first_pid = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
        first.execute(text(f"UPDATE {table} SET code = code WHERE id = 1"))
        second.execute(text(f"UPDATE {table} SET code = code WHERE id = 2"))

        def first_takes_row_two() -> None:
            try:
                first.execute(text(f"UPDATE {table} SET code = code WHERE id = 2"))
            except sa_exc.DBAPIError as exc:
                errors.append(exc)

        worker = threading.Thread(target=first_takes_row_two)
        worker.start()
        deadline = time.monotonic() + 10
        waiting = False
        while not waiting and time.monotonic() < deadline:
            waiting = bool(
                observer.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE pid = :pid AND wait_event_type = 'Lock'"
                    ),
                    {"pid": first_pid},
                ).scalar_one()
            )
            time.sleep(0.02)
        assert waiting, "the first connection never waited for the lock"
        try:
            second.execute(text(f"UPDATE {table} SET code = code WHERE id = 1"))
        except sa_exc.DBAPIError as exc:
            errors.append(exc)
        second.rollback()
        worker.join(timeout=30)
        assert not worker.is_alive()
        first.rollback()
    assert len(errors) == 1
    translated = translate_error(errors[0])
    _assert_translated(errors[0], translated, RetryableError)
    assert translated.sqlstate == "40P01"
    assert is_retryable(errors[0]) is True


@pytest.mark.postgres
def test_psycopg_terminated_connection_is_connection_error(psycopg_engine: Engine) -> None:
    with psycopg_engine.connect() as victim, psycopg_engine.connect() as killer:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(sa_exc.DBAPIError) as info:
            victim.execute(text("SELECT 1"))
    assert info.value.connection_invalidated
    translated = translate_error(info.value)
    _assert_translated(info.value, translated, DatabaseConnectionError)
    assert translated.sqlstate == "57P01"
    assert is_retryable(info.value) is False


@pytest.mark.postgres
@pytest.mark.parametrize("problem", ["refused", "unknown_role"])
def test_psycopg_connect_failure_is_connection_error(problem: str) -> None:
    require_postgres()
    if problem == "refused":
        url = PSYCOPG_URL.set(host="127.0.0.1", port=_closed_port(), password="s3cret")
    else:
        url = PSYCOPG_URL.set(username="scu_no_such_role")
    engine = create_engine(url)
    try:
        with pytest.raises(sa_exc.OperationalError) as info:
            engine.connect()
    finally:
        engine.dispose()
    translated = translate_error(info.value)
    _assert_translated(info.value, translated, DatabaseConnectionError)
    # psycopg reports no SQLSTATE for failures at connect time.
    assert translated.code is None
    assert "s3cret" not in str(translated)


# --------------------------------------------------------------------------- PostgreSQL (asyncpg)


def _asyncpg_fail(*statements: str, isolation_level: str | None = None) -> sa_exc.DBAPIError:
    """Run ``statements`` on one asyncpg connection; the last one must fail."""
    from sqlalchemy.ext.asyncio import create_async_engine

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(ASYNCPG_URL)
        try:
            async with engine.connect() as conn:
                if isolation_level is not None:
                    await conn.execution_options(isolation_level=isolation_level)
                for statement in statements[:-1]:
                    await conn.execute(text(statement))
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await conn.execute(text(statements[-1]))
                await conn.rollback()
        finally:
            await engine.dispose()
        return info.value

    result: sa_exc.DBAPIError = asyncio.run(provoke())
    return result


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(CASES))
def test_asyncpg(pg_schema_name: str, name: str) -> None:
    case = CASES[name]
    error = _asyncpg_fail(case.sql.format(p=f'"{pg_schema_name}".'))
    translated = _expect_postgres(case, error)
    # SQLAlchemy's adapted error chains the asyncpg exception, which carries the names.
    driver_error = error.orig.__cause__
    assert driver_error is not None
    assert type(driver_error).__module__.startswith("asyncpg")
    raw = translate_error(driver_error)
    assert type(raw) is type(translated)
    assert raw.original_error is driver_error
    assert raw.code == case.sqlstate
    if isinstance(raw, IntegrityError):
        assert raw.constraint_name == case.constraint_name
        assert raw.column_name == case.column_name


@pytest.mark.postgres
def test_asyncpg_lock_not_available_is_retryable(pg_schema_name: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    table = f'"{pg_schema_name}".parent'

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(ASYNCPG_URL)
        try:
            async with engine.connect() as holder, engine.connect() as waiter:
                await holder.execute(text(f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE"))
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await waiter.execute(
                        text(f"SELECT * FROM {table} WHERE id = 1 FOR UPDATE NOWAIT")
                    )
                await waiter.rollback()
                await holder.rollback()
        finally:
            await engine.dispose()
        return info.value

    error = asyncio.run(provoke())
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert translated.sqlstate == "55P03"
    assert is_retryable(error) is True


@pytest.mark.postgres
def test_asyncpg_serialization_failure_is_retryable(pg_schema_name: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    table = f'"{pg_schema_name}".parent'

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(ASYNCPG_URL)
        try:
            async with engine.connect() as first, engine.connect() as second:
                await first.execution_options(isolation_level="REPEATABLE READ")
                (await first.execute(text(f"SELECT code FROM {table} WHERE id = 1"))).all()
                await second.execute(text(f"UPDATE {table} SET code = 's' WHERE id = 1"))
                await second.commit()
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await first.execute(text(f"UPDATE {table} SET code = 'f' WHERE id = 1"))
                await first.rollback()
        finally:
            await engine.dispose()
        return info.value

    error = asyncio.run(provoke())
    translated = translate_error(error)
    _assert_translated(error, translated, RetryableError)
    assert translated.sqlstate == "40001"
    assert is_retryable(error) is True


@pytest.mark.postgres
def test_asyncpg_terminated_connection_is_connection_error() -> None:
    require_postgres()
    from sqlalchemy.ext.asyncio import create_async_engine

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(ASYNCPG_URL)
        try:
            async with engine.connect() as victim, engine.connect() as killer:
                pid = (await victim.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                with pytest.raises(sa_exc.DBAPIError) as info:
                    await victim.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
        return info.value

    error = asyncio.run(provoke())
    assert error.connection_invalidated
    translated = translate_error(error)
    _assert_translated(error, translated, DatabaseConnectionError)
    assert is_retryable(error) is False


@pytest.mark.postgres
def test_asyncpg_unknown_role_is_connection_error() -> None:
    require_postgres()
    from sqlalchemy.ext.asyncio import create_async_engine

    async def provoke() -> sa_exc.DBAPIError:
        engine = create_async_engine(ASYNCPG_URL.set(username="scu_no_such_role"))
        try:
            with pytest.raises(sa_exc.DBAPIError) as info:
                await engine.connect()
        finally:
            await engine.dispose()
        return info.value

    error = asyncio.run(provoke())
    translated = translate_error(error)
    _assert_translated(error, translated, DatabaseConnectionError)
    assert translated.sqlstate == "28000"


@pytest.mark.postgres
def test_asyncpg_refused_connection_is_connection_error() -> None:
    require_postgres()
    from sqlalchemy.ext.asyncio import create_async_engine

    async def provoke() -> BaseException:
        url = ASYNCPG_URL.set(host="127.0.0.1", port=_closed_port(), password="s3cret")
        engine = create_async_engine(url)
        try:
            with pytest.raises(OSError) as info:
                await engine.connect()
        finally:
            await engine.dispose()
        return info.value

    # asyncpg's socket error reaches the caller unwrapped by SQLAlchemy.
    error = asyncio.run(provoke())
    translated = translate_error(error)
    _assert_translated(error, translated, DatabaseConnectionError)
    assert translated.code is None


# --------------------------------------------------------------------------- general behaviour


def test_translated_errors_pass_through_unchanged() -> None:
    error = DuplicateKeyError("dup")
    assert translate_error(error) is error
    assert is_retryable(RetryableError()) is True
    assert is_retryable(TransactionError()) is False


def test_non_database_errors_become_query_errors() -> None:
    error = ValueError("not a database error")
    translated = translate_error(error, query="SELECT 1")
    _assert_translated(error, translated, QueryExecutionError)
    assert translated.code is None
    assert error_code(error) is None
    assert is_retryable(error) is False


def test_module_imports_without_optional_drivers() -> None:
    code = (
        "import sys\n"
        "for name in ('greenlet', 'asyncpg', 'psycopg', 'psycopg2', 'aiosqlite'):\n"
        "    sys.modules[name] = None\n"
        "import sqlmodel_crud_utils._core.errors as errors\n"
        "assert errors.translate_error(ValueError('x')).original_error is not None\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
