"""Foundation: engines, SQLite connection hooks, session scopes and dependencies."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import select

from sqlmodel_crud_utils import session as session_module
from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import (
    create_async_engine_from_config,
    create_async_pooled_engine,
    install_sqlite_hooks,
)
from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.session import async_session_dependency, async_session_scope
from tests import support
from tests.models import Hero, Team
from tests.support import BACKENDS, PG_URL, backend, pings_before_use, require_postgres

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

SQLITE_BACKENDS = [name for name in BACKENDS if name.startswith("sqlite")]
PRAGMAS = ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")


class Interrupt(BaseException):
    """Stands in for cancellation or ``KeyboardInterrupt``."""


@asynccontextmanager
async def open_engine(name: str, tmp_path: Path, **settings: Any) -> AsyncIterator[AsyncEngine]:
    """A SQLite engine from ``DBConfig``, with the test tables created."""
    with backend(name, tmp_path) as (url, _schema):
        engine = create_async_engine_from_config(DBConfig(url=url, **settings))
        try:
            await support.async_create_tables(engine)
            yield engine
        finally:
            await engine.dispose()


async def read_pragmas(conn: Any, names: tuple[str, ...] = PRAGMAS) -> dict[str, Any]:
    return {name: (await conn.execute(text(f"PRAGMA {name}"))).scalar() for name in names}


async def team_names(engine: AsyncEngine) -> list[str]:
    async with async_session_scope(engine) as session:
        return list((await session.exec(select(Team.name).order_by(Team.name))).all())


async def add_teams(scope: Any, *names: str) -> None:
    async with scope as session:
        for name in names:
            session.add(Team(name=name))


async def write_then_raise(scope: Any, error: BaseException, seen: list[Any]) -> None:
    async with scope as session:
        seen.append(session)
        session.add(Team(name="lost"))
        await session.flush()
        raise error


async def add_heroes(engine: AsyncEngine, *heroes: Hero) -> None:
    async with async_session_scope(engine) as session:
        session.add_all(heroes)


async def release_savepoint_then_raise(engine: AsyncEngine) -> None:
    async with async_session_scope(engine) as session:
        async with session.begin_nested():
            session.add(Team(name="released"))
        raise RuntimeError("undo")


@pytest.fixture
async def restore_default_engine() -> AsyncIterator[None]:
    yield
    session_module.set_default_async_engine(None)


# ------------------------------------------------------------------- SQLite hooks


async def test_sqlite_file_pragmas_on_every_pooled_connection(tmp_path: Path) -> None:
    expected = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}
    async with open_engine("sqlite_file", tmp_path) as engine:
        async with engine.connect() as first, engine.connect() as second:
            assert engine.pool.checkedout() == 2
            assert await read_pragmas(first) == expected
            assert await read_pragmas(second) == expected
        async with engine.connect() as again:
            assert await read_pragmas(again) == expected


async def test_sqlite_memory_pragmas_and_one_shared_database(tmp_path: Path) -> None:
    expected = {"journal_mode": "memory", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}
    async with open_engine("sqlite_memory", tmp_path) as engine:
        for _ in range(2):
            async with engine.connect() as conn:
                assert await read_pragmas(conn) == expected
        async with async_session_scope(engine) as session:
            session.add(Team(name="shared"))
        assert await team_names(engine) == ["shared"]


@pytest.mark.parametrize("name", SQLITE_BACKENDS)
async def test_sqlite_extra_pragmas_and_replaced_settings(name: str, tmp_path: Path) -> None:
    settings: dict[str, Any] = {
        "sqlite_synchronous": "FULL",
        "sqlite_foreign_keys": False,
        "sqlite_pragmas": {"cache_size": -4000, "temp_store": "MEMORY"},
    }
    async with open_engine(name, tmp_path, **settings) as engine:
        names = ("synchronous", "foreign_keys", "cache_size", "temp_store")
        async with engine.connect() as conn:
            assert await read_pragmas(conn, names) == {
                "synchronous": 2,
                "foreign_keys": 0,
                "cache_size": -4000,
                "temp_store": 2,
            }
        install_sqlite_hooks(engine, DBConfig(url=str(engine.url), sqlite_busy_timeout=1234))
        async with engine.connect() as conn:
            assert await read_pragmas(conn, ("busy_timeout", "foreign_keys")) == {
                "busy_timeout": 1234,
                "foreign_keys": 1,
            }


async def test_installing_hooks_twice_is_harmless(engine: AsyncEngine) -> None:
    copy = engine.execution_options(sqlite_begin="immediate")
    install_sqlite_hooks(engine)
    install_sqlite_hooks(copy)
    for target in (engine, copy):
        async with target.begin() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    async with async_session_scope(engine) as session, session.begin_nested():
        session.add(Team(name="once"))
    assert await team_names(engine) == ["once"]


async def test_foreign_keys_are_enforced(engine: AsyncEngine) -> None:
    hero = Hero(name="orphan", secret_name="x", team_id=999)
    with pytest.raises(IntegrityError):
        await add_heroes(engine, hero)
    async with async_session_scope(engine) as session:
        assert list((await session.exec(select(Hero))).all()) == []


async def test_savepoint_rollback_keeps_outer_work(engine: AsyncEngine) -> None:
    async with async_session_scope(engine) as session:
        session.add(Team(name="outer"))
        await session.flush()
        savepoint = await session.begin_nested()
        session.add(Team(name="inner"))
        await session.flush()
        await savepoint.rollback()
        session.add(Team(name="after"))
    assert await team_names(engine) == ["after", "outer"]


async def test_outer_rollback_undoes_a_released_savepoint(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError, match="undo"):
        await release_savepoint_then_raise(engine)
    assert await team_names(engine) == []


async def test_ddl_is_transactional(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await conn.execute(text("CREATE TABLE ddl_probe (id INTEGER PRIMARY KEY)"))
        await transaction.rollback()
    with pytest.raises(DBAPIError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM ddl_probe"))


async def test_immediate_scope_takes_the_write_lock(tmp_path: Path) -> None:
    async with open_engine("sqlite_file", tmp_path) as engine:
        assert engine.url.database is not None
        other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            async with async_session_scope(engine) as session:
                await session.exec(select(Team))
                other.execute("INSERT INTO teams (name) VALUES ('other-while-reading')")
            async with async_session_scope(engine, immediate=True) as session:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO teams (name) VALUES ('other-while-writing')")
                session.add(Team(name="writer"))
        finally:
            other.close()
        assert await team_names(engine) == ["other-while-reading", "writer"]


@pytest.mark.parametrize("name", SQLITE_BACKENDS)
async def test_invalid_begin_option_is_rejected(name: str, tmp_path: Path) -> None:
    async with open_engine(name, tmp_path) as engine, engine.connect() as conn:
        conn = await conn.execution_options(sqlite_begin="later")
        with pytest.raises(ValidationError, match="sqlite_begin"):
            await conn.begin()


# ------------------------------------------------------------------ session scope


async def test_scope_commits_closes_and_keeps_objects_readable(engine: AsyncEngine) -> None:
    async with async_session_scope(engine) as session:
        team = Team(name="committed")
        session.add(team)
    assert not session.in_transaction()
    assert team not in session
    assert team.id is not None
    assert team.name == "committed"
    assert await team_names(engine) == ["committed"]


async def test_scope_rolls_back_and_reraises(engine: AsyncEngine) -> None:
    seen: list[AsyncSession] = []
    with pytest.raises(ValueError, match="boom"):
        await write_then_raise(async_session_scope(engine), ValueError("boom"), seen)
    assert not seen[0].in_transaction()
    assert await team_names(engine) == []


async def test_scope_rolls_back_on_base_exception(engine: AsyncEngine) -> None:
    seen: list[AsyncSession] = []
    with pytest.raises(Interrupt):
        await write_then_raise(async_session_scope(engine), Interrupt(), seen)
    assert not seen[0].in_transaction()
    assert await team_names(engine) == []


async def test_scope_rolls_back_a_failed_commit(engine: AsyncEngine) -> None:
    await add_teams(async_session_scope(engine), "taken")
    with pytest.raises(IntegrityError):
        await add_teams(async_session_scope(engine), "fresh", "taken")
    assert await team_names(engine) == ["taken"]


async def test_scope_accepts_a_sessionmaker_and_session_options(engine: AsyncEngine) -> None:
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    async with async_session_scope(factory, info={"who": "test"}) as session:
        assert isinstance(session, AsyncSession)
        assert session.info["who"] == "test"
        session.add(Team(name="made"))
    assert await team_names(engine) == ["made"]


async def test_immediate_scope_works_on_every_backend(engine: AsyncEngine) -> None:
    async with async_session_scope(engine, immediate=True) as session:
        session.add(Team(name="first"))
    async with async_session_scope(engine, immediate=True) as session:
        team = (await session.exec(select(Team))).one()
        team.headquarters = "here"
    async with async_session_scope(engine) as session:
        assert (await session.exec(select(Team.headquarters))).one() == "here"


# ------------------------------------------------------------------- dependencies


async def test_session_dependency_commits_and_rolls_back(engine: AsyncEngine) -> None:
    dependency = asynccontextmanager(async_session_dependency(engine))
    async with dependency() as session:
        assert isinstance(session, AsyncSession)
        session.add(Team(name="via-dependency"))
    seen: list[AsyncSession] = []
    with pytest.raises(LookupError):
        await write_then_raise(dependency(), LookupError(), seen)
    assert not seen[0].in_transaction()
    assert await team_names(engine) == ["via-dependency"]


async def test_get_session_uses_the_default_engine(
    engine: AsyncEngine, restore_default_engine: None
) -> None:
    session_module.set_default_async_engine(engine)
    assert session_module.get_default_async_engine() is engine
    dependency = asynccontextmanager(session_module.get_async_session)
    async with dependency() as session:
        session.add(Team(name="default"))
    assert await team_names(engine) == ["default"]


async def test_default_engine_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_default_engine: None
) -> None:
    path = tmp_path / "default.db"
    monkeypatch.setenv("SCU_DATABASE_URL", f"sqlite:///{path}")
    session_module.set_default_async_engine(None)
    engine = session_module.get_default_async_engine()
    try:
        assert session_module.get_default_async_engine() is engine
        assert engine.url.get_backend_name() == "sqlite"
        assert engine.url.database == str(path)
        async with engine.connect() as conn:
            assert await read_pragmas(conn, ("journal_mode",)) == {"journal_mode": "wal"}
    finally:
        await engine.dispose()


# ---------------------------------------------------------------- pooled engines


async def test_pooled_engine_on_postgresql() -> None:
    require_postgres()
    engine = create_async_pooled_engine(PG_URL, pool_size=3, max_overflow=2, pool_timeout=7)
    try:
        assert engine.url.get_backend_name() == "postgresql"
        assert engine.pool.size() == 3
        assert engine.pool.timeout() == 7
        assert engine.pool._max_overflow == 2
        assert pings_before_use(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_config_engine_on_postgresql_uses_pool_defaults() -> None:
    require_postgres()
    engine = create_async_engine_from_config(DBConfig(url=PG_URL))
    try:
        assert engine.pool.size() == 5
        assert engine.pool._max_overflow == 10
        assert pings_before_use(engine)
        async with async_session_scope(engine, immediate=True) as session:
            conn = await session.connection()
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_pooled_engine_on_sqlite(tmp_path: Path) -> None:
    memory = create_async_pooled_engine("sqlite:///:memory:", pool_size=3)
    file = create_async_pooled_engine(f"sqlite:///{tmp_path / 'pooled.db'}", pool_size=3)
    try:
        assert type(memory.pool).__name__ == "StaticPool"
        assert file.pool.size() == 3
        assert not pings_before_use(file)
        async with file.connect() as conn:
            assert await read_pragmas(conn) == {
                "journal_mode": "wal",
                "synchronous": 1,
                "busy_timeout": 5000,
                "foreign_keys": 1,
            }
    finally:
        await memory.dispose()
        await file.dispose()


async def test_idle_connections_are_tested_and_replaced_when_dead() -> None:
    require_postgres()
    engine = create_async_engine_from_config(DBConfig(url=PG_URL, pool_pre_ping_idle=0.2))
    pings: list[bool] = []
    dialect = getattr(engine, "sync_engine", engine).dialect
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(True)
        return ping(dbapi_connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    admin = create_async_engine_from_config(PG_URL, poolclass=NullPool)
    try:
        assert not engine.pool._pre_ping  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        # Back in the pool a moment ago: handed out again without a test round trip.
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar() == first
        assert pings == []
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        time.sleep(0.3)
        # Idle past the threshold: tested, found dead and replaced; the caller sees no error.
        async with engine.connect() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert second != first
        assert pings == [True]
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_zero_idle_threshold_keeps_sqlalchemys_pre_ping() -> None:
    engine = create_async_engine_from_config(DBConfig(url=PG_URL, pool_pre_ping_idle=0))
    try:
        assert engine.pool._pre_ping is True  # type: ignore[attr-defined]
        assert pings_before_use(engine)
    finally:
        await engine.dispose()
