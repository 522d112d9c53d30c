"""What the migration runners share: the version table, pre-checks, status and bookkeeping.

Nothing here opens a connection.  Functions taking a ``Connection`` are run by
the async runner through ``AsyncConnection.run_sync``, and called directly by
the sync runner.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import sys
import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from .errors import (
    ChangedMigrationError,
    ChangedMigrationWarning,
    MigrationError,
    MissingMigrationError,
    OutOfOrderMigrationError,
    UnversionedDatabaseError,
)
from .files import Migration
from .schema import VERSION_TABLE, user_tables

__all__ = [
    "DEEBASE_TABLE",
    "FASTMIGRATE_TABLE",
    "LOCK_KEY",
    "PY_TEMPLATE",
    "VERSIONS",
    "adopted_versions",
    "backup_sqlite",
    "check_pending",
    "check_unversioned",
    "delete_row",
    "has_version_table",
    "insert_row",
    "operations",
    "restore_sqlite_autocommit",
    "rollback_versions",
    "script_command",
    "select_applied",
    "status_of",
    "sync_fastmigrate_meta",
]

#: The PostgreSQL advisory lock key every runner takes (``pg_try_advisory_lock``).
LOCK_KEY = 0x5C_0D_3C_20_1A_11_00_01

#: fastmigrate's version table (one row, ``id = 1``, with a ``version`` column).
FASTMIGRATE_TABLE = "_meta"
#: deebase's history table (a ``version`` column, one row per migration).
DEEBASE_TABLE = "_deebase_migrations"

PY_TEMPLATE = '''{docstring}


def up(db, op):
    """Apply the change (``db`` is the facade, ``op`` Alembic operations)."""


def down(db, op):
    """Undo the change."""
'''

#: The runner's version table.
VERSIONS = sa.Table(
    VERSION_TABLE,
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("checksum", sa.Text, nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


# ------------------------------------------------------------------ statements


def select_applied() -> sa.Select[Any]:
    """The version rows, oldest first."""
    return sa.select(VERSIONS).order_by(VERSIONS.c.version)


def insert_row(migration: Migration) -> sa.Insert:
    """The version row of an applied migration (values bound)."""
    return VERSIONS.insert().values(
        version=migration.version,
        name=migration.name,
        checksum=migration.checksum,
        applied_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
    )


def delete_row(version: int) -> sa.Delete:
    """Forget one applied version."""
    return VERSIONS.delete().where(VERSIONS.c.version == version)


# ----------------------------------------------------- run on a sync connection


def has_version_table(conn: Connection) -> bool:
    """Whether the version table exists."""
    return sa.inspect(conn).has_table(VERSION_TABLE)


def _version_column(conn: Connection, table: str) -> bool:
    inspector = sa.inspect(conn)
    if not inspector.has_table(table):
        return False
    return any(column["name"] == "version" for column in inspector.get_columns(table))


def sync_fastmigrate_meta(conn: Connection) -> None:
    """Keep fastmigrate's ``_meta`` version equal to the highest applied version."""
    if not _version_column(conn, FASTMIGRATE_TABLE):
        return
    top = conn.execute(sa.select(sa.func.max(VERSIONS.c.version))).scalar() or 0
    meta = sa.table(FASTMIGRATE_TABLE, sa.column("id"), sa.column("version"))
    done = conn.execute(sa.update(meta).values(version=top))
    if not done.rowcount:
        conn.execute(sa.insert(meta).values(id=1, version=top))


def adopted_versions(conn: Connection) -> set[int] | None:
    """The versions another tool recorded: fastmigrate's ``_meta`` or deebase's table.

    Returns:
        The applied versions (``0..N`` for fastmigrate's version ``N``), or ``None``
        when neither table holds any history.
    """
    if _version_column(conn, FASTMIGRATE_TABLE):
        meta = sa.table(FASTMIGRATE_TABLE, sa.column("version"))
        top = conn.execute(sa.select(sa.func.max(meta.c.version))).scalar()
        if top:
            return set(range(int(top) + 1))
    if _version_column(conn, DEEBASE_TABLE):
        history = sa.table(DEEBASE_TABLE, sa.column("version"))
        found = {int(v) for v in conn.execute(sa.select(history.c.version)).scalars() if v}
        if found:
            return found
    return None


def check_unversioned(conn: Connection) -> None:
    """Refuse to migrate a database that has tables but no history.

    Raises:
        UnversionedDatabaseError: If the application has tables.
    """
    if not user_tables(conn):
        return
    hint = ""
    for table in (FASTMIGRATE_TABLE, DEEBASE_TABLE):
        if _version_column(conn, table):
            hint = f" (enroll adopts the history in {table})"
    raise UnversionedDatabaseError(
        f"The database has tables but no migration history: enroll it first{hint}"
    )


