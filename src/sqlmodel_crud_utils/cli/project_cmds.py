"""``init`` and ``db``: the project folder and the database as a whole."""

from __future__ import annotations

import contextlib
import datetime as dt
import keyword
import os
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path

import click
import sqlalchemy as sa

from ._common import error_for, open_db, settings_of, show_rows
from ._project import EXIT_USAGE, CLIError, toml_string

__all__ = ["db", "init"]

CONFIG_TEMPLATE = """[project]
name = {name}

[database]
url = {url}

[models]
package = {package}
metadata = {metadata}

[migrations]
directory = "migrations"
"""

STATE_TEMPLATE = '{\n  "current_migration": null,\n  "sealed": false\n}\n'

PACKAGE_TEMPLATE = '"""Models."""\n\nfrom sqlmodel import SQLModel\n\n__all__ = ["SQLModel"]\n'

#: Characters kept when the project name becomes a database (file) name.
_UNSAFE_IN_DB_NAME = re.compile(r"[^\w-]+")
_MAX_DB_NAME = 64


def check_package(package: str) -> list[str]:
    """The parts of a dotted module path such as ``models`` or ``app.models``.

    Raises:
        CLIError: With exit code 2 unless every part is a Python identifier (in NFKC form, the
            spelling ``import`` uses) and not a keyword.
    """
    parts = package.split(".")
    for part in parts:
        if (
            not part.isidentifier()
            or keyword.iskeyword(part)
            or unicodedata.normalize("NFKC", part) != part
        ):
            raise CLIError(
                f"--package {package!r} is not a dotted Python module path: use identifiers"
                " that are not keywords, separated by dots, such as models or app.models",
                EXIT_USAGE,
            )
    return parts


def database_name(project_name: str) -> str:
    """The database (and SQLite file) name derived from a project name.

    Letters, digits, ``_`` and ``-`` only, so the name can neither leave the project folder nor
    change the meaning of the URL (``/``, ``?``, ``#``, ``%``, ``@``...); ``database`` when
    nothing is left.
    """
    cleaned = _UNSAFE_IN_DB_NAME.sub("_", project_name).strip("_-")[:_MAX_DB_NAME]
    return cleaned.strip("_-") or "database"


def _is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with any symbolic links followed, is ``root`` or below it."""
    return path.resolve().is_relative_to(root)


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; never replaces a file nor follows a symbolic link."""
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _exists(path: Path) -> bool:
    """Whether anything, a dangling symbolic link included, is at ``path``."""
    return os.path.lexists(path)


@click.command()
@click.option(
    "--package",
    "-p",
    default="models",
    show_default=True,
    help="The module or package that holds the models (a dotted module path).",
)
@click.option("--new-package", is_flag=True, help="Also create the models package.")
@click.option("--postgres", is_flag=True, help="Use a PostgreSQL URL instead of a SQLite file.")
@click.option("--name", default=None, help="The project name (default: the folder name).")
@click.pass_context
def init(
    ctx: click.Context, package: str, new_package: bool, postgres: bool, name: str | None
) -> None:
    """Create a project: .scu/config.toml, .scu/state.json and migrations/.

    Every check runs before anything is written, and nothing is written outside the project
    folder.
    """
    settings = settings_of(ctx)
    root = (settings.project_dir or Path.cwd()).resolve()
    parts = check_package(package)
    project_name = name if name is not None else root.name
    try:
        name_literal = toml_string(project_name)
    except UnicodeEncodeError:
        raise CLIError(
            f"--name {project_name!r} is not valid Unicode text: pass a name without"
            " undecodable bytes",
            EXIT_USAGE,
        ) from None
    db_name = database_name(project_name)
    url = (
        f"postgresql://postgres@localhost:5432/{db_name}" if postgres else f"sqlite:///{db_name}.db"
    )
    folder = root / ".scu"
    migrations = root / "migrations"
    if _exists(folder):
        raise CLIError(f"{folder} already exists")
    if _exists(migrations) and not migrations.is_dir():
        raise CLIError(f"{migrations} exists and is not a folder")
    package_dirs = [root.joinpath(*parts[: i + 1]) for i in range(len(parts))]
    init_file = package_dirs[-1] / "__init__.py"
    if new_package:
        for directory in package_dirs:
            if _exists(directory) and not (directory.is_dir() and _is_inside(directory, root)):
                raise CLIError(f"{directory} exists and is not a folder inside {root}")
        if _exists(init_file) and not _is_inside(init_file, root):
            raise CLIError(f"{init_file} points outside {root}")

    folder.mkdir(parents=True)
    created = [folder / "config.toml", folder / "state.json", migrations]
    _write_new(
        created[0],
        CONFIG_TEMPLATE.format(
            name=name_literal,
            url=toml_string(url),
            package=toml_string(package),
            metadata=toml_string(f"{package}:SQLModel.metadata"),
        ),
    )
    _write_new(created[1], STATE_TEMPLATE)
    migrations.mkdir(exist_ok=True)
    if new_package:
        for directory in package_dirs:
            directory.mkdir(exist_ok=True)
        if not _exists(init_file):
            _write_new(init_file, PACKAGE_TEMPLATE)
        created.append(init_file)
    for path in created:
        click.echo(f"Created: {path}")
    click.echo("Next steps:")
    click.echo("  sqlmodel-crud table create users name:str email:str:unique")
    click.echo("  sqlmodel-crud migrate status")


