"""Database settings for the engines this package creates.

:class:`DBConfig` is a ``pydantic-settings`` model.  Importing this module reads
nothing: environment variables are consulted only when the application creates
a ``DBConfig()``, and no ``.env`` file is ever loaded.

Every SQLite PRAGMA name and value that ends up in SQL is validated here, so a
bad setting fails when the configuration is built instead of on the first
connection.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .exceptions import ValidationError, mask_database_url

__all__ = ["DBConfig", "SQLiteBegin", "mask_url", "render_pragma"]

#: How a SQLite transaction starts: ``BEGIN``, ``BEGIN IMMEDIATE`` or ``BEGIN EXCLUSIVE``.
SQLiteBegin = Literal["deferred", "immediate", "exclusive"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PRAGMA_NAME = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_JOURNAL_MODES = ("DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF")
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_SECRET_KEYS = frozenset({"password", "passwd", "pwd", "secret", "token"})
_URL_PASSWORD = re.compile(r"(^|://)([^:/@\s]*):[^@/\s]*@")


def mask_url(url: str | URL) -> str:
    """Render a database URL with its password replaced by ``***``.

    Unlike a plain parse-and-render, text that SQLAlchemy cannot parse (a bad
    port, say) still has its ``user:password@`` part masked.

    Args:
        url: A URL string or :class:`sqlalchemy.URL`.

    Returns:
        The URL as text, safe to log or show in an error message.
    """
    if isinstance(url, str):
        try:
            if make_url(url).password is None:
                return url
        except (ArgumentError, ValueError):
            pass
    return _URL_PASSWORD.sub(r"\1\2:***@", mask_database_url(url))


def _mask_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: "***" if key.lower() in _SECRET_KEYS else value for key, value in values.items()}


def _pragma_error(message: str, field: str, value: Any) -> ValidationError:
    return ValidationError(message, field=field, value=value)


def _check_pragma_name(name: Any) -> str:
    if not isinstance(name, str) or not _PRAGMA_NAME.fullmatch(name):
        raise _pragma_error(
            "invalid SQLite PRAGMA name: use letters, digits and underscores",
            "sqlite_pragmas",
            name,
        )
    return name


def _pragma_literal(name: str, value: Any) -> str:
    """Return ``value`` as a SQL literal that is safe to put after ``PRAGMA name =``."""
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        text = value.strip()
        if _IDENTIFIER.fullmatch(text) or _NUMBER.fullmatch(text):
            return text
    raise _pragma_error(
        f"invalid value for SQLite PRAGMA {name}: use a bool, a number "
        "or a bare keyword (letters, digits, underscores)",
        "sqlite_pragmas",
        value,
    )


def render_pragma(name: str, value: Any) -> str:
    """Build one ``PRAGMA name = value`` statement after validating both parts.

    Args:
        name: The PRAGMA name, optionally prefixed by a schema (``main.cache_size``).
        value: A bool (``ON``/``OFF``), an int, a finite float or a bare keyword.

    Returns:
        The SQL statement.

    Raises:
        ValidationError: If the name or the value could carry anything but a
            plain identifier or number into SQL.
    """
    checked = _check_pragma_name(name)
    return f"PRAGMA {checked} = {_pragma_literal(checked, value)}"


def _choice(value: Any, field: str, allowed: Iterable[str]) -> str:
    options = tuple(option.upper() for option in allowed)
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or text not in options:
        raise _pragma_error(
            f"expected one of: {', '.join(options)}",
            field,
            value,
        )
    return text


class DBConfig(BaseSettings):
    """Connection settings for SQLite and PostgreSQL engines.

    Values come from keyword arguments first, then from the environment when
    the application creates the object: the URL from ``SCU_DATABASE_URL`` or
    ``DATABASE_URL``, every other field from ``SCU_<FIELD>`` (for example
    ``SCU_ECHO=1`` or ``SCU_POOL_SIZE=20``).  No ``.env`` file is read.

    The URL may name either driver family; the engine factories convert it to
    the sync or async driver they need.  The password is hidden in ``repr``
    and ``str``.

    Attributes:
        url: Database URL (a :class:`sqlalchemy.URL` is accepted and stored
            as text).  Defaults to an in-memory SQLite database.
        echo: Log every statement through SQLAlchemy's logger.
        pool_size: Connections kept open per engine (server and file databases).
        max_overflow: Extra connections allowed beyond ``pool_size``.
        pool_timeout: Seconds to wait for a free connection.
        pool_recycle: Replace connections older than this many seconds (-1: never).
        pool_pre_ping: Test a connection before handing it out.  ``None``
            means on for server databases and off for SQLite.
        pool_pre_ping_idle: With ``pool_pre_ping`` on, test only connections
            that sat idle in the pool for at least this many seconds; one
            returned a moment ago is handed out without the extra round trip.
            ``0`` tests every checkout (SQLAlchemy's own ``pool_pre_ping``).
        sqlite_journal_mode: ``PRAGMA journal_mode`` for SQLite files.
        sqlite_synchronous: ``PRAGMA synchronous``.
        sqlite_busy_timeout: ``PRAGMA busy_timeout`` in milliseconds.
        sqlite_foreign_keys: ``PRAGMA foreign_keys``.
        sqlite_begin: How SQLite transactions start unless a connection's
            ``sqlite_begin`` execution option says otherwise.
        sqlite_pragmas: Extra PRAGMAs applied to every new SQLite connection,
            after the ones above.
        connect_args: Extra arguments for the driver's ``connect()``.
    """

    model_config = SettingsConfigDict(
        env_file=None,
        env_prefix="SCU_",
        populate_by_name=True,
        extra="ignore",
    )

    url: str = Field(
        default="sqlite:///:memory:",
        validation_alias=AliasChoices("SCU_DATABASE_URL", "DATABASE_URL"),
    )
    echo: bool = False
    pool_size: int = Field(default=5, ge=1)
    max_overflow: int = Field(default=10, ge=-1)
    pool_timeout: float = Field(default=30, ge=0)
    pool_recycle: int = -1
    pool_pre_ping: bool | None = None
    pool_pre_ping_idle: float = Field(default=0.5, ge=0)
    sqlite_journal_mode: str = "WAL"
    sqlite_synchronous: str = "NORMAL"
    sqlite_busy_timeout: int = 5000
    sqlite_foreign_keys: bool = True
    sqlite_begin: SQLiteBegin = "deferred"
    sqlite_pragmas: dict[str, Any] = Field(default_factory=dict)
    connect_args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url", mode="before")
    @classmethod
    def _url_text(cls, value: Any) -> Any:
        if isinstance(value, URL):
            return value.render_as_string(hide_password=False)
        return value

    @field_validator("sqlite_journal_mode")
    @classmethod
    def _check_journal_mode(cls, value: str) -> str:
        return _choice(value, "sqlite_journal_mode", _JOURNAL_MODES)

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _check_synchronous(cls, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 4:
            return _SYNCHRONOUS[value]
        if isinstance(value, str) and value.strip() in {"0", "1", "2", "3"}:
            return _SYNCHRONOUS[int(value.strip())]
        return _choice(value, "sqlite_synchronous", _SYNCHRONOUS)

    @field_validator("sqlite_begin", mode="before")
    @classmethod
    def _check_begin(cls, value: Any) -> str:
        return _choice(value, "sqlite_begin", get_args(SQLiteBegin)).lower()

    @field_validator("sqlite_busy_timeout")
    @classmethod
    def _check_busy_timeout(cls, value: int) -> int:
        if value < 0:
            raise _pragma_error(
                "must be >= 0 milliseconds",
                "sqlite_busy_timeout",
                value,
            )
        return value

    @field_validator("sqlite_pragmas")
    @classmethod
    def _check_pragmas(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, item in value.items():
            render_pragma(name, item)
        return value

    def sqlite_pragma_statements(self, *, memory: bool) -> list[str]:
        """Return the PRAGMA statements for one new SQLite connection.

        Args:
            memory: Whether the database is in memory; ``journal_mode`` is
                only set on files (WAL needs one).

        Returns:
            ``PRAGMA`` statements in the order they must run.

        Raises:
            ValidationError: If a value changed after validation is unsafe.
        """
        statements = [render_pragma("busy_timeout", self.sqlite_busy_timeout)]
        if not memory:
            mode = _choice(self.sqlite_journal_mode, "sqlite_journal_mode", _JOURNAL_MODES)
            statements.append(render_pragma("journal_mode", mode))
        synchronous = _choice(self.sqlite_synchronous, "sqlite_synchronous", _SYNCHRONOUS)
        statements.append(render_pragma("synchronous", synchronous))
        statements.append(render_pragma("foreign_keys", bool(self.sqlite_foreign_keys)))
        statements.extend(render_pragma(name, value) for name, value in self.sqlite_pragmas.items())
        return statements

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if name == "url":
                yield name, mask_url(value)
            elif name == "connect_args" and isinstance(value, Mapping):
                yield name, _mask_mapping(value)
            else:
                yield name, value
