"""Two runner processes at once, autogenerate, and the Alembic ``env.py`` helper."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.migrate import MigrationRunner

BIN = Path(sys.executable).parent

RUN_UP = """
import sys
from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.migrate import MigrationRunner

with Database(sys.argv[1]) as db:
    MigrationRunner(db, sys.argv[2], echo=None).up(backup=False)
"""

SLOW_STEP = """
import time

def up(db):
    {create}
    db.q("INSERT INTO applied_log (version) VALUES (:v)", {{"v": {version}}})
    time.sleep(0.4)

def down(db):
    pass
"""


def test_two_processes_apply_each_migration_once(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for version in range(1, 5):
        create = (
            'db.q("CREATE TABLE applied_log (version INTEGER NOT NULL)")' if version == 1 else ""
        )
        step = SLOW_STEP.format(create=create, version=version)
        (folder / f"{version:04d}-step.py").write_text(step, encoding="utf-8")
    script = tmp_path / "run_up.py"
    script.write_text(RUN_UP, encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), db_url, str(folder)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], results
    with Database(db_url) as db:
        logged = [row["version"] for row in db.q("SELECT version FROM applied_log")]
        assert sorted(logged) == [1, 2, 3, 4]
        assert db.item("SELECT count(*) FROM _scu_migrations") == 4


def test_autogenerate_round_trip(db_url: str, tmp_path: Path) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "hero",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", AutoString(), nullable=False, index=True),
    )
    with Database(db_url) as db:
        runner = MigrationRunner(db, tmp_path / "m", echo=None)
        path = runner.new("add heroes", autogenerate=True, metadata=metadata)
        assert path is not None
        assert path.name == "0001-add-heroes.py"
        source = path.read_text()
        assert "op.create_table('hero'" in source
        assert "sqlmodel" not in source
        runner.up(backup=False)
        db.t.hero.insert({"name": "x"})
        assert runner.new("again", autogenerate=True, metadata=metadata) is None
        runner.down()
        assert "hero" not in db.table_names()


def test_autogenerate_ignores_unknown_tables_unless_asked(db_url: str, tmp_path: Path) -> None:
    with Database(db_url) as db:
        db.q("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
        runner = MigrationRunner(db, tmp_path / "m", echo=None)
        assert runner.new("x", autogenerate=True, metadata=sa.MetaData()) is None
        path = runner.new("x", autogenerate=True, metadata=sa.MetaData(), include_drops=True)
        assert path is not None
        assert "op.drop_table('stray')" in path.read_text()


ENV_PY = """
from models import SQLModel
from sqlmodel_crud_utils.migrate.alembic_env import run_migrations

run_migrations(SQLModel.metadata)
"""

MODELS = """
from sqlmodel import Field, SQLModel
from sqlmodel_crud_utils.migrate.alembic_env import apply_naming_convention

apply_naming_convention(SQLModel.metadata)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class Player(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
"""


def test_alembic_env_helper(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("PYTHONPATH", None)

    def alembic(*args: str) -> str:
        done = subprocess.run(
            [str(BIN / "alembic"), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    alembic("init", "alembic")
    (tmp_path / "alembic" / "env.py").write_text(textwrap.dedent(ENV_PY), encoding="utf-8")
    (tmp_path / "models.py").write_text(textwrap.dedent(MODELS), encoding="utf-8")
    alembic("revision", "--autogenerate", "-m", "teams")
    revision = next((tmp_path / "alembic" / "versions").glob("*teams.py")).read_text()
    assert "uq_team_name" in revision
    assert "fk_player_team_id_team" in revision
    alembic("upgrade", "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert {"team", "player", "alembic_version"} <= names
    engine.dispose()
    alembic("downgrade", "base")
