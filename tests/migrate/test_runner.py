"""The migration runner on SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.migrate import (
    ChangedMigrationError,
    ChangedMigrationWarning,
    DuplicateMigrationError,
    IrreversibleMigrationError,
    MigrationFailedError,
    MigrationGapError,
    MigrationRunner,
    MissingMigrationError,
    OutOfOrderMigrationError,
    UnversionedDatabaseError,
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


USERS = """
    def up(db):
        db.q("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")

    def down(db):
        db.q("DROP TABLE users")
"""

POSTS_SQL = """
    CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);
    INSERT INTO posts (id, title) VALUES (1, 'it''s; here');
    -- migrate:down
    DROP TABLE posts;
"""


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def history(runner: MigrationRunner) -> list[str]:
    return [row["name"] for row in runner.applied().values()]


@pytest.fixture
def runner(db_url: str, tmp_path: Path):
    with Database(db_url) as db:
        yield MigrationRunner(db, tmp_path / "migrations", echo=None)


def test_up_status_down(runner: MigrationRunner, db_url: str) -> None:
    folder = runner.directory
    write(folder, "0001-users.py", USERS)
    write(folder, "0002-posts.sql", POSTS_SQL)
    write(folder, "_helper.py", "x = 1\n")
    assert runner.status()["pending"] == ["0001-users", "0002-posts"]
    applied = runner.up(backup=False)
    assert [m.name for m in applied] == ["0001-users", "0002-posts"]
    assert {"users", "posts", "_scu_migrations"} <= tables(db_url)
    assert runner.db.q("SELECT title FROM posts") == [{"title": "it's; here"}]
    status = runner.status()
    assert status["current_version"] == 2
    assert status["pending"] == []
    assert runner.up() == []
    rows = runner.applied()
    assert len(rows[1]["checksum"]) == 64
    assert rows[1]["applied_at"] is not None
    assert [m.name for m in runner.down()] == ["0002-posts"]
    assert "posts" not in tables(db_url)
    runner.up(backup=False)
    assert [m.version for m in runner.down(to=0)] == [2, 1]
    assert tables(db_url) & {"users", "posts"} == set()
    assert runner.down() == []


def test_up_to_a_version(runner: MigrationRunner) -> None:
    write(runner.directory, "0001-users.py", USERS)
    write(runner.directory, "0002-posts.sql", POSTS_SQL)
    assert [m.version for m in runner.up(to=1, backup=False)] == [1]
    assert runner.status()["pending"] == ["0002-posts"]


def test_failing_migration_changes_nothing(runner: MigrationRunner, db_url: str) -> None:
    write(runner.directory, "0001-users.py", USERS)
    runner.up(backup=False)
    before = tables(db_url)
    write(
        runner.directory,
        "0002-broken.py",
        """
        import sqlalchemy as sa

        def up(db, op):
            db.q("CREATE TABLE half (id INTEGER PRIMARY KEY)")
            op.add_column("users", sa.Column("age", sa.Integer))
            db.q("INSERT INTO users (id, name) VALUES (1, 'a')")
            raise RuntimeError("boom")

        def down(db):
            pass
        """,
    )
    with pytest.raises(MigrationFailedError) as info:
        runner.up(backup=False)
    assert info.value.version == 2
    assert isinstance(info.value.original_error, RuntimeError)
    assert tables(db_url) == before
    assert history(runner) == ["0001-users"]
    assert runner.db.q("SELECT * FROM users") == []
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert [c["name"] for c in sa.inspect(conn).get_columns("users")] == ["id", "name"]
    engine.dispose()


def test_failing_sql_file_changes_nothing(runner: MigrationRunner, db_url: str) -> None:
    write(runner.directory, "0001-bad.sql", "CREATE TABLE t1 (id INTEGER);\nSELEC nonsense;\n")
    with pytest.raises(MigrationFailedError):
        runner.up(backup=False)
    assert "t1" not in tables(db_url)
    assert history(runner) == []


def test_alembic_operations(runner: MigrationRunner) -> None:
    write(runner.directory, "0001-users.py", USERS)
    write(
        runner.directory,
        "0002-age.py",
        """
        import sqlalchemy as sa

        def up(db, op):
            with op.batch_alter_table("users") as batch:
                batch.add_column(sa.Column("age", sa.Integer, nullable=True))
            op.create_index("ix_users_name", "users", ["name"])

        def down(db, op):
            op.drop_index("ix_users_name", table_name="users")
            with op.batch_alter_table("users") as batch:
                batch.drop_column("age")
        """,
    )
    runner.up(backup=False)
    runner.db.t.users.insert({"id": 1, "name": "ann", "age": 3})
    assert runner.db.q("SELECT name, age FROM users") == [{"name": "ann", "age": 3}]
    runner.down()
    assert list(runner.db.q("SELECT * FROM users")[0]) == ["id", "name"]


def test_prechecks(runner: MigrationRunner) -> None:
    folder = runner.directory
    write(folder, "0001-users.py", USERS)
    write(folder, "0001-other.sql", "SELECT 1;")
    with pytest.raises(DuplicateMigrationError, match="0001"):
        runner.up(backup=False)
    (folder / "0001-other.sql").unlink()
    write(folder, "0003-later.sql", "SELECT 1;")
    with pytest.raises(MigrationGapError, match=r"0003-later\.sql"):
        runner.up(backup=False)
    (folder / "0003-later.sql").rename(folder / "0002-later.sql")
    runner.up(backup=False)
    # A file edited after it ran.
    (folder / "0002-later.sql").write_text("SELECT 2;\n-- migrate:down\n")
    with pytest.warns(ChangedMigrationWarning, match=r"0002-later\.sql") as caught:
        assert runner.up(backup=False) == []
    assert caught[0].message.paths == [folder / "0002-later.sql"]  # type: ignore[union-attr]
    assert runner.status()["changed"] == ["0002-later"]
    strict = MigrationRunner(runner.db, folder, echo=None, strict=True)
    with pytest.raises(ChangedMigrationError, match="0002-later"):
        strict.up(backup=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert strict.up(backup=False, allow_changed=True) == []
    # An applied file that is gone.
    (folder / "0002-later.sql").unlink()
    with pytest.raises(MissingMigrationError, match="0002-later"):
        runner.up(backup=False)
    assert runner.status()["missing"] == ["0002-later"]


def test_out_of_order(runner: MigrationRunner) -> None:
    folder = runner.directory
    write(folder, "0001-a.sql", "CREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;")
    write(folder, "0002-b.sql", "CREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;")
    runner.up(backup=False)
    runner.db.q("DELETE FROM _scu_migrations WHERE version = 1")
    runner.db.q("DROP TABLE a")
    assert runner.status()["out_of_order"] == ["0001-a"]
    with pytest.raises(OutOfOrderMigrationError, match=r"0001-a\.sql"):
        runner.up(backup=False)
    assert [m.version for m in runner.up(backup=False, allow_out_of_order=True)] == [1]


def test_irreversible(runner: MigrationRunner) -> None:
    write(runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
    write(runner.directory, "0002-b.py", "def up(db):\n    db.q('CREATE TABLE b (id INTEGER)')\n")
    runner.up(backup=False)
    with pytest.raises(IrreversibleMigrationError, match=r"0002-b\.py"):
        runner.down()
    with pytest.raises(IrreversibleMigrationError, match=r"0001-a\.sql"):
        runner.down(to=0)
    assert runner.status()["current_version"] == 2


def test_enroll_existing_database(runner: MigrationRunner, db_url: str) -> None:
    runner.db.q("CREATE TABLE legacy (id INTEGER PRIMARY KEY, note TEXT)")
    runner.db.q("CREATE INDEX ix_legacy_note ON legacy (note)")
    write(runner.directory.parent / "spare", "x.txt", "")
    runner.directory.mkdir(exist_ok=True)
    write(runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
    with pytest.raises(UnversionedDatabaseError):
        runner.up(backup=False)
    (runner.directory / "0001-a.sql").unlink()
    assert runner.enroll() == 1
    initial = (runner.directory / "0001-initial-schema.sql").read_text()
    assert "CREATE TABLE" in initial
    assert "legacy" in initial
    assert runner.status()["applied"] == ["0001-initial-schema"]
    assert runner.up(backup=False) == []
    assert runner.enroll() == 1


def test_enroll_with_baseline(runner: MigrationRunner) -> None:
    write(runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
    write(runner.directory, "0002-b.sql", "CREATE TABLE b (id INTEGER);")
    runner.db.q("CREATE TABLE a (id INTEGER)")
    assert runner.enroll(baseline=1) == 1
    assert [m.version for m in runner.up(backup=False)] == [2]


def test_sqlite_backup(tmp_path: Path) -> None:
    with Database(f"sqlite:///{tmp_path / 'b.db'}") as db:
        runner = MigrationRunner(db, tmp_path / "m", echo=None)
        write(runner.directory, "0001-a.sql", "CREATE TABLE a (id INTEGER);")
        runner.up()
        backups = list(tmp_path.glob("b.db.*.backup"))
        assert len(backups) == 1
        write(runner.directory, "0002-b.sql", "CREATE TABLE b (id INTEGER);")
        runner.up(backup=False)
        assert len(list(tmp_path.glob("b.db.*.backup"))) == 1
        copy = sa.create_engine(f"sqlite:///{backups[0]}")
        with copy.connect() as conn:
            assert "a" not in sa.inspect(conn).get_table_names()
        copy.dispose()


def test_new_templates_and_echo(tmp_path: Path) -> None:
    lines: list[str] = []
    with Database() as db:
        runner = MigrationRunner(db, tmp_path / "m", echo=lines.append)
        first = runner.new("Create users!")
        assert first is not None
        assert first.name == "0001-create-users.py"
        second = runner.new("seed", sql=True)
        assert second is not None
        assert second.name == "0002-seed.sql"
        runner.up()
        runner.down()
        runner.down(to=0)
        runner.down()
    assert lines == [
        "Applied: 0001-create-users",
        "Applied: 0002-seed",
        "Rolled back: 0002-seed",
        "Rolled back: 0001-create-users",
        "Nothing to rollback.",
    ]
