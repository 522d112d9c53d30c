"""The live schema as seen by the migration tools (no facade state)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

__all__ = ["VERSION_TABLE", "is_internal", "schema_sql", "user_tables"]

#: The runner's version table.
VERSION_TABLE = "_scu_migrations"

_INTERNAL_PREFIXES = ("_scu_", "sqlite_", "alembic_version")
_INTERNAL_NAMES = frozenset({"_meta", "_deebase_migrations"})
_FTS_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def is_internal(name: str) -> bool:
    """Whether a table belongs to the tooling (versions, FTS shadows, SQLite internals)."""
    return (
        name.startswith(_INTERNAL_PREFIXES)
        or name in _INTERNAL_NAMES
        or name.endswith(_FTS_SUFFIXES)
    )


def user_tables(conn: Connection) -> list[str]:
    """The application's tables in the current schema."""
    return [name for name in sa.inspect(conn).get_table_names() if not is_internal(name)]


def schema_sql(conn: Connection) -> tuple[str, str]:
    """``CREATE`` statements of the live schema, and the ``DROP`` statements undoing them."""
    metadata = sa.MetaData()
    names = user_tables(conn)
    metadata.reflect(conn, only=names)
    dialect = conn.dialect
    up: list[str] = []
    down: list[str] = []
    for table in metadata.sorted_tables:
        up.append(f"{str(CreateTable(table).compile(dialect=dialect)).strip()};")
        up.extend(f"{CreateIndex(i).compile(dialect=dialect)};" for i in table.indexes)
        down.insert(0, f"DROP TABLE {dialect.identifier_preparer.quote(table.name)};")
    return "\n\n".join(up), "\n".join(down)
