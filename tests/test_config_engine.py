"""DBConfig and engine construction: pure checks that open no connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, make_url
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

from sqlmodel_crud_utils import engine as engine_module
from sqlmodel_crud_utils.config import DBConfig, mask_url, render_pragma
from sqlmodel_crud_utils.engine import (
    create_async_engine_from_config,
    create_async_pooled_engine,
    create_engine_from_config,
    create_pooled_engine,
    normalize_url,
)
from sqlmodel_crud_utils.exceptions import ValidationError
from tests.support import pings_before_use

#: A PostgreSQL address where nothing listens: creating an engine must not connect.
NOWHERE = "postgresql://app:s3cret@127.0.0.1:9/nothing"

URL_TABLE = [
    # (given, async, sync)
    ("sqlite://", "sqlite+aiosqlite://", "sqlite://"),
    ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:", "sqlite:///:memory:"),
    ("sqlite:///app.db", "sqlite+aiosqlite:///app.db", "sqlite:///app.db"),
    ("sqlite+pysqlite:///app.db", "sqlite+aiosqlite:///app.db", "sqlite+pysqlite:///app.db"),
    ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite:///app.db", "sqlite:///app.db"),
    (
        "postgresql://u:p@db:5432/app",
        "postgresql+asyncpg://u:p@db:5432/app",
        "postgresql+psycopg://u:p@db:5432/app",
    ),
    ("postgres://u@db/app", "postgresql+asyncpg://u@db/app", "postgresql+psycopg://u@db/app"),
    (
        "postgresql+asyncpg://u@db/app",
        "postgresql+asyncpg://u@db/app",
        "postgresql+psycopg://u@db/app",
    ),
    (
        "postgresql+psycopg://u@db/app",
        "postgresql+psycopg://u@db/app",
        "postgresql+psycopg://u@db/app",
    ),
    (
        "postgresql+psycopg2://u@db/app",
        "postgresql+asyncpg://u@db/app",
        "postgresql+psycopg2://u@db/app",
    ),
    (
        "postgresql://u@db/app?sslmode=require",
        "postgresql+asyncpg://u@db/app?sslmode=require",
        "postgresql+psycopg://u@db/app?sslmode=require",
    ),
    ("mysql+pymysql://u@db/app", "mysql+pymysql://u@db/app", "mysql+pymysql://u@db/app"),
    ("mariadb://u@db/app", "mariadb://u@db/app", "mariadb://u@db/app"),
]


def rendered(url: URL) -> str:
    return url.render_as_string(hide_password=False)


# ---------------------------------------------------------------- normalize_url


@pytest.mark.parametrize(("given", "async_url", "sync_url"), URL_TABLE)
def test_normalize_url_table(given: str, async_url: str, sync_url: str) -> None:
    assert normalize_url(given, async_=True) == make_url(async_url)
    assert normalize_url(given, async_=False) == make_url(sync_url)


def test_normalize_url_accepts_url_objects_and_keeps_the_password() -> None:
    url = URL.create("postgresql", username="u", password="p@ss", host="db", database="app")
    normalized = normalize_url(url, async_=True)
    assert normalized.drivername == "postgresql+asyncpg"
    assert normalized.password == "p@ss"


def test_sync_postgresql_without_psycopg_keeps_the_default_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "_psycopg_available", lambda: False)
    assert rendered(normalize_url("postgres://u@db/app", async_=False)) == "postgresql://u@db/app"


@pytest.mark.parametrize(
    "url",
    [
        "oracle://scott:tiger@db/app",
        "mssql+pyodbc://scott:tiger@db/app",
        "postgresql://scott:tiger@db:notaport/app",
        "scott:tiger@db",
    ],
)
def test_unsupported_url_error_hides_the_password(url: str) -> None:
    for async_ in (True, False):
        with pytest.raises(ValueError, match="Unsupported database URL") as caught:
            normalize_url(url, async_=async_)
        assert "tiger" not in str(caught.value)


# --------------------------------------------------------------------- DBConfig


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No database variables set, and a working directory of our own."""
    for name in list(os.environ):
        if name == "DATABASE_URL" or name.startswith("SCU_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_dbconfig_defaults(clean_env: pytest.MonkeyPatch) -> None:
    config = DBConfig()
    assert config.url == "sqlite:///:memory:"
    assert (config.pool_size, config.max_overflow, config.pool_timeout) == (5, 10, 30)
    assert config.pool_pre_ping is None
    assert config.sqlite_journal_mode == "WAL"
    assert config.sqlite_synchronous == "NORMAL"
    assert config.sqlite_busy_timeout == 5000
    assert config.sqlite_foreign_keys is True
    assert config.sqlite_begin == "deferred"
    assert config.sqlite_pragmas == {}
    assert config.connect_args == {}


def test_dbconfig_reads_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "sqlite:///from-database-url.db")
    assert DBConfig().url == "sqlite:///from-database-url.db"
    clean_env.setenv("SCU_DATABASE_URL", "sqlite:///from-scu.db")
    clean_env.setenv("SCU_POOL_SIZE", "9")
    clean_env.setenv("SCU_SQLITE_BEGIN", "immediate")
    config = DBConfig()
    assert config.url == "sqlite:///from-scu.db"
    assert config.pool_size == 9
    assert config.sqlite_begin == "immediate"
    assert DBConfig(url="sqlite:///given.db").url == "sqlite:///given.db"


