"""``init`` and ``db``: the project folder and the database as a whole."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
from pathlib import Path

import click
import sqlalchemy as sa

from ._common import error_for, open_db, settings_of, show_rows
from ._project import CLIError

__all__ = ["db", "init"]

CONFIG_TEMPLATE = """[project]
name = "{name}"

[database]
url = "{url}"

[models]
package = "{package}"
metadata = "{metadata}"

[migrations]
directory = "migrations"
"""


@click.command()
@click.option(
    "--package",
    "-p",
    default="models",
    show_default=True,
    help="The module or package that holds the models.",
)
@click.option("--new-package", is_flag=True, help="Also create the models package.")
@click.option("--postgres", is_flag=True, help="Use a PostgreSQL URL instead of a SQLite file.")
@click.option("--name", default=None, help="The project name (default: the folder name).")
@click.pass_context
def init(
    ctx: click.Context, package: str, new_package: bool, postgres: bool, name: str | None
) -> None:
    """Create a project: .scu/config.toml, .scu/state.json and migrations/."""
    settings = settings_of(ctx)
    root = (settings.project_dir or Path.cwd()).resolve()
    folder = root / ".scu"
    if folder.exists():
        raise CLIError(f"{folder} already exists")
    project_name = name or root.name
    url = (
        f"postgresql://postgres@localhost:5432/{project_name}"
        if postgres
        else f"sqlite:///{project_name}.db"
    )
    folder.mkdir(parents=True)
    created = [folder / "config.toml", folder / "state.json", root / "migrations"]
    created[0].write_text(
        CONFIG_TEMPLATE.format(
            name=project_name, url=url, package=package, metadata=f"{package}:SQLModel.metadata"
        ),
        encoding="utf-8",
    )
    created[1].write_text('{\n  "current_migration": null,\n  "sealed": false\n}\n')
    created[2].mkdir(exist_ok=True)
    if new_package:
        package_dir = root / package.replace(".", "/")
        package_dir.mkdir(parents=True, exist_ok=True)
        init_file = package_dir / "__init__.py"
        if not init_file.exists():
            init_file.write_text(
                '"""Models."""\n\nfrom sqlmodel import SQLModel\n\n__all__ = ["SQLModel"]\n'
            )
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
    type=click.Path(path_type=Path),
    default=None,
    help="The backup file (default <db>.<timestamp>.backup).",
)
@click.pass_context
def db_backup(ctx: click.Context, output: Path | None) -> None:
    """Copy a SQLite database file with SQLite's online backup API."""
    url = sa.make_url(settings_of(ctx).database_url())
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        raise CLIError("db backup copies SQLite database files; use pg_dump for PostgreSQL")
    if not Path(database).exists():
        raise CLIError(f"database file {database} does not exist")
    target = output or Path(f"{database}.{dt.datetime.now():%Y%m%d_%H%M%S}.backup")
    with (
        contextlib.closing(sqlite3.connect(database)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
    click.echo(f"Backup created: {target}")
