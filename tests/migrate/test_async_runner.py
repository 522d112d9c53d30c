"""``AsyncMigrationRunner`` on aiosqlite and asyncpg: async and sync files, ``op`` as a
proxy, atomic failures, scripts, opting out of the transaction, adoption and warnings."""

from __future__ import annotations

import threading
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils.facade.aio import AsyncDatabase
from sqlmodel_crud_utils.migrate import (
    LOCK_KEY,
    AsyncMigrationRunner,
    ChangedMigrationWarning,
    IrreversibleMigrationError,
    MigrationFailedError,
    MigrationLockError,
    MigrationNameWarning,
)
from tests.support import PG_URL, attach_search_path, pg_schema, require_postgres

from .conftest import pg_url
from .helpers import FASTMIGRATE_META, SCRIPT_FAIL, SCRIPT_OK, USERS, snapshot, write


@dataclass
class Ctx:
    runner: AsyncMigrationRunner
    db: AsyncDatabase
    url: str  # a sync URL reaching the same database
    schema: str | None


@pytest.fixture(params=["sqlite", "postgresql"])
async def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Ctx]:
    folder = tmp_path / "migrations"
    if request.param == "sqlite":
        db = AsyncDatabase(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
        await db.connect()
        try:
            runner = AsyncMigrationRunner(db, folder, echo=None)
            yield Ctx(runner, db, f"sqlite:///{tmp_path / 'app.db'}", None)
        finally:
            await db.close()
        return
    require_postgres()
    with pg_schema() as schema:
        db = AsyncDatabase(PG_URL.replace("postgresql://", "postgresql+asyncpg://", 1))
        attach_search_path(db.engine, schema)
        await db.connect()
        try:
            yield Ctx(AsyncMigrationRunner(db, folder, echo=None), db, pg_url(schema), schema)
        finally:
            await db.close()


ASYNC_USERS = """
    import sqlalchemy as sa

    async def up(db, op):
        await db.q("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        async with op.batch_alter_table("users") as batch:
            await batch.add_column(sa.Column("age", sa.Integer, nullable=True))
        await op.create_index("ix_users_name", "users", ["name"])

    async def down(db, op):
        await op.drop_index("ix_users_name", table_name="users")
        await db.q("DROP TABLE users")
"""

SYNC_POSTS = """
    import sqlalchemy as sa

    def up(db, op):
        op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True))
        db.t.posts.insert({"id": 1})

    def down(db, op):
        op.drop_table("posts")
"""


async def test_async_and_sync_files(ctx: Ctx) -> None:
    runner = ctx.runner
    lines: list[str] = []
    runner._echo = lines.append
    write(runner.directory, "0001-users.py", ASYNC_USERS)
    write(runner.directory, "0002-posts.py", SYNC_POSTS)
    assert (await runner.status())["pending"] == ["0001-users", "0002-posts"]
    applied = await runner.up(backup=False)
    assert [m.version for m in applied] == [1, 2]
    await ctx.db.t.users.insert({"id": 1, "name": "ann", "age": 3})
    assert await ctx.db.q("SELECT name, age FROM users") == [{"name": "ann", "age": 3}]
    assert await ctx.db.q("SELECT id FROM posts") == [{"id": 1}]
    assert (await runner.status())["current_version"] == 2
    assert [m.version for m in await runner.down(to_version=0)] == [2, 1]
    assert snapshot(ctx.url) == {
        "_scu_migrations": ["version", "name", "checksum", "applied_at"],
        "_scu_migrations rows": [],
    }
    assert await runner.down() == []
    assert lines == [
        "Applied: 0001-users",
        "Applied: 0002-posts",
        "Rolled back: 0002-posts",
        "Rolled back: 0001-users",
        "Nothing to rollback.",
    ]


async def test_failing_async_migration_changes_nothing(ctx: Ctx) -> None:
    runner = ctx.runner
    write(runner.directory, "0001-users.py", USERS)
    await runner.up(backup=False)
    before = snapshot(ctx.url)
    write(
        runner.directory,
        "0002-broken.py",
        """
        import sqlalchemy as sa

        async def up(db, op):
            await db.q("CREATE TABLE half (id INTEGER PRIMARY KEY)")
            await op.add_column("users", sa.Column("age", sa.Integer))
            await db.q("INSERT INTO users (id, name) VALUES (1, 'a')")
            raise RuntimeError("boom")
        """,
    )
    with pytest.raises(MigrationFailedError, match=r"0002-broken\.py failed: boom") as info:
        await runner.up(backup=False)
    assert info.value.version == 2
    assert isinstance(info.value.original_error, RuntimeError)
    assert snapshot(ctx.url) == before
    assert await ctx.db.q("SELECT * FROM users") == []


async def test_deebase_style_upgrade(ctx: Ctx) -> None:
    write(
        ctx.runner.directory,
        "0001-t.py",
        """
        async def upgrade(db):
            await db.q("CREATE TABLE t (id INTEGER)")
        """,
    )
    assert [m.name for m in await ctx.runner.up(to_version=1, backup=False)] == ["0001-t"]
    with pytest.raises(IrreversibleMigrationError, match=r"0001-t\.py"):
        await ctx.runner.down()


async def test_scripts(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    if ctx.schema is not None:
        monkeypatch.setenv("PGOPTIONS", f"-csearch_path={ctx.schema}")
    runner = ctx.runner
    write(runner.directory, "0001-script.sh", SCRIPT_OK)
    assert [m.version for m in await runner.up(backup=False)] == [1]
    assert "from_script" in snapshot(ctx.url)
    write(runner.directory, "0002-fails.sh", SCRIPT_FAIL)
    before = snapshot(ctx.url)
    with pytest.raises(MigrationFailedError, match="status 3: the data is not ready"):
        await runner.up(backup=False)
    assert snapshot(ctx.url) == before


async def test_no_transaction_opt_out(ctx: Ctx) -> None:
    runner = ctx.runner
    postgres = ctx.schema is not None
    write(runner.directory, "0001-users.py", USERS)
    statement = "CREATE INDEX CONCURRENTLY ix_users_name ON users (name)" if postgres else "VACUUM"
    write(
        runner.directory,
        "0002-index.py",
        f"""
        TRANSACTIONAL = False

        async def up(db):
            await db.q("{statement}")
        """,
    )
    write(
        runner.directory,
        "0003-more.sql",
        f"-- scu:no-transaction\n{statement.replace('ix_users_name', 'ix_users_name2')};\n",
    )
    await runner.up(backup=False)
    assert (await runner.status())["current_version"] == 3
    if postgres:
        engine = sa.create_engine(ctx.url)
        with engine.connect() as conn:
            names = {i["name"] for i in sa.inspect(conn).get_indexes("users")}
        engine.dispose()
        assert {"ix_users_name", "ix_users_name2"} <= names
    write(runner.directory, "0004-bad.sql", "CREATE TABLE half (id INTEGER);\nSELEC 1;\n")
    before = snapshot(ctx.url)
    with pytest.raises(MigrationFailedError):
        await runner.up(backup=False)
    assert snapshot(ctx.url) == before


async def test_enroll_adopts_fastmigrate_meta(ctx: Ctx) -> None:
    runner = ctx.runner
    await ctx.db.q(FASTMIGRATE_META)
    await ctx.db.q("INSERT INTO _meta (id, version) VALUES (1, 1)")
    await ctx.db.q("CREATE TABLE a (id INTEGER)")
    write(
        runner.directory,
        "0001-a.sql",
        "CREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    )
    write(
        runner.directory,
        "0002-b.sql",
        "CREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
    )
    assert await runner.enroll() == 1
    assert [m.version for m in await runner.up(backup=False)] == [2]
    assert await ctx.db.item("SELECT version FROM _meta") == 2
    await runner.down()
    assert await ctx.db.item("SELECT version FROM _meta") == 1


async def test_warnings(ctx: Ctx) -> None:
    runner = ctx.runner
    write(runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
    await runner.up(backup=False)
    write(runner.directory, "0001-a.sql", "CREATE TABLE a (id BIGINT);")
    write(runner.directory, "2-b.sql", "SELECT 1;")
    with (
        pytest.warns(ChangedMigrationWarning, match=r"0001-a\.sql"),
        pytest.warns(MigrationNameWarning, match=r"2-b\.sql"),
    ):
        assert await runner.up(backup=False) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert (await runner.status())["changed"] == ["0001-a"]


async def test_new_with_autogenerate(tmp_path: Path) -> None:
    metadata = sa.MetaData()
    sa.Table("hero", metadata, sa.Column("id", sa.Integer, primary_key=True))
    async with AsyncDatabase(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}") as db:
        runner = AsyncMigrationRunner(db, tmp_path / "m", echo=None)
        path = runner.new("heroes", autogenerate=True, metadata=metadata)
        assert path is not None
        assert path.name == "0001-heroes.py"
        await runner.up()
        assert await db.table_names() == ["hero"]
        assert runner.new("again", autogenerate=True, metadata=metadata) is None
        assert list(tmp_path.glob("a.db.*.backup"))


async def test_enroll_adopts_deebase_history(ctx: Ctx) -> None:
    await ctx.db.q("CREATE TABLE _deebase_migrations (version INTEGER PRIMARY KEY, name TEXT)")
    await ctx.db.q("INSERT INTO _deebase_migrations VALUES (1, 'first')")
    await ctx.db.q("CREATE TABLE a (id INTEGER)")
    write(ctx.runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
    write(ctx.runner.directory, "0002-b.sql", "CREATE TABLE b (id INTEGER);")
    assert await ctx.runner.enroll(baseline=2) == 1
    assert [m.version for m in await ctx.runner.up(backup=False)] == [2]


async def test_lock_timeout_covers_only_the_lock(ctx: Ctx) -> None:
    if ctx.schema is None:
        pytest.skip("the advisory lock is PostgreSQL's")
    runner = AsyncMigrationRunner(ctx.db, ctx.runner.directory, echo=None, lock_timeout=0.3)
    write(runner.directory, "0001-users.py", USERS)
    await runner.up(backup=False)
    write(runner.directory, "0002-age.sql", "ALTER TABLE users ADD COLUMN age INTEGER;")
    other = sa.create_engine(ctx.url)
    try:
        # The advisory lock is taken outside any transaction: a transaction left open here
        # would hold up CREATE INDEX CONCURRENTLY in migrations running alongside.
        locker = other.connect().execution_options(isolation_level="AUTOCOMMIT")
        with other.connect() as conn, locker:
            locker.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            with pytest.raises(MigrationLockError):
                await runner.up(backup=False)
            locker.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            conn.execute(sa.text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            timer = threading.Timer(1.0, conn.commit)
            timer.start()
            try:
                assert [m.version for m in await runner.up(backup=False)] == [2]
            finally:
                timer.join()
    finally:
        other.dispose()
