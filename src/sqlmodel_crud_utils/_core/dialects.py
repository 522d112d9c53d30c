"""Dialect detection, ``SQL_DIALECT`` handling and bind-parameter budgets.

Detection reads the session's bind and never emits SQL.  A session double
(a mock) or an unbound session simply yields ``None`` ("dialect unknown").
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

#: Names users write for dialects we map onto SQLAlchemy's.
DIALECT_ALIASES = {"postgres": "postgresql", "mariadb": "mysql", "pg": "postgresql"}

#: Dialects with a native upsert statement.
UPSERT_DIALECTS = ("postgresql", "sqlite", "mysql")

#: Bind parameters one statement may carry, by dialect.
#: PostgreSQL: asyncpg's limit (psycopg allows 65,535); MySQL/MariaDB: 65,535.
BIND_LIMITS = {"postgresql": 32_767, "mysql": 65_535}
UNKNOWN_BIND_LIMIT = 999


def sqlite_bind_limit() -> int:
    """SQLite's variable limit: 32,766 from SQLite 3.32, else 999."""
    return 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def normalise_dialect_name(value: str) -> str:
    """Trim, lower-case, drop ``+driver`` and resolve aliases (``postgres``)."""
    name = value.strip().lower().split("+", 1)[0]
    return DIALECT_ALIASES.get(name, name)


def bind_limit(dialect_name: str | None) -> int:
    """Bind-parameter budget of one statement on ``dialect_name``."""
    if dialect_name == "sqlite":
        return sqlite_bind_limit()
    if dialect_name is None:
        return UNKNOWN_BIND_LIMIT
    return BIND_LIMITS.get(dialect_name, UNKNOWN_BIND_LIMIT)


def rows_per_statement(
    n_columns: int, dialect_name: str | None, chunk_size: int | None = None
) -> int:
    """Rows that fit one statement: ``max(1, budget // columns)`` unless overridden."""
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError("chunk_size must be a positive integer")
        return chunk_size
    return max(1, bind_limit(dialect_name) // max(1, n_columns))


def session_dialect_name(session: Any, model: Any = None) -> str | None:
    """The dialect name of the engine ``session`` would use for ``model``.

    Returns ``None`` for session doubles and unbound sessions; emits no SQL.
    """
    get_bind = getattr(session, "get_bind", None)
    if get_bind is None:
        return None
    try:
        bind = get_bind(mapper=model) if model is not None else get_bind()
    except Exception:
        return None
    name = getattr(getattr(bind, "dialect", None), "name", None)
    return name if isinstance(name, str) else None


def env_dialect() -> str | None:
    """The ``SQL_DIALECT`` override, read at call time (``None`` when unset/blank)."""
    value = os.environ.get("SQL_DIALECT")
    if value is None or not value.strip():
        return None
    return value
