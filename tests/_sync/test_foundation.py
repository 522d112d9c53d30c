# This file is generated from tests/_async/test_foundation.py by scripts/unasync.py. Do not edit it by hand.
"""Foundation: engines, SQLite connection hooks, session scopes and dependencies."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool
from sqlmodel import Session
from sqlmodel.sql.expression import select

from sqlmodel_crud_utils import session as session_module
from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import (
    create_engine_from_config,
    create_pooled_engine,
    install_sqlite_hooks,
)
from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.session import session_dependency, session_scope
from tests import support
from tests.models import Hero, Team
from tests.support import BACKENDS, PG_URL, backend, pings_before_use, require_postgres

if TYPE_CHECKING:
    from sqlalchemy import Engine

SQLITE_BACKENDS = [name for name in BACKENDS if name.startswith("sqlite")]
PRAGMAS = ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")


class Interrupt(BaseException):
    """Stands in for cancellation or ``KeyboardInterrupt``."""


@contextmanager
def open_engine(name: str, tmp_path: Path, **settings: Any) -> Iterator[Engine]:
    """A SQLite engine from ``DBConfig``, with the test tables created."""
    with backend(name, tmp_path) as (url, _schema):
        engine = create_engine_from_config(DBConfig(url=url, **settings))
        try:
            support.create_tables(engine)
            yield engine
        finally:
            engine.dispose()


def read_pragmas(conn: Any, names: tuple[str, ...] = PRAGMAS) -> dict[str, Any]:
    return {name: (conn.execute(text(f"PRAGMA {name}"))).scalar() for name in names}


def team_names(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list((session.exec(select(Team.name).order_by(Team.name))).all())


def add_teams(scope: Any, *names: str) -> None:
    with scope as session:
        for name in names:
            session.add(Team(name=name))


def write_then_raise(scope: Any, error: BaseException, seen: list[Any]) -> None:
    with scope as session:
        seen.append(session)
        session.add(Team(name="lost"))
        session.flush()
        raise error


def add_heroes(engine: Engine, *heroes: Hero) -> None:
    with session_scope(engine) as session:
        session.add_all(heroes)


def release_savepoint_then_raise(engine: Engine) -> None:
    with session_scope(engine) as session:
        with session.begin_nested():
            session.add(Team(name="released"))
        raise RuntimeError("undo")


@pytest.fixture
def restore_default_engine() -> Iterator[None]:
    yield
    session_module.set_default_engine(None)


# ------------------------------------------------------------------- SQLite hooks


def test_sqlite_file_pragmas_on_every_pooled_connection(tmp_path: Path) -> None:
    expected = {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}
    with open_engine("sqlite_file", tmp_path) as engine:
        with engine.connect() as first, engine.connect() as second:
            assert engine.pool.checkedout() == 2
            assert read_pragmas(first) == expected
            assert read_pragmas(second) == expected
        with engine.connect() as again:
            assert read_pragmas(again) == expected


def test_sqlite_memory_pragmas_and_one_shared_database(tmp_path: Path) -> None:
    expected = {"journal_mode": "memory", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}
    with open_engine("sqlite_memory", tmp_path) as engine:
        for _ in range(2):
            with engine.connect() as conn:
                assert read_pragmas(conn) == expected
        with session_scope(engine) as session:
            session.add(Team(name="shared"))
        assert team_names(engine) == ["shared"]


@pytest.mark.parametrize("name", SQLITE_BACKENDS)
def test_sqlite_extra_pragmas_and_replaced_settings(name: str, tmp_path: Path) -> None:
    settings: dict[str, Any] = {
        "sqlite_synchronous": "FULL",
        "sqlite_foreign_keys": False,
        "sqlite_pragmas": {"cache_size": -4000, "temp_store": "MEMORY"},
    }
    with open_engine(name, tmp_path, **settings) as engine:
        names = ("synchronous", "foreign_keys", "cache_size", "temp_store")
        with engine.connect() as conn:
            assert read_pragmas(conn, names) == {
                "synchronous": 2,
                "foreign_keys": 0,
                "cache_size": -4000,
                "temp_store": 2,
            }
        install_sqlite_hooks(engine, DBConfig(url=str(engine.url), sqlite_busy_timeout=1234))
        with engine.connect() as conn:
            assert read_pragmas(conn, ("busy_timeout", "foreign_keys")) == {
                "busy_timeout": 1234,
                "foreign_keys": 1,
            }


def test_installing_hooks_twice_is_harmless(engine: Engine) -> None:
    copy = engine.execution_options(sqlite_begin="immediate")
    install_sqlite_hooks(engine)
    install_sqlite_hooks(copy)
    for target in (engine, copy):
        with target.begin() as conn:
            assert (conn.execute(text("SELECT 1"))).scalar() == 1
    with session_scope(engine) as session, session.begin_nested():
        session.add(Team(name="once"))
    assert team_names(engine) == ["once"]


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    hero = Hero(name="orphan", secret_name="x", team_id=999)
    with pytest.raises(IntegrityError):
        add_heroes(engine, hero)
    with session_scope(engine) as session:
        assert list((session.exec(select(Hero))).all()) == []


def test_savepoint_rollback_keeps_outer_work(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Team(name="outer"))
        session.flush()
        savepoint = session.begin_nested()
        session.add(Team(name="inner"))
        session.flush()
        savepoint.rollback()
        session.add(Team(name="after"))
    assert team_names(engine) == ["after", "outer"]


def test_outer_rollback_undoes_a_released_savepoint(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="undo"):
        release_savepoint_then_raise(engine)
    assert team_names(engine) == []


def test_ddl_is_transactional(engine: Engine) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text("CREATE TABLE ddl_probe (id INTEGER PRIMARY KEY)"))
        transaction.rollback()
    with pytest.raises(DBAPIError):
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM ddl_probe"))


def test_immediate_scope_takes_the_write_lock(tmp_path: Path) -> None:
    with open_engine("sqlite_file", tmp_path) as engine:
        assert engine.url.database is not None
        other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            with session_scope(engine) as session:
                session.exec(select(Team))
                other.execute("INSERT INTO teams (name) VALUES ('other-while-reading')")
            with session_scope(engine, immediate=True) as session:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO teams (name) VALUES ('other-while-writing')")
                session.add(Team(name="writer"))
        finally:
            other.close()
        assert team_names(engine) == ["other-while-reading", "writer"]


@pytest.mark.parametrize("name", SQLITE_BACKENDS)
def test_invalid_begin_option_is_rejected(name: str, tmp_path: Path) -> None:
    with open_engine(name, tmp_path) as engine, engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="later")
        with pytest.raises(ValidationError, match="sqlite_begin"):
            conn.begin()


# ------------------------------------------------------------------ session scope


def test_scope_commits_closes_and_keeps_objects_readable(engine: Engine) -> None:
    with session_scope(engine) as session:
        team = Team(name="committed")
        session.add(team)
    assert not session.in_transaction()
    assert team not in session
    assert team.id is not None
    assert team.name == "committed"
    assert team_names(engine) == ["committed"]


def test_scope_rolls_back_and_reraises(engine: Engine) -> None:
    seen: list[Session] = []
    with pytest.raises(ValueError, match="boom"):
        write_then_raise(session_scope(engine), ValueError("boom"), seen)
    assert not seen[0].in_transaction()
    assert team_names(engine) == []


def test_scope_rolls_back_on_base_exception(engine: Engine) -> None:
    seen: list[Session] = []
    with pytest.raises(Interrupt):
        write_then_raise(session_scope(engine), Interrupt(), seen)
    assert not seen[0].in_transaction()
    assert team_names(engine) == []


def test_scope_rolls_back_a_failed_commit(engine: Engine) -> None:
    add_teams(session_scope(engine), "taken")
    with pytest.raises(IntegrityError):
        add_teams(session_scope(engine), "fresh", "taken")
    assert team_names(engine) == ["taken"]


def test_scope_accepts_a_sessionmaker_and_session_options(engine: Engine) -> None:
    factory = sessionmaker(engine, class_=Session, expire_on_commit=False)
    with session_scope(factory, info={"who": "test"}) as session:
        assert isinstance(session, Session)
        assert session.info["who"] == "test"
        session.add(Team(name="made"))
    assert team_names(engine) == ["made"]


def test_immediate_scope_works_on_every_backend(engine: Engine) -> None:
    with session_scope(engine, immediate=True) as session:
        session.add(Team(name="first"))
    with session_scope(engine, immediate=True) as session:
        team = (session.exec(select(Team))).one()
        team.headquarters = "here"
    with session_scope(engine) as session:
        assert (session.exec(select(Team.headquarters))).one() == "here"


# ------------------------------------------------------------------- dependencies


def test_session_dependency_commits_and_rolls_back(engine: Engine) -> None:
    dependency = contextmanager(session_dependency(engine))
    with dependency() as session:
        assert isinstance(session, Session)
        session.add(Team(name="via-dependency"))
    seen: list[Session] = []
    with pytest.raises(LookupError):
        write_then_raise(dependency(), LookupError(), seen)
    assert not seen[0].in_transaction()
    assert team_names(engine) == ["via-dependency"]


def test_get_session_uses_the_default_engine(engine: Engine, restore_default_engine: None) -> None:
    session_module.set_default_engine(engine)
    assert session_module.get_default_engine() is engine
    dependency = contextmanager(session_module.get_session)
    with dependency() as session:
        session.add(Team(name="default"))
    assert team_names(engine) == ["default"]


def test_default_engine_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_default_engine: None
) -> None:
    path = tmp_path / "default.db"
    monkeypatch.setenv("SCU_DATABASE_URL", f"sqlite:///{path}")
    session_module.set_default_engine(None)
    engine = session_module.get_default_engine()
    try:
        assert session_module.get_default_engine() is engine
        assert engine.url.get_backend_name() == "sqlite"
        assert engine.url.database == str(path)
        with engine.connect() as conn:
            assert read_pragmas(conn, ("journal_mode",)) == {"journal_mode": "wal"}
    finally:
        engine.dispose()


# ---------------------------------------------------------------- pooled engines


def test_pooled_engine_on_postgresql() -> None:
    require_postgres()
    engine = create_pooled_engine(PG_URL, pool_size=3, max_overflow=2, pool_timeout=7)
    try:
        assert engine.url.get_backend_name() == "postgresql"
        assert engine.pool.size() == 3
        assert engine.pool.timeout() == 7
        assert engine.pool._max_overflow == 2
        assert pings_before_use(engine)
        with engine.connect() as conn:
            assert (conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        engine.dispose()


def test_config_engine_on_postgresql_uses_pool_defaults() -> None:
    require_postgres()
    engine = create_engine_from_config(DBConfig(url=PG_URL))
    try:
        assert engine.pool.size() == 5
        assert engine.pool._max_overflow == 10
        assert pings_before_use(engine)
        with session_scope(engine, immediate=True) as session:
            conn = session.connection()
            assert (conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        engine.dispose()


def test_pooled_engine_on_sqlite(tmp_path: Path) -> None:
    memory = create_pooled_engine("sqlite:///:memory:", pool_size=3)
    file = create_pooled_engine(f"sqlite:///{tmp_path / 'pooled.db'}", pool_size=3)
    try:
        assert type(memory.pool).__name__ == "StaticPool"
        assert file.pool.size() == 3
        assert not pings_before_use(file)
        with file.connect() as conn:
            assert read_pragmas(conn) == {
                "journal_mode": "wal",
                "synchronous": 1,
                "busy_timeout": 5000,
                "foreign_keys": 1,
            }
    finally:
        memory.dispose()
        file.dispose()


def test_idle_connections_are_tested_and_replaced_when_dead() -> None:
    require_postgres()
    engine = create_engine_from_config(DBConfig(url=PG_URL, pool_pre_ping_idle=0.2))
    pings: list[bool] = []
    dialect = getattr(engine, "sync_engine", engine).dialect
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(True)
        return ping(dbapi_connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    admin = create_engine_from_config(PG_URL, poolclass=NullPool)
    try:
        assert not engine.pool._pre_ping  # type: ignore[attr-defined]
        with engine.connect() as conn:
            first = (conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        # Back in the pool a moment ago: handed out again without a test round trip.
        with engine.connect() as conn:
            assert (conn.execute(text("SELECT pg_backend_pid()"))).scalar() == first
        assert pings == []
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        time.sleep(0.3)
        # Idle past the threshold: tested, found dead and replaced; the caller sees no error.
        with engine.connect() as conn:
            second = (conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert second != first
        assert pings == [True]
    finally:
        engine.dispose()
        admin.dispose()


def test_a_zero_idle_threshold_keeps_sqlalchemys_pre_ping() -> None:
    engine = create_engine_from_config(DBConfig(url=PG_URL, pool_pre_ping_idle=0))
    try:
        assert engine.pool._pre_ping is True  # type: ignore[attr-defined]
        assert pings_before_use(engine)
    finally:
        engine.dispose()
