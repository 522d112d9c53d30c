"""Fixtures of the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sqlmodel_crud_utils.cli import cli
from tests.migrate.conftest import db_url, pg_url  # noqa: F401
from tests.support import pg_schema, require_postgres


class Invoker:
    """Runs ``sqlmodel-crud`` in-process against one project folder."""

    def __init__(self, root: Path, url: str | None) -> None:
        self.root = root
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, url: str | None = None) -> Result:
        prefix = ["--project", str(self.root)]
        chosen = url or self.url
        if chosen:
            prefix += ["--url", chosen]
        env = {"DATABASE_URL": ""}
        return self.runner.invoke(cli, [*prefix, *args], input=input, env=env)

    def ok(self, *args: str, input: str | None = None, url: str | None = None) -> str:
        result = self(*args, input=input, url=url)
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Invoker:  # noqa: F811
    """An invoker on a fresh project (SQLite file or PostgreSQL schema)."""
    root = tmp_path / "proj"
    root.mkdir()
    invoker = Invoker(root, db_url)
    invoker.ok("init", "--name", "proj")
    return invoker


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """A second, empty database on the same backend."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    require_postgres()
    with pg_schema() as schema:
        yield pg_url(schema)
