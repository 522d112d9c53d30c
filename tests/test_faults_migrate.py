"""A PostgreSQL connection killed in the middle of a migration run.

The backend is terminated (``pg_terminate_backend`` from a second connection) at a chosen
statement of the migration: inside its body, at its second DDL statement, and at the
bookkeeping insert into the version table. Each time the caller gets a
``MigrationFailedError`` naming a connection error, the database holds none of the migration
(schema and version row), and a fresh runner then applies it.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sqlmodel_crud_utils import DBConfig, create_engine_from_config
from sqlmodel_crud_utils.exceptions import DatabaseConnectionError, RetryableError
from sqlmodel_crud_utils.facade.sync import Database
from sqlmodel_crud_utils.migrate import VERSION_TABLE, MigrationFailedError, MigrationRunner
from tests import support

PY_MIGRATION = """
def up(db):
    db.t.fault_users.create({"id": int, "email": str}, pk="id")
    db.t.fault_users.create_index(["email"], unique=True)
    db.t.fault_users.insert_all([{"id": i, "email": f"u{i}@x"} for i in range(1, 51)])


def down(db):
    db.t.fault_users.drop()
"""

SQL_MIGRATION = """
CREATE TABLE fault_tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX ix_fault_tags_name ON fault_tags (name);
INSERT INTO fault_tags (id, name) VALUES (1, 'a'), (2, 'b');
-- migrate:down
DROP TABLE fault_tags;
"""

#: (marker in the statement to kill at, how many earlier matches to let through)
KILL_POINTS = {
    "py-body-insert": ("INSERT INTO fault_users", 0),
    "py-second-ddl": ("CREATE UNIQUE INDEX", 0),
    "py-bookkeeping": (f"INSERT INTO {VERSION_TABLE}", 1),  # 0001 records first
    "sql-second-ddl": ("CREATE INDEX ix_fault_tags_name", 0),
    "sql-bookkeeping": (f"INSERT INTO {VERSION_TABLE}", 1),
}


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    support.require_postgres()
    with support.pg_schema() as schema:
        yield schema, tmp_path / "migrations"


def open_engine(schema: str) -> Any:
    engine = create_engine_from_config(DBConfig(url=support.PG_URL))
    support.attach_search_path(engine, schema)
    return engine


def kill_at(engine: Any, marker: str, skip: int = 0) -> list[int]:
    """Terminate the backend running the ``skip+1``-th statement containing ``marker``."""
    killed: list[int] = []
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if marker not in statement or killed:
            return
        seen.append(statement)
        if len(seen) != skip + 1:
            return
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        with engine.pool._creator() as killer:  # a raw connection outside the pool
            killer.autocommit = True
            killer.execute(f"SELECT pg_terminate_backend({pid})")
        killed.append(pid)

    sa.event.listen(engine, "before_cursor_execute", before)
    return killed


def schema_state(schema: str) -> tuple[list[str], list[int]]:
    """The tables of ``schema`` and the versions in its history, read on a fresh engine."""
    engine = open_engine(schema)
    try:
        with engine.connect() as conn:
            tables = sorted(sa.inspect(conn).get_table_names())
            versions: list[int] = []
            if VERSION_TABLE in tables:
                query = f"SELECT version FROM {VERSION_TABLE} ORDER BY 1"
                versions = list(conn.exec_driver_sql(query).scalars())
        return [t for t in tables if t != VERSION_TABLE], versions
    finally:
        engine.dispose()


def connection_error_in(error: MigrationFailedError) -> BaseException:
    """The connection error the failure wraps (directly or through its causes)."""
    seen: list[BaseException] = []
    current: BaseException | None = error.original_error
    while current is not None and current not in seen:
        seen.append(current)
        if isinstance(current, (DatabaseConnectionError, RetryableError)):
            return current
        current = getattr(current, "original_error", None) or current.__cause__
    raise AssertionError(f"no connection error behind {error!r}: {seen!r}")


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_connection_killed_during_a_migration(pg: tuple[str, Path], point: str) -> None:
    schema, folder = pg
    folder.mkdir()
    kind = point.split("-")[0]
    (folder / "0001-base.sql").write_text("CREATE TABLE fault_base (id INTEGER PRIMARY KEY);\n")
    name = "0002-users.py" if kind == "py" else "0002-tags.sql"
    (folder / name).write_text(PY_MIGRATION if kind == "py" else SQL_MIGRATION)
    expected_table = "fault_users" if kind == "py" else "fault_tags"

    engine = open_engine(schema)
    killed = kill_at(engine, *KILL_POINTS[point])
    with Database(engine) as db:
        runner = MigrationRunner(db, folder, echo=None)
        with pytest.raises(MigrationFailedError) as info:
            runner.up(backup=False)
    engine.dispose()
    assert killed, "the fault was never injected"
    failure = info.value
    assert failure.version == 2
    assert failure.path.name == name
    assert isinstance(connection_error_in(failure), (DatabaseConnectionError, RetryableError))
    assert name in str(failure)

    # 0001 stays applied; 0002 left nothing behind: no table, no index, no version row.
    assert schema_state(schema) == (["fault_base"], [1])

    # A fresh runner on a fresh engine applies it.
    engine = open_engine(schema)
    with Database(engine) as db:
        runner = MigrationRunner(db, folder, echo=None)
        assert [m.version for m in runner.up(backup=False)] == [2]
        assert runner.status()["pending"] == []
        rows = db.item(f"SELECT count(*) FROM {expected_table}")
        assert rows == (50 if kind == "py" else 2)
    engine.dispose()
    assert schema_state(schema) == (sorted(["fault_base", expected_table]), [1, 2])


def test_connection_killed_during_a_rollback(pg: tuple[str, Path]) -> None:
    """``down()`` killed mid-way keeps the migration applied, schema and history alike."""
    schema, folder = pg
    folder.mkdir()
    (folder / "0001-users.py").write_text(PY_MIGRATION)
    engine = open_engine(schema)
    with Database(engine) as db:
        MigrationRunner(db, folder, echo=None).up(backup=False)
    killed = kill_at(engine, f"DELETE FROM {VERSION_TABLE}")
    with Database(engine) as db, pytest.raises(MigrationFailedError) as info:
        MigrationRunner(db, folder, echo=None).down()
    engine.dispose()
    assert killed
    assert isinstance(connection_error_in(info.value), (DatabaseConnectionError, RetryableError))
    assert schema_state(schema) == (["fault_users"], [1])
    engine = open_engine(schema)
    with Database(engine) as db:
        assert [m.version for m in MigrationRunner(db, folder, echo=None).down()] == [1]
    engine.dispose()
    assert schema_state(schema) == ([], [])
