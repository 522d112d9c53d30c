"""Engine factories with production defaults for SQLite and PostgreSQL.

Sync and async factories share every decision through the private functions in
this module; the public functions only pick ``create_engine`` or
``create_async_engine``.  Creating an engine does no I/O: the first connection
is opened when the engine is first used.

SQLite engines get connection hooks (see :func:`install_sqlite_hooks`) so that
SQLAlchemy, not the driver, decides when a transaction starts.  That makes
SAVEPOINTs, rollbacks and DDL transactional, and lets a caller ask for
``BEGIN IMMEDIATE`` through the ``sqlite_begin`` execution option.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from ._direct import execute_plain
from ._pool_ping import install_idle_ping
from .config import DBConfig, mask_url
from .exceptions import ValidationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "create_async_engine_from_config",
    "create_async_pooled_engine",
    "create_engine_from_config",
    "create_pooled_engine",
    "install_sqlite_hooks",
    "normalize_url",
]

#: Drivers that only work with ``create_engine`` / only with ``create_async_engine``.
_SQLITE_SYNC_DRIVERS = frozenset({"", "pysqlite"})
_SQLITE_ASYNC_DRIVERS = frozenset({"aiosqlite"})
_PG_SYNC_ONLY_DRIVERS = frozenset({"", "psycopg2", "psycopg2cffi", "pg8000"})
_PG_ASYNC_ONLY_DRIVERS = frozenset({"asyncpg", "psycopg_async"})
_PG_BACKENDS = frozenset({"postgresql", "postgres"})
_MYSQL_BACKENDS = frozenset({"mysql", "mariadb"})

_BEGIN_STATEMENTS = {
    "deferred": "BEGIN",
    "immediate": "BEGIN IMMEDIATE",
    "exclusive": "BEGIN EXCLUSIVE",
}
_POOL_SIZING = ("pool_size", "max_overflow", "pool_timeout")
_HOOK_MARK = "sqlmodel_crud_utils.sqlite_hooks"


# --------------------------------------------------------------------------- URLs


@functools.cache
def _psycopg_available() -> bool:
    return importlib.util.find_spec("psycopg") is not None


def _unsupported(url: str | URL) -> ValueError:
    return ValueError(
        f"Unsupported database URL {mask_url(url)!r}: use sqlite://, postgresql:// "
        "(or postgres://), mysql:// or mariadb://"
    )


def _target_drivername(backend: str, driver: str, *, async_: bool) -> str | None:
    """Return the ``dialect+driver`` name for one mode, or ``None`` if unsupported."""
    if backend == "sqlite":
        if async_ and driver in _SQLITE_SYNC_DRIVERS:
            return "sqlite+aiosqlite"
        if not async_ and driver in _SQLITE_ASYNC_DRIVERS:
            return "sqlite"
        return f"sqlite+{driver}" if driver else "sqlite"
    if backend in _PG_BACKENDS:
        if async_ and driver in _PG_SYNC_ONLY_DRIVERS:
            return "postgresql+asyncpg"
        if not async_ and (driver in _PG_ASYNC_ONLY_DRIVERS or driver == ""):
            return "postgresql+psycopg" if _psycopg_available() else "postgresql"
        return f"postgresql+{driver}"
    if backend in _MYSQL_BACKENDS:
        return f"{backend}+{driver}" if driver else backend
    return None


def normalize_url(url: str | URL, *, async_: bool) -> URL:
    """Return ``url`` with a driver that suits sync or async engines.

    ==================================  ===========================  ===========================
    given                               async                        sync
    ==================================  ===========================  ===========================
    ``sqlite://``                       ``sqlite+aiosqlite://``      as given
    ``sqlite+aiosqlite://``             as given                     ``sqlite://``
    ``postgresql://``, ``postgres://``  ``postgresql+asyncpg://``    ``postgresql+psycopg://``
    ``postgresql+asyncpg://``           as given                     ``postgresql+psycopg://``
    ``postgresql+psycopg://``           as given                     as given
    ``mysql://``, ``mariadb://``        as given                     as given
    ==================================  ===========================  ===========================

    A driver that suits the requested mode is kept (``postgresql+psycopg2://``
    stays for sync engines).  Without psycopg installed, sync PostgreSQL URLs
    keep SQLAlchemy's default driver.

    Args:
        url: The database URL as text or a :class:`sqlalchemy.URL`.
        async_: Whether the URL is meant for ``create_async_engine``.

    Returns:
        The normalized URL; the password is kept.

    Raises:
        ValueError: If the URL cannot be parsed or names an unsupported
            database.  The message shows the URL with its password hidden.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise _unsupported(url) from None
    backend, _, driver = parsed.drivername.partition("+")
    drivername = _target_drivername(backend.lower(), driver.lower(), async_=async_)
    if drivername is None:
        raise _unsupported(parsed)
    if drivername == parsed.drivername:
        return parsed
    return parsed.set(drivername=drivername)


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database
    return not database or database == ":memory:" or url.query.get("mode") == "memory"