def test_dbconfig_never_reads_a_dotenv_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///dotenv.db\nSCU_ECHO=1\n")
    config = DBConfig()
    assert config.url == "sqlite:///:memory:"
    assert config.echo is False


def test_dbconfig_hides_passwords(clean_env: pytest.MonkeyPatch) -> None:
    config = DBConfig(url=NOWHERE, connect_args={"password": "hunter2", "sslmode": "require"})
    for text in (repr(config), str(config)):
        assert "s3cret" not in text
        assert "hunter2" not in text
        assert "app:***@127.0.0.1" in text
        assert "require" in text
    assert config.url == NOWHERE
    assert DBConfig(url=make_url(NOWHERE)).url == NOWHERE
    assert "sqlite:///:memory:" in repr(DBConfig())


def test_mask_url() -> None:
    assert mask_url(NOWHERE) == "postgresql://app:***@127.0.0.1:9/nothing"
    assert mask_url(make_url(NOWHERE)) == "postgresql://app:***@127.0.0.1:9/nothing"
    assert mask_url("postgresql://app:s3cret@db:notaport/x") == "postgresql://app:***@db:notaport/x"
    assert mask_url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert mask_url("scott:tiger@db") == "scott:***@db"


def test_dbconfig_normalizes_choices(clean_env: pytest.MonkeyPatch) -> None:
    config = DBConfig(sqlite_journal_mode="wal", sqlite_synchronous=2, sqlite_begin="EXCLUSIVE")
    assert config.sqlite_journal_mode == "WAL"
    assert config.sqlite_synchronous == "FULL"
    assert config.sqlite_begin == "exclusive"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"sqlite_pragmas": {"cache_size; DROP TABLE t": 1}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"": 1}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"cache_size": "1; DROP TABLE t"}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"user_version": "'x'"}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"cache_size": None}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"cache_size": float("nan")}}, "sqlite_pragmas"),
        ({"sqlite_pragmas": {"cache_size": [1]}}, "sqlite_pragmas"),
        ({"sqlite_journal_mode": "WAL; DROP TABLE t"}, "sqlite_journal_mode"),
        ({"sqlite_synchronous": "sometimes"}, "sqlite_synchronous"),
        ({"sqlite_synchronous": 7}, "sqlite_synchronous"),
        ({"sqlite_busy_timeout": -1}, "sqlite_busy_timeout"),
        ({"sqlite_begin": "later"}, "sqlite_begin"),
    ],
)
def test_bad_sqlite_settings_are_rejected(
    clean_env: pytest.MonkeyPatch, settings: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        DBConfig(**settings)
    assert caught.value.field == field


def test_render_pragma() -> None:
    assert render_pragma("cache_size", -4000) == "PRAGMA cache_size = -4000"
    assert render_pragma("main.cache_size", "2000") == "PRAGMA main.cache_size = 2000"
    assert render_pragma("temp_store", "MEMORY") == "PRAGMA temp_store = MEMORY"
    assert render_pragma("foreign_keys", True) == "PRAGMA foreign_keys = ON"
    assert render_pragma("mmap_size", 1.5) == "PRAGMA mmap_size = 1.5"
    with pytest.raises(ValidationError):
        render_pragma("x y", 1)


def test_pragma_statements_follow_the_settings(clean_env: pytest.MonkeyPatch) -> None:
    config = DBConfig(sqlite_foreign_keys=False, sqlite_pragmas={"cache_size": -2000})
    assert config.sqlite_pragma_statements(memory=False) == [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA cache_size = -2000",
    ]
    assert "PRAGMA journal_mode = WAL" not in config.sqlite_pragma_statements(memory=True)


# ---------------------------------------------------------------------- engines


def test_memory_sqlite_uses_one_shared_connection(clean_env: pytest.MonkeyPatch) -> None:
    for engine in (create_engine_from_config(), create_engine_from_config("sqlite://")):
        assert isinstance(engine.pool, StaticPool)
        assert engine.url.database in (None, ":memory:")
        engine.dispose()


def test_file_sqlite_uses_the_configured_pool(tmp_path: Path) -> None:
    config = DBConfig(url=f"sqlite:///{tmp_path / 'a.db'}", pool_size=3, max_overflow=1)
    engine = create_engine_from_config(config)
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.size() == 3
    assert engine.pool._max_overflow == 1
    assert not pings_before_use(engine)
    engine.dispose()


def test_server_engines_are_created_without_connecting() -> None:
    sync_engine = create_engine_from_config(NOWHERE)
    async_engine = create_async_engine_from_config(DBConfig(url=NOWHERE, pool_recycle=600))
    assert sync_engine.url.drivername == "postgresql+psycopg"
    assert async_engine.url.drivername == "postgresql+asyncpg"
    assert sync_engine.pool.size() == 5
    assert pings_before_use(sync_engine)
    assert pings_before_use(async_engine)
    assert async_engine.pool._recycle == 600
    assert async_engine.pool.checkedout() == 0


def test_pooled_engines_apply_pool_options() -> None:
    sync_engine = create_pooled_engine(NOWHERE, pool_size=2, max_overflow=3, pool_timeout=4)
    async_engine = create_async_pooled_engine(NOWHERE, pool_size=2, max_overflow=3, pool_timeout=4)
    for engine in (sync_engine, async_engine):
        assert engine.pool.size() == 2
        assert engine.pool._max_overflow == 3
        assert engine.pool.timeout() == 4
        assert pings_before_use(engine)


def test_engine_kwargs_win_over_the_config() -> None:
    engine = create_engine_from_config(NOWHERE, pool_size=1, pool_pre_ping=False, echo=True)
    assert engine.pool.size() == 1
    assert not pings_before_use(engine)
    assert engine.echo is True
    assert isinstance(create_engine_from_config(NOWHERE, poolclass=NullPool).pool, NullPool)


def test_pooled_engine_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCU_ECHO", "1")
    monkeypatch.setenv("SCU_POOL_PRE_PING", "0")
    engine = create_pooled_engine(NOWHERE)
    assert engine.echo is False
    assert pings_before_use(engine)


def test_unsupported_url_is_rejected_before_any_engine_exists() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        create_engine_from_config("oracle://scott:tiger@db/app")
    with pytest.raises(ValueError, match="Unsupported database URL"):
        create_async_engine_from_config(DBConfig(url="oracle://scott:tiger@db/app"))


def test_sync_modules_do_not_import_the_asyncio_extension() -> None:
    code = (
        "import sys\n"
        "import sqlmodel_crud_utils.config, sqlmodel_crud_utils.engine\n"
        "import sqlmodel_crud_utils.session as s\n"
        "assert 'sqlalchemy.ext.asyncio' not in sys.modules, 'imported too early'\n"
        "s.session_scope, s.get_session\n"
        "assert 'sqlalchemy.ext.asyncio' not in sys.modules, 'sync names pulled it in'\n"
        "s.async_session_scope\n"
        "assert 'sqlalchemy.ext.asyncio' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
