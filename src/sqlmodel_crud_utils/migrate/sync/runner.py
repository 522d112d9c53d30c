# This file is generated from src/sqlmodel_crud_utils/migrate/aio/runner.py by scripts/unasync.py. Do not edit it by hand.
"""``MigrationRunner``: numbered migration files applied atomically, with a version table."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from sqlmodel_crud_utils.facade.sync import Database

from .. import plan
from ..errors import (
    IrreversibleMigrationError,
    MigrationError,
    MigrationFailedError,
    MigrationLockError,
    MissingMigrationError,
)
from ..files import (
    DOWN_MARKER,
    Migration,
    Step,
    discover,
    docstring_literal,
    load_step,
    next_version,
    reversible,
    slugify,
    sql_comment,
)
from ..schema import schema_sql
from ._twin import autogenerate_with, run_script, run_step, run_sync, sleep

__all__ = ["MigrationRunner"]


class MigrationRunner:
    """Apply and roll back the numbered migrations of a folder.

    Each migration runs in one transaction together with its version row, so a
    failing migration leaves schema and history as they were (files that opt
    out with ``TRANSACTIONAL = False``, ``-- scu:no-transaction`` or that are
    scripts excepted).  On PostgreSQL a run holds an advisory lock on
    :data:`~sqlmodel_crud_utils.migrate.LOCK_KEY`; on SQLite each migration
    takes the write lock (``BEGIN IMMEDIATE``).  The history is read again once
    the lock is held, so no migration is ever applied twice.

    Args:
        db: The database.
        migrations_dir: The folder of ``NNNN-description.py|sql|sh`` files.
        echo: Called with each progress line (``Applied: 0001-x``); ``None`` is quiet.
        lock_timeout: Seconds to wait for the PostgreSQL lock; it bounds only
            the wait for the lock, never the migrations.
        strict: Raise :class:`~sqlmodel_crud_utils.migrate.ChangedMigrationError`
            when an applied file was edited, instead of warning.
    """

    def __init__(
        self,
        db: Database,
        migrations_dir: str | Path,
        *,
        echo: Callable[[str], Any] | None = print,
        lock_timeout: float = 60.0,
        strict: bool = False,
    ) -> None:
        self.db = db
        self.directory = Path(migrations_dir)
        self.strict = strict
        self._echo = echo
        self._lock_timeout = lock_timeout
        self._holding_lock = False

    # -------------------------------------------------------------- helpers

    @property
    def _dialect(self) -> str:
        return self.db.engine.dialect.name

    def _say(self, line: str) -> None:
        if self._echo is not None:
            self._echo(line)

    @contextlib.contextmanager
    def _run_lock(self) -> Iterator[None]:
        """Hold the PostgreSQL advisory lock for a whole run (SQLite locks per migration)."""
        if self._dialect != "postgresql" or self._holding_lock:
            yield
            return
        with self.db.engine.connect() as conn:
            self._acquire(conn)
            self._holding_lock = True
            try:
                yield
            finally:
                self._holding_lock = False
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": plan.LOCK_KEY})
                conn.commit()

    def _acquire(self, conn: Connection) -> None:
        """Poll ``pg_try_advisory_lock`` until it succeeds or ``lock_timeout`` passes."""
        deadline = time.monotonic() + self._lock_timeout
        delay = 0.02
        while True:
            query = sa.text("SELECT pg_try_advisory_lock(:k)")
            got = (conn.execute(query, {"k": plan.LOCK_KEY})).scalar()
            conn.commit()
            left = deadline - time.monotonic()
            if got:
                return
            if left <= 0:
                raise MigrationLockError(
                    f"another migration run held the lock for more than {self._lock_timeout}s"
                )
            sleep(min(delay, left))
            delay = min(delay * 2, 0.5)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction that sees the version table (SQLite: foreign keys off)."""
        fk_off = self._dialect == "sqlite" and not self.db._in_tx()
        block = self.db._without_foreign_keys() if fk_off else self.db.transaction()
        with block as conn:
            run_sync(conn, functools.partial(plan.VERSIONS.create, checkfirst=True))
            yield conn

    @contextlib.contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        """A connection outside any transaction, for steps that opt out of one."""
        memory = self.db.engine.url.database in (None, "", ":memory:")
        with self.db.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            try:
                yield conn
            finally:
                if self._dialect == "sqlite" and not memory:
                    # Returning it would reset the driver's transaction mode.
                    conn.invalidate()
        if self._dialect == "sqlite" and memory:
            with self.db.engine.connect() as again:
                run_sync(again, plan.restore_sqlite_autocommit)

    def _read_applied(self, conn: Connection) -> dict[int, dict[str, Any]]:
        rows = conn.execute(plan.select_applied())
        return {row.version: dict(row._mapping) for row in rows}

    def applied(self) -> dict[int, dict[str, Any]]:
        """The version rows, by version (empty before the first migration)."""
        with self.db._connection() as conn:
            if not run_sync(conn, plan.has_version_table):
                return {}
            return self._read_applied(conn)

    def _bookkeep(self, conn: Connection, migration: Migration, direction: str) -> None:
        if direction == "up":
            conn.execute(plan.insert_row(migration))
        else:
            conn.execute(plan.delete_row(migration.version))
        run_sync(conn, plan.sync_fastmigrate_meta)

    def _check_foreign_keys(self, conn: Connection) -> None:
        if self._dialect == "sqlite":
            broken = (conn.exec_driver_sql("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"foreign key check failed: {broken[:5]}")

    def _run_step(self, conn: Connection, migration: Migration, step: Step) -> None:
        if step.kind == "sql":
            for statement in step.statements:
                conn.exec_driver_sql(statement)
        elif step.fn is not None:
            run_step(conn, step.fn, migration)

    def _run_script(self, migration: Migration) -> None:
        argv, env = plan.script_command(migration, self.db.engine.url)
        code, errors = run_script(argv, env)
        if code != 0:
            tail = errors.strip().splitlines()[-1:] or [""]
            raise RuntimeError(f"script exited with status {code}: {tail[0]}".rstrip(": "))

    def _is_done(self, migration: Migration, direction: str) -> bool:
        """Whether another runner already did this step (checked under the lock)."""
        with self._transaction() as conn:
            current = self._read_applied(conn)
            if (migration.version in current) == (direction == "up"):
                return True
            if direction == "up" and not current:
                run_sync(conn, plan.check_unversioned)
        return False

    def _apply(self, migration: Migration, direction: str) -> bool:
        """Run one step; ``False`` if another runner already did it."""
        try:
            step = load_step(migration, direction)
            if step.transactional:
                with self._transaction() as conn:
                    current = self._read_applied(conn)
                    if (migration.version in current) == (direction == "up"):
                        return False
                    if direction == "up" and not current:
                        run_sync(conn, plan.check_unversioned)
                    self._run_step(conn, migration, step)
                    self._bookkeep(conn, migration, direction)
                    self._check_foreign_keys(conn)
                return True
            if self.db._in_tx():
                raise MigrationError(
                    f"{migration.path.name} runs outside a transaction: "
                    "apply it outside transaction()",
                    [migration.path],
                )
            if self._is_done(migration, direction):
                return False
            if step.kind == "script":
                self._run_script(migration)
            else:
                with self._autocommit() as conn:
                    self._run_step(conn, migration, step)
            with self._transaction() as conn:
                self._bookkeep(conn, migration, direction)
        except MigrationError:
            raise
        except Exception as exc:
            raise MigrationFailedError(migration.version, migration.path, exc) from exc
        return True

    def _apply_all(self, migrations: list[Migration], direction: str) -> list[Migration]:
        """Apply steps in order under the run lock, then let the facade re-read the schema."""
        done: list[Migration] = []
        verb = "Applied" if direction == "up" else "Rolled back"
        try:
            with self._run_lock():
                for migration in migrations:
                    if self._apply(migration, direction):
                        self._say(f"{verb}: {migration.name}")
                        done.append(migration)
        finally:
            self.db._stale = True
            with contextlib.suppress(Exception):
                self.db.reflect()
        return done

    # ----------------------------------------------------------------- API

    def status(self) -> dict[str, Any]:
        """The state of every file and of the history.

        Returns:
            ``current_version``, and lists of names: ``applied``, ``pending``,
            ``available``, ``out_of_order``, ``missing`` and ``changed``.
        """
        files = discover(self.directory, check_gaps=False)
        return plan.status_of(files, self.applied())

    def pending(
        self, *, allow_out_of_order: bool = False, allow_changed: bool = False
    ) -> list[Migration]:
        """The files ``up`` would apply, after the pre-checks.

        An applied file whose checksum changed triggers a
        :class:`~sqlmodel_crud_utils.migrate.ChangedMigrationWarning` (an error
        on a ``strict`` runner).

        Args:
            allow_out_of_order: Include pending files older than the newest applied one.
            allow_changed: Accept edited applied files silently, even when strict.

        Returns:
            The pending migrations, oldest first.

        Raises:
            DuplicateMigrationError: If two files share a version.
            MigrationGapError: If the numbering skips a version.
            OutOfOrderMigrationError: If a pending file is older than the newest applied one.
            MissingMigrationError: If an applied migration's file is gone.
            ChangedMigrationError: If an applied file was edited (strict runners only).
        """
        return plan.check_pending(
            discover(self.directory),
            self.applied(),
            allow_out_of_order=allow_out_of_order,
            allow_changed=allow_changed,
            strict=self.strict,
        )

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
            to_version: Another spelling of ``to`` (deebase's).
            allow_changed: Accept edited applied files silently, even when strict.

        Returns:
            The migrations this call applied.

        Raises:
            MigrationError: A pre-check failed (see :meth:`pending`), the database has
                tables but no history (``UnversionedDatabaseError``) or the lock
                timed out (``MigrationLockError``).
            MigrationFailedError: A migration failed; a transactional one was rolled back.
        """
        target = to if to is not None else to_version
        pending = self.pending(allow_out_of_order=allow_out_of_order, allow_changed=allow_changed)
        todo = [m for m in pending if target is None or m.version <= target]
        if not todo:
            self._say("No pending migrations.")
            return []
        if backup:
            self.backup()
        return self._apply_all(todo, "up")

    def down(self, to: int | None = None, *, to_version: int | None = None) -> list[Migration]:
        """Roll back the last migration, or every version above ``to``.

        Args:
            to: The version to return to (``0`` undoes everything).
            to_version: Another spelling of ``to`` (deebase's).

        Returns:
            The migrations this call rolled back, newest first.

        Raises:
            MissingMigrationError: If a file to roll back is gone.
            IrreversibleMigrationError: If a file to roll back has no down step.
            MigrationFailedError: A down step failed; it was rolled back.
        """
        applied = self.applied()
        versions = plan.rollback_versions(applied, to if to is not None else to_version)
        if not versions:
            self._say("Nothing to rollback.")
            return []
        by_version = {m.version: m for m in discover(self.directory, check_gaps=False)}
        gone = [applied[v]["name"] for v in versions if v not in by_version]
        if gone:
            raise MissingMigrationError(f"Cannot roll back, file(s) missing: {', '.join(gone)}")
        stuck = [by_version[v] for v in versions if not reversible(by_version[v])]
        if stuck:
            raise IrreversibleMigrationError(
                f"No down step in: {', '.join(m.path.name for m in stuck)}", [m.path for m in stuck]
            )
        return self._apply_all([by_version[v] for v in versions], "down")

    def mark_applied(self, migrations: list[Migration], *, replace: bool = False) -> None:
        """Record migrations as applied without running them.

        Args:
            migrations: The migrations.
            replace: Rewrite the row (and checksum) of a version already recorded.
        """
        with self._run_lock(), self._transaction() as conn:
            current = self._read_applied(conn)
            for migration in migrations:
                if migration.version in current:
                    if not replace:
                        continue
                    conn.execute(plan.delete_row(migration.version))
                conn.execute(plan.insert_row(migration))
            run_sync(conn, plan.sync_fastmigrate_meta)

    def enroll(self, baseline: int | None = None) -> int:
        """Start the history of a database that was built without this runner.

        First adopts the history another tool left: fastmigrate's ``_meta``
        version ``N`` marks the files up to ``N`` applied, deebase's
        ``_deebase_migrations`` the versions it lists.  Otherwise, with no
        migration files, writes ``0001-initial-schema.sql`` from the live schema
        and marks it applied; with files, marks those up to ``baseline`` (all by
        default) applied without running them.

        Args:
            baseline: The last version to mark applied when there is no history to adopt.

        Returns:
            The current version afterwards.

        Raises:
            MigrationError: If the adopted history names versions without files.
        """
        applied = self.applied()
        if applied:
            return max(applied)
        with self.db._connection() as conn:
            adopted = run_sync(conn, plan.adopted_versions)
        files = discover(self.directory)
        if adopted is not None:
            chosen = [m for m in files if m.version in adopted]
            if not chosen:
                raise MigrationError(
                    f"The database records versions up to {max(adopted):04d} but "
                    f"{self.directory} has no file for them"
                )
        else:
            if not files:
                with self.db._connection() as conn:
                    up_sql, down_sql = run_sync(conn, schema_sql)
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
        return plan.backup_sqlite(self.db.engine.url)

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

        Raises:
            ValueError: If ``autogenerate`` has no metadata.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{next_version(self.directory):04d}-{slugify(description)}"
        if autogenerate:
            if metadata is None:
                raise ValueError("autogenerate needs the application's metadata")
            source = autogenerate_with(self.db, metadata, description, include_drops)
            if source is None:
                return None
        elif sql:
            path = self.directory / f"{stem}.sql"
            path.write_text(f"{sql_comment(description)}\n\n\n{DOWN_MARKER}\n", encoding="utf-8")
            return path
        else:
            source = plan.PY_TEMPLATE.format(docstring=docstring_literal(description))
        path = self.directory / f"{stem}.py"
        path.write_text(source, encoding="utf-8")
        return path
