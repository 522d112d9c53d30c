"""Shared pieces of the commands: opening the database, output, confirmation, recording."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from sqlmodel_crud_utils.facade.sync import Database

from ._project import (
    EXIT_EXTRA,
    EXIT_FAILED,
    EXIT_MIGRATION,
    EXIT_NO_PROJECT,
    CLIError,
    Settings,
)

__all__ = [
    "FORMATS",
    "confirm",
    "error_for",
    "open_db",
    "parse_value",
    "record",
    "settings_of",
    "show_rows",
]

FORMATS = click.Choice(["table", "json", "csv"])

UP_MARK = "    # scu:up-end\n"
DOWN_MARK = "    # scu:down-start\n"

RECORD_TEMPLATE = f'''"""Schema changes recorded by sqlmodel-crud, in the order they ran."""

import datetime  # noqa: F401

from sqlmodel_crud_utils.facade import Text  # noqa: F401


def up(db):
    """Apply the recorded changes."""
{UP_MARK}

def down(db):
    """Undo the recorded changes, newest first."""
{DOWN_MARK}'''


def settings_of(ctx: click.Context) -> Settings:
    """The root command's settings."""
    settings = ctx.find_object(Settings)
    if settings is None:  # a sub-command invoked on its own
        settings = ctx.ensure_object(Settings)
    return settings


@contextlib.contextmanager
def open_db(settings: Settings, url: str | None = None) -> Iterator[Database]:
    """Open the database named by ``--url``, the environment or the project."""
    db = Database(settings.database_url(url))
    try:
        db.connect()
        yield db
    finally:
        db.close()


def error_for(exc: Exception) -> CLIError:
    """The one-line CLI error (and exit code) for an exception."""
    from sqlmodel_crud_utils.migrate.errors import MigrationError, MigrationFailedError

    if isinstance(exc, CLIError):
        return exc
    code = EXIT_FAILED
    if isinstance(exc, MigrationError) and not isinstance(exc, MigrationFailedError):
        code = EXIT_MIGRATION
    elif isinstance(exc, ModuleNotFoundError):
        code = EXIT_EXTRA
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return CLIError(message, code)


def confirm(question: str, yes: bool) -> None:
    """Ask before a destructive step; a "no" exits with ``Aborted.`` (code 1)."""
    if yes:
        return
    if not click.confirm(question, default=False):
        click.echo("Aborted.", err=True)
        raise click.exceptions.Exit(EXIT_FAILED)


def parse_value(text: str) -> Any:
    """A JSON literal (``3``, ``true``, ``null``, ``[1]``) or else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def show_rows(rows: list[dict[str, Any]], fmt: str, *, count: bool = True) -> None:
    """Print rows as a table, JSON or CSV."""
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    from rich.console import Console
    from rich.table import Table as RichTable

    table = RichTable(show_header=True, header_style="bold")
    for name in rows[0] if rows else []:
        table.add_column(str(name), overflow="fold")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row.values()))
    if rows:
        Console(soft_wrap=True).print(table)
    if count:
        click.echo(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")


def record(settings: Settings, db: Database, up: list[str], down: list[str]) -> str | None:
    """Append replayable code to the project's current migration and mark it applied.

    Args:
        settings: The CLI settings (nothing is recorded outside a project).
        db: The database the change ran on.
        up: Lines of ``up(db)``, in order.
        down: Lines of ``down(db)`` undoing them.

    Returns:
        The migration's name, or ``None`` when there is no project.
    """
    from sqlmodel_crud_utils.migrate import MigrationRunner
    from sqlmodel_crud_utils.migrate.files import discover

    project = settings.project
    if project is None:
        return None
    directory = project.migrations_dir
    state = project.state()
    current = state.get("current_migration")
    path = directory / f"{current}.py" if current else None
    if path is None or state.get("sealed") or not path.exists() or UP_MARK not in path.read_text():
        path = start_migration(settings, "schema changes")
        current = path.stem
    text = path.read_text(encoding="utf-8")
    # The markers are the last ones: a recorded comment may read like a marker, but only code
    # follows the real ones.
    head, mark, tail = text.rpartition(UP_MARK)
    text = head + "".join(f"    {line}\n" for line in up) + mark + tail
    head, mark, tail = text.rpartition(DOWN_MARK)
    text = head + mark + "".join(f"    {line}\n" for line in down) + tail
    path.write_text(text, encoding="utf-8")
    migration = next(m for m in discover(directory, check_gaps=False) if m.path == path)
    MigrationRunner(db, directory, echo=None).mark_applied([migration], replace=True)
    return str(current)


def start_migration(settings: Settings, description: str) -> Path:
    """Write the next recording migration and make it the project's current one.

    Raises:
        CLIError: Outside a project.
    """
    from sqlmodel_crud_utils.migrate.files import next_version, slugify

    project = settings.project
    if project is None:
        raise CLIError("not in a project: run 'sqlmodel-crud init' first", EXIT_NO_PROJECT)
    directory = project.migrations_dir
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{next_version(directory):04d}-{slugify(description)}"
    path = directory / f"{name}.py"
    path.write_text(RECORD_TEMPLATE, encoding="utf-8")
    project.save_state({"current_migration": name, "sealed": False})
    return path


def recorded(name: str | None) -> None:
    """Print where a change was recorded."""
    if name is not None:
        click.echo(f"Recorded in migration: {name}")