# ------------------------------------------------------------------ engine options


def _plain_config(**values: Any) -> DBConfig:
    """Settings from ``values`` and the defaults, without reading the environment."""
    return DBConfig.model_construct(**values)


def _resolve(config: DBConfig | str | URL | None, *, async_: bool) -> tuple[DBConfig, URL]:
    if config is None:
        config = DBConfig()
    if isinstance(config, DBConfig):
        return config, normalize_url(config.url, async_=async_)
    return _plain_config(), normalize_url(config, async_=async_)


def _engine_options(config: DBConfig, url: URL, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``create_engine``/``create_async_engine``.

    Explicit ``overrides`` win.  A caller-supplied pool or pool class drops the
    sizing options that only queue pools accept.
    """
    is_sqlite = url.get_backend_name() == "sqlite"
    memory = is_sqlite and _is_sqlite_memory(url)
    connect_args = dict(config.connect_args)
    options: dict[str, Any] = {"echo": config.echo, "pool_recycle": config.pool_recycle}
    if memory:
        options["poolclass"] = StaticPool
        connect_args.setdefault("check_same_thread", False)
    else:
        options.update(
            pool_size=config.pool_size,
            max_overflow=config.max_overflow,
            pool_timeout=config.pool_timeout,
        )
    options["pool_pre_ping"] = _pre_ping(config, url)

    extra = dict(overrides)
    connect_args.update(extra.pop("connect_args", None) or {})
    if connect_args:
        options["connect_args"] = connect_args
    if "pool" in extra:
        for name in (*_POOL_SIZING, "poolclass", "pool_recycle", "pool_pre_ping"):
            options.pop(name, None)
    elif "poolclass" in extra:
        for name in _POOL_SIZING:
            options.pop(name, None)
    options.update(extra)
    if _idle_ping(config, url, overrides):
        options["pool_pre_ping"] = False  # the idle-aware checkout ping replaces it
    return options


def _pre_ping(config: DBConfig, url: URL) -> bool:
    """Whether connections are tested before use (``None``: on for servers, off for SQLite)."""
    if config.pool_pre_ping is None:
        return url.get_backend_name() != "sqlite"
    return config.pool_pre_ping


def _idle_ping(config: DBConfig, url: URL, overrides: Mapping[str, Any]) -> bool:
    """Whether the config's pre-ping runs as the idle-aware checkout ping.

    Not when the caller passes ``pool_pre_ping``, a ``pool`` or ``poolclass``
    (their own pool settings win), nor for a zero threshold.
    """
    if any(name in overrides for name in ("pool_pre_ping", "pool", "poolclass")):
        return False
    return _pre_ping(config, url) and config.pool_pre_ping_idle > 0


def _finish(engine: Any, config: DBConfig, url: URL, overrides: Mapping[str, Any]) -> None:
    """Install the SQLite hooks or the idle-aware checkout ping a new engine needs."""
    if url.get_backend_name() == "sqlite":
        install_sqlite_hooks(engine, config)
    if _idle_ping(config, url, overrides):
        install_idle_ping(_base_engine(engine), config.pool_pre_ping_idle)


def create_engine_from_config(
    config: DBConfig | str | URL | None = None, **engine_kwargs: Any
) -> Engine:
    """Create a sync engine from a :class:`DBConfig` or a URL.

    In-memory SQLite gets one shared connection (``StaticPool``) so every
    session sees the same database.  File SQLite and server databases get a
    queue pool sized by the config, with ``pool_pre_ping`` on for servers
    unless the config says otherwise.  SQLite engines get
    :func:`install_sqlite_hooks`.  No connection is opened here.

    Args:
        config: Settings, or a URL used with default settings.  ``None``
            builds ``DBConfig()``, which reads the environment.
        **engine_kwargs: Passed to :func:`sqlalchemy.create_engine`; they win
            over the values derived from ``config``.

    Returns:
        The new engine.

    Raises:
        ValueError: If the URL is unsupported.
    """
    resolved, url = _resolve(config, async_=False)
    engine = create_engine(url, **_engine_options(resolved, url, engine_kwargs))
    _finish(engine, resolved, url, engine_kwargs)
    return engine


def create_async_engine_from_config(
    config: DBConfig | str | URL | None = None, **engine_kwargs: Any
) -> AsyncEngine:
    """Create an async engine from a :class:`DBConfig` or a URL.

    Same defaults as :func:`create_engine_from_config`, with the URL moved to
    an async driver (``aiosqlite``, ``asyncpg``; ``psycopg`` is kept).

    Args:
        config: Settings, or a URL used with default settings.  ``None``
            builds ``DBConfig()``, which reads the environment.
        **engine_kwargs: Passed to
            :func:`sqlalchemy.ext.asyncio.create_async_engine`; they win over
            the values derived from ``config``.

    Returns:
        The new async engine.

    Raises:
        ValueError: If the URL is unsupported.
    """
    from sqlalchemy.ext.asyncio import create_async_engine

    resolved, url = _resolve(config, async_=True)
    engine = create_async_engine(url, **_engine_options(resolved, url, engine_kwargs))
    _finish(engine, resolved, url, engine_kwargs)
    return engine


def _pooled_config(
    database_url: str, pool_size: int, max_overflow: int, pool_timeout: float
) -> DBConfig:
    return _plain_config(
        url=database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
    )


def create_pooled_engine(
    database_url: str,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: int = 30,
    **kwargs: Any,
) -> Engine:
    """Create a sync engine with an explicit connection pool.

    ``pool_pre_ping`` is on for server databases.  In-memory SQLite ignores
    the sizing and keeps its single shared connection.

    Args:
        database_url: The database URL.
        pool_size: Connections kept open.
        max_overflow: Extra connections allowed under load.
        pool_timeout: Seconds to wait for a free connection.
        **kwargs: Passed to :func:`sqlalchemy.create_engine`.

    Returns:
        The new engine.
    """
    config = _pooled_config(database_url, pool_size, max_overflow, pool_timeout)
    return create_engine_from_config(config, **kwargs)


def create_async_pooled_engine(
    database_url: str,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: int = 30,
    **kwargs: Any,
) -> AsyncEngine:
    """Create an async engine with an explicit connection pool.

    Args:
        database_url: The database URL; moved to an async driver.
        pool_size: Connections kept open.
        max_overflow: Extra connections allowed under load.
        pool_timeout: Seconds to wait for a free connection.
        **kwargs: Passed to :func:`sqlalchemy.ext.asyncio.create_async_engine`.

    Returns:
        The new async engine.
    """
    config = _pooled_config(database_url, pool_size, max_overflow, pool_timeout)
    return create_async_engine_from_config(config, **kwargs)


# ------------------------------------------------------------------- SQLite hooks

_generations = itertools.count(1)


@dataclass
class _SQLiteHooks:
    """What the hooks of one engine apply; replaced settings bump ``generation``."""

    config: DBConfig
    memory: bool
    generation: int = field(default_factory=lambda: next(_generations))


_INSTALLED: weakref.WeakKeyDictionary[Engine, _SQLiteHooks] = weakref.WeakKeyDictionary()


def _base_engine(engine: Any) -> Engine:
    """The engine that owns the pool and the events (not an options copy)."""
    current = getattr(engine, "sync_engine", engine)
    while isinstance(getattr(current, "_proxied", None), Engine):
        current = current._proxied
    if not isinstance(current, Engine):
        raise TypeError(f"expected an Engine or AsyncEngine, got {type(engine).__name__}")
    return current


def _configure_connection(dbapi_connection: Any, hooks: _SQLiteHooks) -> None:
    """Hand transaction control to SQLAlchemy and apply the PRAGMAs."""
    statements = hooks.config.sqlite_pragma_statements(memory=hooks.memory)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()


def _begin_statement(options: Mapping[str, Any], default: str, *, autocommit: bool) -> str | None:
    """Pick ``BEGIN`` / ``BEGIN IMMEDIATE`` / ``BEGIN EXCLUSIVE`` (``None`` in autocommit)."""
    if autocommit:
        return None
    mode = options.get("sqlite_begin") or default
    statement = _BEGIN_STATEMENTS.get(mode.lower()) if isinstance(mode, str) else None
    if statement is None:
        raise ValidationError(
            f"expected one of: {', '.join(_BEGIN_STATEMENTS)}",
            field="sqlite_begin",
            value=mode,
        )
    return statement


def _is_autocommit(conn: Connection, options: Mapping[str, Any]) -> bool:
    level = options.get("isolation_level")
    if level is None:
        level = getattr(conn.dialect, "_on_connect_isolation_level", None)
    return level == "AUTOCOMMIT"


def install_sqlite_hooks(engine: Engine | AsyncEngine, config: DBConfig | None = None) -> None:
    """Let SQLAlchemy control SQLite transactions and apply the configured PRAGMAs.

    Every connection the engine opens gets the driver's implicit transactions
    switched off, then ``busy_timeout``, ``journal_mode`` (files only),
    ``synchronous``, ``foreign_keys`` and the extra ``sqlite_pragmas``.  Each
    transaction starts with ``BEGIN``, or ``BEGIN IMMEDIATE`` /
    ``BEGIN EXCLUSIVE`` when the connection's ``sqlite_begin`` execution
    option (else ``config.sqlite_begin``) asks for it.  This is SQLAlchemy's
    documented recipe for working SAVEPOINTs and transactional DDL with
    ``sqlite3`` and ``aiosqlite``.

    Installing twice is harmless: the engine is marked and no second set of
    listeners is added.  Passing a new ``config`` to an engine that already
    has the hooks replaces the settings; connections already in the pool
    pick them up at their next checkout.  Other databases are left alone.

    Args:
        engine: A sync engine or an async engine.
        config: PRAGMA and ``BEGIN`` settings; defaults to ``DBConfig``'s
            defaults (or the settings installed before).

    Raises:
        TypeError: If ``engine`` is not an engine.
    """
    target = _base_engine(engine)
    if target.dialect.name != "sqlite":
        return
    hooks = _INSTALLED.get(target)
    if hooks is not None:
        if config is not None and config is not hooks.config:
            hooks.config = config
            hooks.generation = next(_generations)
        return
    hooks = _SQLiteHooks(config or _plain_config(), memory=_is_sqlite_memory(target.url))
    _INSTALLED[target] = hooks

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        _configure_connection(dbapi_connection, hooks)
        record.info[_HOOK_MARK] = hooks.generation

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get(_HOOK_MARK) != hooks.generation:
            _configure_connection(dbapi_connection, hooks)
            record.info[_HOOK_MARK] = hooks.generation

    def on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        statement = _begin_statement(
            options, hooks.config.sqlite_begin, autocommit=_is_autocommit(conn, options)
        )
        if statement is not None:
            execute_plain(conn, statement)

    event.listen(target, "connect", on_connect)
    event.listen(target, "checkout", on_checkout)
    event.listen(target, "begin", on_begin)