def operations(conn: Connection) -> Any:
    """Alembic ``Operations`` bound to ``conn`` (batch mode on SQLite)."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    batch = conn.dialect.name == "sqlite"
    context = MigrationContext.configure(conn, opts={"render_as_batch": batch})
    return Operations(context)


def restore_sqlite_autocommit(conn: Connection) -> None:
    """Hand SQLite transactions back to SQLAlchemy after an ``AUTOCOMMIT`` connection.

    Returning such a connection to its pool resets the driver to implicit
    transactions; the package's engines need them off (see ``install_sqlite_hooks``).
    """
    driver: Any = conn.connection.dbapi_connection
    driver.isolation_level = None


# ------------------------------------------------------------------ pure logic


def status_of(files: list[Migration], applied: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The state of every file and of the history (see ``status()``)."""
    top = max(applied, default=0)
    by_version = {m.version: m for m in files}
    pending = [m for m in files if m.version not in applied]
    return {
        "current_version": top,
        "applied": [row["name"] for row in applied.values()],
        "pending": [m.name for m in pending],
        "available": [m.name for m in files],
        "out_of_order": [m.name for m in pending if m.version < top],
        "missing": [row["name"] for v, row in applied.items() if v not in by_version],
        "changed": [
            row["name"]
            for v, row in applied.items()
            if v in by_version and by_version[v].checksum != row["checksum"]
        ],
    }


def check_pending(
    files: list[Migration],
    applied: dict[int, dict[str, Any]],
    *,
    allow_out_of_order: bool,
    allow_changed: bool,
    strict: bool,
) -> list[Migration]:
    """The files ``up`` would apply, after the pre-checks.

    Raises:
        OutOfOrderMigrationError: If a pending file is older than the newest applied one.
        MissingMigrationError: If an applied migration's file is gone.
        ChangedMigrationError: If an applied file was edited and ``strict`` is set.
    """
    by_version = {m.version: m for m in files}
    gone = [row["name"] for v, row in applied.items() if v not in by_version]
    if gone:
        raise MissingMigrationError(f"Applied migration file(s) missing: {', '.join(gone)}")
    changed = [
        by_version[v] for v, row in applied.items() if by_version[v].checksum != row["checksum"]
    ]
    if changed and not allow_changed:
        names = ", ".join(m.path.name for m in changed)
        message = f"Applied migration file(s) edited since they ran: {names}"
        if strict:
            raise ChangedMigrationError(message, [m.path for m in changed])
        warnings.warn(ChangedMigrationWarning(message, [m.path for m in changed]), stacklevel=3)
    top = max(applied, default=0)
    pending = [m for m in files if m.version not in applied]
    late = [m for m in pending if m.version < top]
    if late and not allow_out_of_order:
        names = ", ".join(m.path.name for m in late)
        raise OutOfOrderMigrationError(
            f"Pending migration(s) older than the applied version {top:04d}: {names}",
            [m.path for m in late],
        )
    return pending


def rollback_versions(applied: dict[int, dict[str, Any]], target: int | None) -> list[int]:
    """The versions ``down(to=target)`` undoes, newest first (only the last without target)."""
    if target is None:
        return [max(applied)] if applied else []
    return sorted((v for v in applied if v > target), reverse=True)


def script_command(migration: Migration, url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a fastmigrate-style script.

    The argument is the SQLite file's path, or the PostgreSQL URL without the
    driver name (usable by ``psql`` and libpq).  ``SCU_DATABASE_URL`` holds the
    full SQLAlchemy URL.

    Raises:
        MigrationError: For an in-memory SQLite database (a subprocess cannot reach it).
    """
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise MigrationError(
                f"{migration.path.name} is a script: it needs a database file, not memory",
                [migration.path],
            )
        target = str(Path(url.database).resolve())
    else:
        target = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)
    program = [sys.executable] if migration.kind == "py" else ["sh"]
    env = {**os.environ, "SCU_DATABASE_URL": url.render_as_string(hide_password=False)}
    return [*program, str(migration.path), target], env


def backup_sqlite(url: sa.URL) -> Path | None:
    """Copy a SQLite database file next to it (``<db>.<timestamp>.backup``).

    Returns:
        The copy, or ``None`` for PostgreSQL and in-memory SQLite.
    """
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d_%H%M%S")
    target = Path(f"{url.database}.{stamp}.backup")
    counter = 1
    while target.exists():
        target = Path(f"{url.database}.{stamp}_{counter}.backup")
        counter += 1
    with (
        contextlib.closing(sqlite3.connect(url.database)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
    return target
