"""Every command has a docstring and a working ``--help``; the entry points run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sqlmodel_crud_utils.cli import cli


def _commands(group: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            found += _commands(command, (*path, name))
    return found


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


ALL = _commands(cli)


def test_the_tree_matches_the_contract() -> None:
    names = {" ".join(p) for p in ALL}
    for expected in [
        "init", "db info", "db shell", "db backup", "sql", "table create", "table list",
        "table schema", "table drop", "index create", "index list", "index drop",
        "view create", "view reflect", "view list", "view drop", "data insert", "data list",
        "data get", "data update", "data delete", "data import", "codegen", "migrate new",
        "migrate up", "migrate down", "migrate status", "migrate enroll", "demo",
    ]:  # fmt: skip
        assert expected in names


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "root")
def test_help_and_docstring(path: tuple[str, ...]) -> None:
    command = _command(path)
    assert command.help, f"{path} has no docstring"
    assert command.help.strip(), f"{path} has an empty docstring"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    first_words = " ".join(command.help.split()[:4])
    assert first_words in " ".join(result.output.split())


def test_version_and_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sqlmodel_crud_utils", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "sqlmodel-crud" in done.stdout
    script = Path(sys.executable).parent / "sqlmodel-crud"
    done = subprocess.run(
        [str(script), "table", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 3
    assert done.stderr.startswith("Error: no database URL")
    assert "Traceback" not in done.stderr
