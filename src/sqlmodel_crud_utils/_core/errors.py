"""Translate driver errors into the package's exceptions, by error code.

Errors are recognised by the PostgreSQL SQLSTATE (psycopg 3, psycopg2, asyncpg) or the SQLite
extended result code (``sqlite3``/``aiosqlite``, Python 3.11+), never by message text. The one
exception is SQLite's generic ``SQLITE_ERROR``, which covers both schema problems and syntax
errors: only there the text tells "no such table" from a typo.

Drivers are never imported here; their errors are read through ``getattr``, so this module
works whichever drivers are installed.

=======================  =============================================  ==========================
Raised                   SQLite                                         PostgreSQL
=======================  =============================================  ==========================
DuplicateKeyError        ``SQLITE_CONSTRAINT_UNIQUE``, ``_PRIMARYKEY``  23505
ForeignKeyError          ``SQLITE_CONSTRAINT_FOREIGNKEY``               23503
NotNullError             ``SQLITE_CONSTRAINT_NOTNULL``                  23502
CheckConstraintError     ``SQLITE_CONSTRAINT_CHECK``                    23514
IntegrityError           other ``SQLITE_CONSTRAINT``                    other 23xxx
RetryableError           ``SQLITE_BUSY``, ``SQLITE_LOCKED``             40001, 40P01, 55P03
DatabaseConnectionError  ``SQLITE_CANTOPEN``, ``SQLITE_NOTADB``         08xxx, 28xxx, 57P01-57P03
SchemaError              ``SQLITE_ERROR``: missing/duplicate object     42P01, 42703, 42P07, 42701
QueryExecutionError      ``SQLITE_FULL`` ("Storage is full: ...")       53100 (same message)
QueryExecutionError      anything else                                  anything else
=======================  =============================================  ==========================

A connection SQLAlchemy reports as invalidated (a disconnect) always gives
``DatabaseConnectionError``. Without a code only the exception class is known: ``sqlite3``
before Python 3.11 gives a generic ``IntegrityError`` for its ``IntegrityError`` and a
``QueryExecutionError`` otherwise; a PostgreSQL driver's ``OperationalError`` without SQLSTATE
(psycopg when the server was never reached) and a plain ``OSError`` (asyncpg's refused socket)
give ``DatabaseConnectionError``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import TimeoutError as _SAPoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from sqlmodel_crud_utils.exceptions import (
    CheckConstraintError,
    ConcurrencyError,
    DatabaseConnectionError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    InvalidArgumentError,
    NotNullError,
    QueryExecutionError,
    RetryableError,
    SchemaError,
    SQLModelCRUDError,
)

__all__ = ["error_code", "is_retryable", "translate_error"]

# SQLite primary result codes (the low byte of an extended code).
SQLITE_ERROR = 1
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_CONSTRAINT = 19
SQLITE_NOTADB = 26

# SQLite extended result codes of constraint violations.
SQLITE_CONSTRAINT_CHECK = 275
SQLITE_CONSTRAINT_FOREIGNKEY = 787
SQLITE_CONSTRAINT_NOTNULL = 1299
SQLITE_CONSTRAINT_PRIMARYKEY = 1555
SQLITE_CONSTRAINT_UNIQUE = 2067

_INTEGRITY_CLASSES: dict[str, type[IntegrityError]] = {
    "unique": DuplicateKeyError,
    "primary_key": DuplicateKeyError,
    "foreign_key": ForeignKeyError,
    "not_null": NotNullError,
    "check": CheckConstraintError,
}

_INTEGRITY_LABELS: dict[str | None, str] = {
    "unique": "Unique constraint violated",
    "primary_key": "Primary key constraint violated",
    "foreign_key": "Foreign key constraint violated",
    "not_null": "NOT NULL constraint violated",
    "check": "CHECK constraint violated",
    None: "Integrity constraint violated",
}

_SQLITE_CONSTRAINT_KINDS = {
    SQLITE_CONSTRAINT_UNIQUE: "unique",
    SQLITE_CONSTRAINT_PRIMARYKEY: "primary_key",
    SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
    SQLITE_CONSTRAINT_NOTNULL: "not_null",
    SQLITE_CONSTRAINT_CHECK: "check",
}

_PG_CONSTRAINT_KINDS = {
    "23505": "unique",
    "23503": "foreign_key",
    "23502": "not_null",
    "23514": "check",
}

_PG_RETRYABLE = {
    "40001": "Serialization failure",
    "40P01": "Deadlock detected",
    "55P03": "Lock not available",
}
_PG_CONNECTION_CLASSES = ("08", "28")
_PG_CONNECTION_CODES = frozenset({"57P01", "57P02", "57P03"})
_PG_SCHEMA_CODES = frozenset({"42P01", "42703", "42P07", "42701"})
_PG_DISK_FULL = "53100"

# Read only for SQLITE_ERROR, whose code alone does not tell schema problems from others.
_SQLITE_SCHEMA_PHRASES = (
    "no such table",
    "no such column",
    "already exists",
    "duplicate column name",
    "has no column named",
)

_DRIVER_NAME_ATTRIBUTES = ("constraint_name", "table_name", "column_name")


@dataclasses.dataclass(frozen=True)
class _DriverFacts:
    """What the driver reports about one error."""

    driver_error: BaseException
    sqlstate: str | None = None
    sqlite_errorcode: int | None = None
    sqlite_errorname: str | None = None
    constraint_name: str | None = None
    table_name: str | None = None
    column_name: str | None = None

    @property
    def code(self) -> str | int | None:
        return self.sqlstate if self.sqlstate is not None else self.sqlite_errorcode

    @property
    def text(self) -> str:
        """The driver's message, with PostgreSQL's detail line when reported separately."""
        text = str(self.driver_error).strip()
        detail = getattr(self.driver_error, "detail", None)
        if isinstance(detail, str) and detail and detail not in text:
            text += f"\nDETAIL:  {detail}"
        return text or type(self.driver_error).__name__


def _driver_error(error: BaseException) -> BaseException:
    """Return the DBAPI-level exception behind ``error`` (``error`` itself if raw)."""
    if isinstance(error, sa_exc.StatementError) and isinstance(error.orig, BaseException):
        return error.orig
    return error


def _candidates(orig: BaseException) -> list[BaseException]:
    """Return the exceptions to read, the most specific first.

    SQLAlchemy's asyncpg adaptation raises its own error class with the asyncpg exception as
    ``__cause__``; only the latter carries the constraint, table and column names, and its
    class name says what happened.
    """
    cause = orig.__cause__
    if cause is not None and cause is not orig:
        return [cause, orig]
    return [orig]


def _text_attribute(source: Any, name: str) -> str | None:
    value = getattr(source, name, None)
    return value if isinstance(value, str) and value else None


def _sqlstate(error: BaseException) -> str | None:
    for attribute in ("sqlstate", "pgcode"):
        value = _text_attribute(error, attribute)
        if value is not None and len(value) == 5:
            return value
    return None


def _facts(error: BaseException) -> _DriverFacts:
    orig = _driver_error(error)
    sqlstate: str | None = None
    sqlite_code: int | None = None
    sqlite_name: str | None = None
    names: dict[str, str | None] = dict.fromkeys(_DRIVER_NAME_ATTRIBUTES)
    source = orig
    for candidate in _candidates(orig):
        state = _sqlstate(candidate)
        if state is not None and sqlstate is None:
            sqlstate = state
            source = candidate
        code = getattr(candidate, "sqlite_errorcode", None)
        if isinstance(code, int) and not isinstance(code, bool) and sqlite_code is None:
            sqlite_code = code
            sqlite_name = _text_attribute(candidate, "sqlite_errorname")
        # psycopg (3 and 2) report names on ``diag``; asyncpg on the exception itself.
        for holder in (getattr(candidate, "diag", None), candidate):
            if holder is None:
                continue
            for attribute in _DRIVER_NAME_ATTRIBUTES:
                if names[attribute] is None:
                    names[attribute] = _text_attribute(holder, attribute)
    return _DriverFacts(
        driver_error=source,
        sqlstate=sqlstate,
        sqlite_errorcode=sqlite_code,
        sqlite_errorname=sqlite_name,
        **names,
    )


def _is_sqlite_error(error: BaseException) -> bool:
    try:
        import sqlite3
    except ImportError:  # pragma: no cover - Python built without sqlite3
        return False
    return isinstance(error, sqlite3.Error)


def _is_sqlite_integrity_error(error: BaseException) -> bool:
    import sqlite3

    return isinstance(error, sqlite3.IntegrityError)


def _has_class_named(error: BaseException, name: str) -> bool:
    return any(klass.__name__ == name for klass in type(error).__mro__)


def _query_suffix(query: str | None) -> str:
    if query is None:
        return ""
    preview = query if len(query) <= 200 else f"{query[:200]}..."
    return f"\nQuery: {preview}"


def _integrity(
    kind: str | None, facts: _DriverFacts, error: BaseException, query: str | None
) -> IntegrityError:
    cls = _INTEGRITY_CLASSES.get(kind or "", IntegrityError)
    return cls(
        f"{_INTEGRITY_LABELS[kind]}: {facts.text}{_query_suffix(query)}",
        kind,
        facts.table_name,
        column_name=facts.column_name,
        constraint_name=facts.constraint_name,
        query=query,
        original_error=error,
    )


def _retryable(reason: str, facts: _DriverFacts, error: BaseException) -> RetryableError:
    return RetryableError(f"{reason} (safe to retry): {facts.text}", original_error=error)


def _connection(facts: _DriverFacts, error: BaseException) -> DatabaseConnectionError:
    return DatabaseConnectionError(
        f"Database connection failed: {facts.text}", original_error=error
    )


def _schema(facts: _DriverFacts, error: BaseException, query: str | None) -> SchemaError:
    return SchemaError(
        f"Schema error: {facts.text}",
        facts.table_name,
        facts.column_name,
        query=query,
        original_error=error,
    )


def _query_error(
    facts: _DriverFacts, error: BaseException, query: str | None
) -> QueryExecutionError:
    driver_error = facts.driver_error
    return QueryExecutionError(
        f"Query execution failed: {type(driver_error).__name__}({facts.text})"
        f"{_query_suffix(query)}",
        query=query,
        original_error=error,
    )


def _storage_full(
    facts: _DriverFacts, error: BaseException, query: str | None
) -> QueryExecutionError:
    # A full disk (or SQLite's max_page_count) is not a bug in the statement: say so plainly.
    return QueryExecutionError(
        f"Storage is full (free disk space or raise the database's size limit): "
        f"{facts.text}{_query_suffix(query)}",
        query=query,
        original_error=error,
    )


def _from_sqlstate(
    sqlstate: str, facts: _DriverFacts, error: BaseException, query: str | None
) -> SQLModelCRUDError:
    if sqlstate.startswith("23"):
        return _integrity(_PG_CONSTRAINT_KINDS.get(sqlstate), facts, error, query)
    if sqlstate in _PG_RETRYABLE:
        return _retryable(_PG_RETRYABLE[sqlstate], facts, error)
    if sqlstate.startswith(_PG_CONNECTION_CLASSES) or sqlstate in _PG_CONNECTION_CODES:
        return _connection(facts, error)
    if sqlstate in _PG_SCHEMA_CODES:
        return _schema(facts, error, query)
    if sqlstate == _PG_DISK_FULL:
        return _storage_full(facts, error, query)
    return _query_error(facts, error, query)


def _from_sqlite_code(
    code: int, facts: _DriverFacts, error: BaseException, query: str | None
) -> SQLModelCRUDError:
    primary = code & 0xFF
    if primary == SQLITE_CONSTRAINT:
        return _integrity(_SQLITE_CONSTRAINT_KINDS.get(code), facts, error, query)
    if primary == SQLITE_BUSY:
        return _retryable("Database is busy", facts, error)
    if primary == SQLITE_LOCKED:
        return _retryable("Database table is locked", facts, error)
    if primary in (SQLITE_CANTOPEN, SQLITE_NOTADB):
        return _connection(facts, error)
    if primary == SQLITE_ERROR:
        text = str(facts.driver_error).lower()
        if any(phrase in text for phrase in _SQLITE_SCHEMA_PHRASES):
            return _schema(facts, error, query)
    if primary == SQLITE_FULL:
        return _storage_full(facts, error, query)
    # SQLITE_READONLY, SQLITE_IOERR and the rest: typed, code kept.
    return _query_error(facts, error, query)


def _translate(error: BaseException, facts: _DriverFacts, query: str | None) -> SQLModelCRUDError:
    orig = facts.driver_error
    if getattr(error, "connection_invalidated", False) is True:
        return _connection(facts, error)
    if facts.sqlstate is not None:
        return _from_sqlstate(facts.sqlstate, facts, error, query)
    if facts.sqlite_errorcode is not None:
        return _from_sqlite_code(facts.sqlite_errorcode, facts, error, query)
    if _is_sqlite_error(orig):
        # No result code (Python < 3.11): only the exception class is known.
        if _is_sqlite_integrity_error(orig):
            return _integrity(None, facts, error, query)
        return _query_error(facts, error, query)
    # PostgreSQL drivers give no SQLSTATE when the server was never reached (refused,
    # authentication or unknown database at connect time in psycopg); asyncpg raises plain
    # ``OSError``s there.
    if isinstance(orig, OSError) or _has_class_named(orig, "OperationalError"):
        return _connection(facts, error)
    return _query_error(facts, error, query)


def translate_error(error: BaseException, *, query: str | None = None) -> SQLModelCRUDError:
    """Translate a database error into the most precise package exception.

    Args:
        error: A SQLAlchemy ``DBAPIError`` (its ``orig`` is read) or a raw driver exception
            from ``sqlite3``, ``aiosqlite``, psycopg or asyncpg. An exception of this package
            is returned unchanged; SQLAlchemy's ``StaleDataError`` (a version-counter conflict)
            becomes a :class:`ConcurrencyError`; anything else a :class:`QueryExecutionError`.
        query: The SQL that failed. Defaults to the statement SQLAlchemy recorded.

    Returns:
        The translated exception (not raised). Its ``original_error`` and ``__cause__`` are
        ``error``; ``code`` and ``sqlstate`` (PostgreSQL) or ``sqlite_errorcode`` and
        ``sqlite_errorname`` (SQLite) hold the driver's code; integrity errors also carry the
        constraint kind and the constraint, table and column names the driver reports.
    """
    if isinstance(error, SQLModelCRUDError):
        return error
    if isinstance(error, StaleDataError):
        # An optimistic-lock (version counter) conflict found by the ORM, not the driver.
        conflict = ConcurrencyError(
            f"Concurrent modification detected: {error}", original_error=error
        )
        conflict.__cause__ = error
        conflict.__suppress_context__ = True
        return conflict
    if isinstance(error, _SAPoolTimeout):
        exhausted = DatabaseConnectionError(
            f"Connection pool exhausted: no connection became free in time ({error})",
            original_error=error,
        )
        exhausted.__cause__ = error
        exhausted.__suppress_context__ = True
        return exhausted
    if query is None:
        statement = getattr(error, "statement", None)
        query = statement if isinstance(statement, str) else None
    facts = _facts(error)
    translated = _translate(error, facts, query)
    translated.code = facts.code
    translated.sqlstate = facts.sqlstate
    translated.sqlite_errorcode = facts.sqlite_errorcode
    translated.sqlite_errorname = facts.sqlite_errorname
    translated.__cause__ = error
    translated.__suppress_context__ = True
    return translated


def bind_error(error: BaseException) -> InvalidArgumentError | None:
    """A value a column type refused while binding parameters, as a validation error.

    SQLAlchemy wraps exceptions raised by type processors in a ``StatementError``
    that is not a ``DBAPIError``: nothing reached the database.  Returns
    ``None`` for anything else.
    """
    if isinstance(error, OverflowError):  # sqlite3 refuses integers beyond 64 bits
        return InvalidArgumentError(f"a value is out of the database's range: {error}")
    if isinstance(error, UnicodeEncodeError):  # a lone surrogate is not storable text
        return InvalidArgumentError(f"text that is not valid Unicode: {error}")
    if not isinstance(error, sa_exc.StatementError) or isinstance(error, sa_exc.DBAPIError):
        return None
    cause = error.orig
    if not isinstance(cause, (TypeError, ValueError, AttributeError, OverflowError)):
        return None
    params = error.params
    return InvalidArgumentError(
        f"a value was rejected by its column type before any SQL ran: {cause}",
        value=None if params is None else "(see the bound parameters)",
    )


def error_code(error: BaseException) -> str | int | None:
    """Return the driver's error code behind ``error``.

    Args:
        error: A SQLAlchemy error, a raw driver exception or a translated package exception.

    Returns:
        The PostgreSQL SQLSTATE (``str``), the SQLite extended result code (``int``), or
        ``None`` when the driver reported none.
    """
    if isinstance(error, SQLModelCRUDError):
        if error.code is not None:
            return error.code
        original = error.original_error
        return error_code(original) if original is not None and original is not error else None
    return _facts(error).code


def is_retryable(error: BaseException) -> bool:
    """Tell whether running the failed transaction again may succeed.

    Args:
        error: A SQLAlchemy error, a raw driver exception or a package exception (for
            example a ``TransactionError`` whose ``original_error`` was a busy database).

    Returns:
        ``True`` for busy/locked SQLite databases, PostgreSQL serialization failures,
        deadlocks and unavailable locks.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RetryableError):
            return True
        if not isinstance(current, SQLModelCRUDError):
            return isinstance(translate_error(current), RetryableError)
        current = current.original_error
    return False