@click.group()
def db() -> None:
    """Inspect, query interactively and back up the database."""


@db.command("info")
@click.pass_context
def db_info(ctx: click.Context) -> None:
    """Show the project, the database, its migration version, tables and views."""
    from sqlmodel_crud_utils.migrate import MigrationRunner

    settings = settings_of(ctx)
    with open_db(settings) as database:
        project = settings.project
        if project is not None:
            click.echo(
                f"Project: {project.config.get('project', {}).get('name', project.root.name)}"
            )
            click.echo(f"Project folder: {project.root}")
        url = database.engine.url.render_as_string(hide_password=True)
        click.echo(f"Database: {url}")
        click.echo(f"Dialect: {database.engine.dialect.name}")
        applied = MigrationRunner(database, settings.migrations_dir, echo=None).applied()
        click.echo(f"Migration version: {max(applied, default=0)}")
        tables, views = database.table_names(), database.view_names()
        click.echo(f"Tables ({len(tables)}): {', '.join(tables) or '-'}")
        click.echo(f"Views ({len(views)}): {', '.join(views) or '-'}")


@db.command("shell")
@click.pass_context
def db_shell(ctx: click.Context) -> None:
    """An interactive SQL prompt; '.tables' lists tables, '.quit' or end of input leaves."""
    with open_db(settings_of(ctx)) as database:
        click.echo("Type SQL statements; .tables lists tables, .quit leaves.")
        while True:
            click.echo("sql> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                click.echo()
                break
            text = line.strip()
            if not text:
                continue
            if text in {".quit", ".exit", "exit", "quit"}:
                break
            if text == ".tables":
                for name in database.table_names():
                    click.echo(name)
                continue
            try:
                show_rows(database.q(text), "table")
            except Exception as exc:
                click.echo(f"Error: {error_for(exc).format_message()}", err=True)


@db.command("backup")
@click.option(
    "--output",
    "-o",
    metavar="PATH",
    default=None,
    help="A new file for the backup (default <db>.<timestamp>.backup).",
)
@click.pass_context
def db_backup(ctx: click.Context, output: str | None) -> None:
    """Copy a SQLite database file with SQLite's online backup API.

    The backup is a new file: an existing ``--output`` (the database itself included) is never
    overwritten, and a failed copy leaves no partial file behind.
    """
    url = sa.make_url(settings_of(ctx).database_url())
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        raise CLIError("db backup copies SQLite database files; use pg_dump for PostgreSQL")
    if not Path(database).is_file():
        raise CLIError(f"database file {database} does not exist")
    if output is None:
        stamp = f"{database}.{dt.datetime.now():%Y%m%d_%H%M%S}"
        candidates = (Path(f"{stamp}{f'-{n}' if n else ''}.backup") for n in range(1000))
        target = next((c for c in candidates if not _exists(c)), Path(f"{stamp}.backup"))
    else:
        if "\x00" in output or output in {"", ":memory:"} or output.startswith("file:"):
            raise CLIError(
                f"--output {output!r} is not a file path: name a new file such as backup.db",
                EXIT_USAGE,
            )
        target = Path(output)
    if _exists(target):
        raise CLIError(f"{target} already exists: name a new file with --output")
    if not target.parent.is_dir():
        raise CLIError(f"cannot create {target}: folder {target.parent} does not exist")
    try:
        with (
            contextlib.closing(sqlite3.connect(database)) as source,
            contextlib.closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise CLIError(f"cannot write the backup {target}: {exc}") from exc
    click.echo(f"Backup created: {target}")
