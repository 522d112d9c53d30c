"""The few I/O primitives that differ between the sync and async twins.

Generated sync code calls the plain name where the async source calls the
``async_`` one (``scripts/unasync.py`` drops the prefix).  Keep this module
tiny: anything that can be written once belongs elsewhere.
"""

from __future__ import annotations

from typing import Any

from sqlmodel_crud_utils._direct import execute_many, execute_records, execute_single
from sqlmodel_crud_utils.cache import record_written


async def async_open_stream(session: Any, stmt: Any, options: dict[str, Any]) -> Any:
    """Execute ``stmt`` with a streaming (server-side where possible) result."""
    return await session.stream(stmt, execution_options=options)


def open_stream(session: Any, stmt: Any, options: dict[str, Any]) -> Any:
    """Execute ``stmt`` with a streaming (server-side where possible) result."""
    return session.exec(stmt, execution_options=options)


async def async_copy_rows(conn: Any, sql: str, table: Any, columns: list[str], rows: Any) -> bool:
    """Stream ``rows`` (tuples of driver values) with ``COPY`` on the connection's transaction.

    Supports asyncpg and psycopg; returns ``False`` (nothing sent) for other drivers.
    """
    driver = conn.dialect.driver
    if conn.dialect.name != "postgresql" or driver not in ("asyncpg", "psycopg"):
        return False
    raw = await conn.get_raw_connection()
    target = raw.driver_connection
    if driver == "asyncpg":
        # asyncpg's adapter begins its transaction on the first statement: begin it now,
        # so the COPY belongs to the caller's transaction.
        await conn.exec_driver_sql("SELECT 1")
        await target.copy_records_to_table(
            table.name, records=rows, columns=columns, schema_name=table.schema
        )
        return True
    async with target.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            await copy.write_row(row)
    return True


def copy_rows(conn: Any, sql: str, table: Any, columns: list[str], rows: Any) -> bool:
    """Stream ``rows`` (tuples of driver values) with ``COPY`` on the connection's transaction.

    Supports psycopg; returns ``False`` (nothing sent) for other drivers.
    """
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return False
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    return True


def _execute_committed(session: Any, bind: Any, stmt: Any, params: dict[str, Any]) -> Any:
    """Execute ``stmt`` in a transaction of its own on ``bind`` and commit it.

    Returns the one row the statement returned (``None`` for no row) when it
    has ``RETURNING``, else the affected-row count.  ``session`` is the sync
    session (unused; it keeps the signature of ``run_sync`` callables).
    """
    with bind.begin() as conn:
        return execute_single(conn, stmt, params)


async def async_execute_committed(
    session: Any, bind: Any, stmt: Any, params: dict[str, Any]
) -> Any:
    """Run :func:`_execute_committed` for an async session (one greenlet switch)."""
    return await session.run_sync(_execute_committed, bind, stmt, params)


def execute_committed(session: Any, bind: Any, stmt: Any, params: dict[str, Any]) -> Any:
    """Run :func:`_execute_committed` for a sync session."""
    return _execute_committed(session, bind, stmt, params)


def _execute_in_session(session: Any, mapper: Any, stmt: Any, params: dict[str, Any]) -> Any:
    """Execute ``stmt`` in the session's transaction: its one row (or ``None``), or the count.

    For a statement of a single-row fast path (a ``SELECT`` or a write
    ``RETURNING`` at most one row, or a write without rows): the session's
    connection for ``mapper`` runs it as ``Session.execute`` would for a Core
    statement when the session has no ``do_orm_execute`` listeners (a write is
    noted for the read cache as its listener would note it).
    """
    conn = session.connection(bind_arguments={"mapper": mapper})
    if stmt.is_dml:
        record_written(session, mapper.class_)
    return execute_single(conn, stmt, params)


async def async_execute_in_session(
    session: Any, mapper: Any, stmt: Any, params: dict[str, Any]
) -> Any:
    """Run :func:`_execute_in_session` for an async session (one greenlet switch)."""
    return await session.run_sync(_execute_in_session, mapper, stmt, params)


def execute_in_session(session: Any, mapper: Any, stmt: Any, params: dict[str, Any]) -> Any:
    """Run :func:`_execute_in_session` for a sync session."""
    return _execute_in_session(session, mapper, stmt, params)


async def async_execute_many(conn: Any, stmt: Any, rows: Any) -> tuple[Any, Any]:
    """Run :func:`execute_many` on an async connection (one greenlet switch)."""
    outcome: tuple[Any, Any] = await conn.run_sync(execute_many, stmt, rows)
    return outcome


async def async_execute_records(conn: Any, stmt: Any, params: Any) -> list[dict[str, Any]]:
    """Run :func:`execute_records` on an async connection (one greenlet switch)."""
    records: list[dict[str, Any]] = await conn.run_sync(execute_records, stmt, params)
    return records


__all__ = [
    "async_copy_rows",
    "async_execute_many",
    "async_execute_records",
    "async_open_stream",
    "copy_rows",
    "execute_many",
    "execute_records",
    "open_stream",
]
