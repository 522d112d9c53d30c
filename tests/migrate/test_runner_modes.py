"""The sync runner: async files refused, scripts, opting out of the transaction,
adopting fastmigrate/deebase history, warnings and the PostgreSQL lock."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.migrate import (
    LOCK_KEY,
    AsyncMigrationError,
    IrreversibleMigrationError,
    MigrationFailedError,
    MigrationLockError,
    MigrationNameWarning,
    MigrationRunner,
    UnversionedDatabaseError,
)

from .helpers import (
    FASTMIGRATE_META,
    PY_SCRIPT,
    SCRIPT_FAIL,
    SCRIPT_OK,
    USERS,
    snapshot,
    write,
)


@pytest.fixture
def runner(db_url: str, tmp_path: Path):
    with Database(db_url) as db:
        yield MigrationRunner(db, tmp_path / "migrations", echo=None)


def test_sync_runner_rejects_async_migration(runner: MigrationRunner, db_url: str) -> None:
    write(runner.directory, "0001-users.py", USERS)
    runner.up(backup=False)
    before = snapshot(db_url)
    write(runner.directory, "0002-async.py", "async def up(db):\n    pass\n")
    with pytest.raises(AsyncMigrationError, match=r"0002-async\.py.*AsyncMigrationRunner"):
        runner.up(backup=False)
    assert snapshot(db_url) == before


def test_deebase_aliases_and_to_version(runner: MigrationRunner) -> None:
    for version in (1, 2):
        write(
            runner.directory,
            f"000{version}-t{version}.py",
            f"""
            def upgrade(db):
                db.q("CREATE TABLE t{version} (id INTEGER)")

            def downgrade(db):
                db.q("DROP TABLE t{version}")
            """,
        )
    assert [m.version for m in runner.up(to_version=1, backup=False)] == [1]
    runner.up(backup=False)
    assert [m.version for m in runner.down(to_version=0)] == [2, 1]
    assert runner.db.table_names() == []


def test_shell_and_python_scripts(runner: MigrationRunner, db_url: str) -> None:
    write(runner.directory, "0001-script.sh", SCRIPT_OK)
    write(runner.directory, "0002-script.py", PY_SCRIPT)
    assert [m.name for m in runner.up(backup=False)] == ["0001-script", "0002-script"]
    assert {"from_script", "from_py_script"} <= set(runner.db.table_names())
    assert runner.status()["current_version"] == 2
    with pytest.raises(IrreversibleMigrationError, match=r"0002-script\.py"):
        runner.down()
    write(runner.directory, "0003-fails.sh", SCRIPT_FAIL)
    before = snapshot(db_url)
    with pytest.raises(MigrationFailedError, match="status 3: the data is not ready") as info:
        runner.up(backup=False)
    assert info.value.version == 3
    assert snapshot(db_url) == before


def test_script_needs_a_database_file(tmp_path: Path) -> None:
    with Database() as db:
        runner = MigrationRunner(db, tmp_path / "m", echo=None)
        write(runner.directory, "0001-script.sh", SCRIPT_OK)
        with pytest.raises(Exception, match="needs a database file"):
            runner.up()


def test_no_transaction_opt_out(runner: MigrationRunner, db_url: str) -> None:
    write(runner.directory, "0001-users.py", USERS)
    postgres = db_url.startswith("postgresql")
    statement = (
        "CREATE INDEX CONCURRENTLY ix_users_name ON users (name);" if postgres else "VACUUM;"
    )
    write(runner.directory, "0002-index.sql", f"-- scu:no-transaction\n{statement}\n")
    concurrently = (
        'db.q("CREATE INDEX CONCURRENTLY ix_users_id_name ON users (id, name)")'
        if postgres
        else 'db.q("VACUUM")'
    )
    write(
        runner.directory,
        "0003-more.py",
        f"""
        TRANSACTIONAL = False

        def up(db):
            {concurrently}
        """,
    )
    runner.up(backup=False)
    assert runner.status()["current_version"] == 3
    if postgres:
        indexes = {i["name"] for i in sa.inspect(runner.db.engine).get_indexes("users")}
        assert {"ix_users_name", "ix_users_id_name"} <= indexes
    # The pooled connections still run later migrations atomically.
    write(
        runner.directory,
        "0004-broken.sql",
        "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
    )
    before = snapshot(db_url)
    with pytest.raises(MigrationFailedError):
        runner.up(backup=False)
    assert snapshot(db_url) == before


def test_no_transaction_in_memory_keeps_rollbacks(tmp_path: Path) -> None:
    with Database() as db:
        runner = MigrationRunner(db, tmp_path / "m", echo=None)
        write(runner.directory, "0001-vacuum.sql", "-- scu:no-transaction\nVACUUM;\n")
        write(runner.directory, "0002-bad.sql", "CREATE TABLE half (id INTEGER);\nSELEC 1;\n")
        with pytest.raises(MigrationFailedError):
            runner.up()
        assert db.table_names() == []
        assert runner.status()["applied"] == ["0001-vacuum"]


def test_enroll_adopts_fastmigrate_meta_and_keeps_it_in_step(
    runner: MigrationRunner, db_url: str
) -> None:
    db = runner.db
    db.q(FASTMIGRATE_META)
    db.q("INSERT INTO _meta (id, version) VALUES (1, 2)")
    db.q("CREATE TABLE a (id INTEGER)")
    db.q("CREATE TABLE b (id INTEGER)")
    for version, name in ((1, "a"), (2, "b"), (3, "c")):
        write(
            runner.directory,
            f"000{version}-{name}.sql",
            f"CREATE TABLE {name} (id INTEGER);\n-- migrate:down\nDROP TABLE {name};\n",
        )
    with pytest.raises(UnversionedDatabaseError, match="_meta"):
        runner.up(backup=False)
    assert runner.enroll(baseline=1) == 2
    assert runner.status()["applied"] == ["0001-a", "0002-b"]
    assert [m.version for m in runner.up(backup=False)] == [3]
    assert db.item("SELECT version FROM _meta") == 3
    runner.down(to=1)
    assert db.item("SELECT version FROM _meta") == 1


def test_enroll_adopts_deebase_history(runner: MigrationRunner) -> None:
    db = runner.db
    db.q("CREATE TABLE _deebase_migrations (version INTEGER PRIMARY KEY, name TEXT)")
    db.q("INSERT INTO _deebase_migrations VALUES (1, 'first'), (2, 'second')")
    db.q("CREATE TABLE a (id INTEGER)")
    for version in (1, 2, 3):
        write(runner.directory, f"000{version}-v{version}.sql", "SELECT 1;")
    assert runner.enroll() == 2
    assert runner.status()["pending"] == ["0003-v3"]


def test_near_miss_warns_and_hidden_files_are_skipped(runner: MigrationRunner) -> None:
    write(runner.directory, "0001-users.py", USERS)
    write(runner.directory, "0002_oops.sql", "SELECT 1;")
    write(runner.directory, "_helpers.py", "raise RuntimeError('never imported')\n")
    write(runner.directory, ".0003-hidden.sql", "SELEC nonsense;")
    with pytest.warns(MigrationNameWarning, match=r"0002_oops\.sql") as caught:
        assert runner.status()["available"] == ["0001-users"]
    assert caught[0].message.paths == [runner.directory / "0002_oops.sql"]  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MigrationNameWarning)
        assert [m.name for m in runner.up(backup=False)] == ["0001-users"]


def test_lock_timeout_covers_only_the_lock(runner: MigrationRunner, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's")
    write(runner.directory, "0001-users.py", USERS)
    runner.up(backup=False)
    fast = MigrationRunner(runner.db, runner.directory, echo=None, lock_timeout=0.3)
    write(runner.directory, "0002-age.sql", "ALTER TABLE users ADD COLUMN age INTEGER;")
    other = sa.create_engine(db_url)
    try:
        # The advisory lock is taken outside any transaction: a transaction left open here
        # would hold up CREATE INDEX CONCURRENTLY in migrations running alongside.
        locker = other.connect().execution_options(isolation_level="AUTOCOMMIT")
        with other.connect() as conn, locker:
            locker.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            started = time.monotonic()
            with pytest.raises(MigrationLockError):
                fast.up(backup=False)
            assert time.monotonic() - started < 5
            locker.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            # A table lock held longer than lock_timeout only delays the migration.
            conn.execute(sa.text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            timer = threading.Timer(1.0, conn.commit)
            timer.start()
            try:
                assert [m.version for m in fast.up(backup=False)] == [2]
            finally:
                timer.join()
    finally:
        other.dispose()
