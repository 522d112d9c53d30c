"""Test support shared by the async tests and their generated sync twins.

Backends: a SQLite file (WAL), in-memory SQLite and a real PostgreSQL server.
Every PostgreSQL test runs in a schema of its own that is dropped afterwards,
so tests never depend on leftovers or on each other.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import SQLModel

PG_URL = os.environ.get("SCU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("SCU_REQUIRE_POSTGRES", "") == "1"

BACKENDS = ("sqlite_file", "sqlite_memory", "postgresql")


@functools.cache
def postgres_problem() -> str | None:
    """Return why PostgreSQL cannot be used, or ``None`` when it answers."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - dev extra installs it
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(_libpq_url(PG_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL at {PG_URL} is unreachable: {exc}"
    return None


def require_postgres() -> None:
    """Skip (or fail under ``SCU_REQUIRE_POSTGRES=1``) when PostgreSQL is missing."""
    problem = postgres_problem()
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"SCU_REQUIRE_POSTGRES=1 but {problem}")
    pytest.skip(problem)


def _libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").replace(
        "postgresql+asyncpg://", "postgresql://"
    )


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """Create a throw-away schema and drop it (with everything in it) afterwards."""
    import psycopg

    name = f"scu_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_libpq_url(PG_URL), autocommit=True) as conn:
            # A connection left open by a failing test must not hang the suite.
            conn.execute("SET lock_timeout = '15s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def attach_search_path(engine: Any, schema: str) -> None:
    """Point every new connection of ``engine`` (sync or async) at ``schema``."""
    sync_engine = getattr(engine, "sync_engine", engine)

    @event.listens_for(sync_engine, "connect", insert=True)
    def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET SESSION search_path TO "{schema}"')
        cursor.close()
        dbapi_connection.autocommit = autocommit


@contextlib.contextmanager
def backend(name: str, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """Yield ``(url, schema)`` for one backend; ``schema`` is set for PostgreSQL."""
    if name == "sqlite_file":
        yield f"sqlite:///{tmp_path / 'test.db'}", None
    elif name == "sqlite_memory":
        yield "sqlite:///:memory:", None
    elif name == "postgresql":
        require_postgres()
        with pg_schema() as schema:
            yield PG_URL, schema
    else:  # pragma: no cover - programming error in a test
        raise ValueError(f"unknown backend {name!r}")


def create_tables(engine: Any, metadata: Any = None) -> None:
    """Create the test models' tables on a sync engine."""
    with engine.begin() as conn:
        (metadata or SQLModel.metadata).create_all(conn)


async def async_create_tables(engine: Any, metadata: Any = None) -> None:
    """Create the test models' tables on an async engine."""
    async with engine.begin() as conn:
        await conn.run_sync((metadata or SQLModel.metadata).create_all)


def run_concurrently(fn: Any, count: int) -> list[Any]:
    """Call ``fn(i)`` for ``i`` in ``range(count)`` from ``count`` threads at once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(count)

    def start(index: int) -> Any:
        barrier.wait(timeout=30)
        return fn(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


async def async_run_concurrently(fn: Any, count: int) -> list[Any]:
    """Run ``fn(i)`` for ``i`` in ``range(count)`` as concurrent tasks."""
    import asyncio

    return list(await asyncio.gather(*(fn(index) for index in range(count))))


def is_memory(engine: Any) -> bool:
    """Whether ``engine`` is an in-memory SQLite database (one shared connection)."""
    return engine.url.get_backend_name() == "sqlite" and engine.url.database in (
        None,
        "",
        ":memory:",
    )


@contextlib.contextmanager
def isolated_hooks() -> Iterator[None]:
    """Run with no lifecycle hooks registered, then put back the ones registered before.

    Hooks are process-wide: a test must neither see hooks that other modules (an example
    application, say) registered at import nor remove them for the tests that follow.
    """
    from sqlmodel_crud_utils import hooks

    with hooks._lock:
        saved = {key: list(fns) for key, fns in hooks._registry.items()}
    hooks.clear_hooks()
    try:
        yield
    finally:
        with hooks._lock:
            hooks._registry.clear()
            hooks._registry.update(saved)
            hooks._resolved.clear()


def pings_before_use(engine: Any) -> bool:
    """Whether an engine tests pooled connections before use (at every checkout or after idling)."""
    from sqlmodel_crud_utils._pool_ping import idle_ping_threshold

    pool = getattr(engine, "sync_engine", engine).pool
    return bool(getattr(pool, "_pre_ping", False)) or idle_ping_threshold(engine) is not None
