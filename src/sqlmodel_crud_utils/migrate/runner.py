"""``MigrationRunner``: numbered migration files applied atomically, with a version table."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from sqlmodel_crud_utils.facade.sync import Database

from .errors import (
    ChangedMigrationError,
    IrreversibleMigrationError,
    MigrationError,
    MigrationFailedError,
    MigrationLockError,
    MissingMigrationError,
    OutOfOrderMigrationError,
    UnversionedDatabaseError,
)
from .files import (
    DOWN_MARKER,
    Migration,
    discover,
    load_python,
    next_version,
    slugify,
    sql_parts,
    step,
    wants_op,
)
from .schema import VERSION_TABLE, schema_sql, user_tables

__all__ = ["LOCK_KEY", "MigrationRunner"]

#: The PostgreSQL advisory lock key every runner takes (``pg_advisory_xact_lock``).
LOCK_KEY = 0x5C_0D_3C_20_1A_11_00_01

PY_TEMPLATE = '''"""{description}."""


def up(db, op):
    """Apply the change (``db`` is the facade, ``op`` Alembic operations)."""


def down(db, op):
    """Undo the change."""
'''


class MigrationRunner:
    """Apply and roll back the numbered migrations of a folder.

    Each migration runs in one transaction together with its version row, so a
    failing migration leaves schema and history as they were.  Runners on other
    processes wait for a lock (``BEGIN IMMEDIATE`` on SQLite,
    ``pg_advisory_xact_lock`` on PostgreSQL) and re-read the history once they
    hold it, so no migration is ever applied twice.

    Args:
        db: The database.
        migrations_dir: The folder of ``NNNN-description.py|sql`` files.
        echo: Called with each progress line (``Applied: 0001-x``); ``None`` is quiet.
        lock_timeout: Seconds to wait for the PostgreSQL lock.
    """

    def __init__(
        self,
        db: Database,
        migrations_dir: str | Path,
        *,
        echo: Callable[[str], Any] | None = print,
        lock_timeout: float = 60.0,
    ) -> None:
        self.db = db
        self.directory = Path(migrations_dir)
        self._echo = echo
        self._lock_timeout = lock_timeout
        self._table = sa.Table(
            VERSION_TABLE,
            sa.MetaData(),
            sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("checksum", sa.Text, nullable=False),
            sa.Column("applied_at", sa.DateTime, nullable=False),
        )

    # -------------------------------------------------------------- helpers

    @property
    def _dialect(self) -> str:
        return self.db.engine.dialect.name

    def _say(self, line: str) -> None:
        if self._echo is not None:
            self._echo(line)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Connection]:
        """One transaction that holds the migration lock and sees the version table."""
        use_fk_off = self._dialect == "sqlite" and not self.db._in_tx()
        block = self.db._without_foreign_keys() if use_fk_off else self.db.transaction()
        with block as conn:
            if self._dialect == "postgresql":
                timeout = f"{int(self._lock_timeout * 1000)}ms"
                conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": timeout})
                try:
                    with conn.begin_nested():
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
                except sa.exc.DBAPIError as exc:
                    raise MigrationLockError(f"could not take the migration lock: {exc}") from exc
            self._table.create(conn, checkfirst=True)
            yield conn

    def _read_applied(self, conn: Connection) -> dict[int, dict[str, Any]]:
        rows = conn.execute(sa.select(self._table).order_by(self._table.c.version))
        return {row.version: dict(row._mapping) for row in rows}

    def applied(self) -> dict[int, dict[str, Any]]:
        """The version rows, by version (empty before the first migration)."""
        with self.db.engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                return {}
            return self._read_applied(conn)

    def _record(self, conn: Connection, migration: Migration) -> None:
        conn.execute(
            self._table.insert().values(
                version=migration.version,
                name=migration.name,
                checksum=migration.checksum,
                applied_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            )
        )

    def _check_foreign_keys(self, conn: Connection) -> None:
        if self._dialect == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(f"foreign key check failed: {broken[:5]}")

    def _run(self, conn: Connection, migration: Migration, direction: str) -> None:
        """Run one direction of a migration on the open transaction's connection."""
        if migration.kind == "sql":
            up_sql, down_sql = sql_parts(migration.path)
            for statement in up_sql if direction == "up" else down_sql or []:
                conn.exec_driver_sql(statement)
            return
        fn = step(load_python(migration), direction)
        if fn is None:
            raise IrreversibleMigrationError(
                f"{migration.path.name} has no {direction}()", [migration.path]
            )
        if inspect.iscoroutinefunction(fn):
            raise MigrationError(
                f"{migration.path.name} is async: run it with AsyncMigrationRunner",
                [migration.path],
            )
        args: list[Any] = [Database(conn)]
        if wants_op(fn):
            args.append(self.operations(conn))
        fn(*args)

    def operations(self, conn: Connection) -> Any:
        """Alembic ``Operations`` bound to ``conn`` (batch mode on SQLite)."""
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext

        context = MigrationContext.configure(
            conn, opts={"render_as_batch": self._dialect == "sqlite"}
        )
        return Operations(context)

    def _reversible(self, migration: Migration) -> bool:
        if migration.kind == "sql":
            return sql_parts(migration.path)[1] is not None
        return step(load_python(migration), "down") is not None

    # ----------------------------------------------------------------- API

    def status(self) -> dict[str, Any]:
        """The state of every file and of the history.

        Returns:
            ``current_version``, and lists of names: ``applied``, ``pending``,
            ``available``, ``out_of_order``, ``missing`` and ``changed``.
        """
        files = discover(self.directory, check_gaps=False)
        applied = self.applied()
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

    def pending(
        self, *, allow_out_of_order: bool = False, allow_changed: bool = False
    ) -> list[Migration]:
        """The files ``up`` would apply, after the pre-checks.

        Raises:
            DuplicateMigrationError: If two files share a version.
            MigrationGapError: If the numbering skips a version.
            OutOfOrderMigrationError: If a pending file is older than the newest applied one.
            MissingMigrationError: If an applied migration's file is gone.
            ChangedMigrationError: If an applied file was edited.
        """
        files = discover(self.directory)
        applied = self.applied()
        by_version = {m.version: m for m in files}
        gone = [row["name"] for v, row in applied.items() if v not in by_version]
        if gone:
            raise MissingMigrationError(f"Applied migration file(s) missing: {', '.join(gone)}")
        changed = [
            by_version[v] for v, row in applied.items() if by_version[v].checksum != row["checksum"]
        ]
        if changed and not allow_changed:
            names = ", ".join(m.path.name for m in changed)
            raise ChangedMigrationError(
                f"Applied migration file(s) edited since they ran: {names}",
                [m.path for m in changed],
            )
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

    def up(
        self,
        to: int | None = None,
        *,
        backup: bool = True,
        allow_out_of_order: bool = False,
        to_version: int | None = None,
        allow_changed: bool = False,
    ) -> list[Migration]:
        """Apply the pending migrations up to version ``to`` (all by default).

        Args:
            to: The last version to apply.
            backup: Copy a SQLite database file first.
            allow_out_of_order: Apply pending files older than the newest applied one.
            to_version: Another spelling of ``to``.
            allow_changed: Tolerate applied files whose checksum changed.

        Returns:
            The migrations this call applied.

        Raises:
            MigrationError: A pre-check failed (see :meth:`pending`), the database has
                tables but no history (:class:`UnversionedDatabaseError`) or the lock
                timed out.
            MigrationFailedError: A migration raised; it was rolled back.
        """
        target = to if to is not None else to_version
        pending = self.pending(allow_out_of_order=allow_out_of_order, allow_changed=allow_changed)
        todo = [m for m in pending if target is None or m.version <= target]
        if not todo:
            self._say("No pending migrations.")
            return []
        if backup:
            self.backup()
        done: list[Migration] = []
        for migration in todo:
            if self._apply(migration, "up"):
                self._say(f"Applied: {migration.name}")
                done.append(migration)
        return done

    def down(self, to: int | None = None, *, to_version: int | None = None) -> list[Migration]:
        """Roll back the last migration, or every version above ``to``.

        Args:
            to: The version to return to (``0`` undoes everything).
            to_version: Another spelling of ``to``.

        Returns:
            The migrations this call rolled back, newest first.

        Raises:
            MissingMigrationError: If a file to roll back is gone.
            IrreversibleMigrationError: If a file to roll back has no down step.
            MigrationFailedError: A down step raised; it was rolled back.
        """
        target = to if to is not None else to_version
        applied = self.applied()
        if target is None:
            versions = [max(applied)] if applied else []
        else:
            versions = sorted((v for v in applied if v > target), reverse=True)
        if not versions:
            self._say("Nothing to rollback.")
            return []
        by_version = {m.version: m for m in discover(self.directory, check_gaps=False)}
        gone = [applied[v]["name"] for v in versions if v not in by_version]
        if gone:
            raise MissingMigrationError(f"Cannot roll back, file(s) missing: {', '.join(gone)}")
        stuck = [by_version[v] for v in versions if not self._reversible(by_version[v])]
        if stuck:
            raise IrreversibleMigrationError(
                f"No down step in: {', '.join(m.path.name for m in stuck)}", [m.path for m in stuck]
            )
        done: list[Migration] = []
        for version in versions:
            migration = by_version[version]
            if self._apply(migration, "down"):
                self._say(f"Rolled back: {migration.name}")
                done.append(migration)
        return done

    def _apply(self, migration: Migration, direction: str) -> bool:
        """Run one step under the lock; ``False`` if another runner already did it."""
        try:
            with self._locked() as conn:
                current = self._read_applied(conn)
                if (migration.version in current) == (direction == "up"):
                    return False
                if direction == "up" and not current and user_tables(conn):
                    raise UnversionedDatabaseError(
                        "The database has tables but no migration history: enroll it first"
                    )
                self._run(conn, migration, direction)
                if direction == "up":
                    self._record(conn, migration)
                else:
                    conn.execute(
                        self._table.delete().where(self._table.c.version == migration.version)
                    )
                self._check_foreign_keys(conn)
        except (MigrationLockError, IrreversibleMigrationError, UnversionedDatabaseError):
            raise
        except Exception as exc:
            raise MigrationFailedError(migration.version, migration.path, exc) from exc
        return True

    def mark_applied(self, migrations: list[Migration], *, replace: bool = False) -> None:
        """Record migrations as applied without running them.

        Args:
            migrations: The migrations.
            replace: Rewrite the row (and checksum) of a version already recorded.
        """
        with self._locked() as conn:
            current = self._read_applied(conn)
            for migration in migrations:
                if migration.version in current:
                    if not replace:
                        continue
                    version = self._table.c.version
                    conn.execute(self._table.delete().where(version == migration.version))
                self._record(conn, migration)

    def enroll(self, baseline: int | None = None) -> int:
        """Start the history of a database that was built without this runner.

        With no migration files, writes ``0001-initial-schema.sql`` from the live
        schema and marks it applied; otherwise marks the files up to ``baseline``
        (all by default) as applied without running them.

        Returns:
            The current version afterwards.
        """
        applied = self.applied()
        if applied:
            return max(applied)
        files = discover(self.directory)
        if not files:
            with self.db.engine.connect() as conn:
                up_sql, down_sql = schema_sql(conn)
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / "0001-initial-schema.sql"
            path.write_text(f"{up_sql}\n\n{DOWN_MARKER}\n{down_sql}\n", encoding="utf-8")
            files = discover(self.directory)
        chosen = [m for m in files if baseline is None or m.version <= baseline]
        self.mark_applied(chosen)
        return max((m.version for m in chosen), default=0)

    def backup(self) -> Path | None:
        """Copy a SQLite database file next to it (``<db>.<timestamp>.backup``).

        Returns:
            The copy, or ``None`` for PostgreSQL and in-memory SQLite.
        """
        url = self.db.engine.url
        if self._dialect != "sqlite" or not url.database or url.database == ":memory:":
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

    def new(
        self,
        description: str,
        *,
        autogenerate: bool = False,
        metadata: sa.MetaData | None = None,
        sql: bool = False,
        include_drops: bool = False,
    ) -> Path | None:
        """Write the next migration file.

        Args:
            description: Becomes the slug of the file name.
            autogenerate: Fill ``up``/``down`` from the difference between
                ``metadata`` and the live database (Alembic).
            metadata: The application's metadata, for ``autogenerate``.
            sql: Write a ``.sql`` template instead of ``.py``.
            include_drops: Let ``autogenerate`` drop tables missing from ``metadata``.

        Returns:
            The new file, or ``None`` when ``autogenerate`` found no change.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{next_version(self.directory):04d}-{slugify(description)}"
        if autogenerate:
            from .autogen import autogenerate_source

            if metadata is None:
                raise ValueError("autogenerate needs the application's metadata")
            with self.db.engine.connect() as conn:
                source = autogenerate_source(conn, metadata, description, include_drops)
            if source is None:
                return None
        elif sql:
            path = self.directory / f"{stem}.sql"
            path.write_text(f"-- {description}\n\n\n{DOWN_MARKER}\n", encoding="utf-8")
            return path
        else:
            source = PY_TEMPLATE.format(description=description.replace('"', "'"))
        path = self.directory / f"{stem}.py"
        path.write_text(source, encoding="utf-8")
        return path
