"""``migrate``: write, apply, roll back, inspect and enroll migrations."""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator

import click

from sqlmodel_crud_utils.facade.sync import Database
from sqlmodel_crud_utils.migrate import MigrationRunner, MigrationWarning

from ._common import confirm, open_db, settings_of, start_migration
from ._project import EXIT_FAILED, EXIT_NO_PROJECT, CLIError

__all__ = ["migrate"]


@click.group()
def migrate() -> None:
    """Write, apply, roll back and inspect migrations."""


def _runner(db: Database, ctx: click.Context) -> MigrationRunner:
    return MigrationRunner(db, settings_of(ctx).migrations_dir, echo=click.echo)


@contextlib.contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Show the runner's warnings as one ``Warning: ...`` line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MigrationWarning)
        try:
            yield
        finally:
            seen: set[str] = set()
            for item in caught:
                if not issubclass(item.category, MigrationWarning):
                    warnings.warn_explicit(
                        item.message, item.category, item.filename, item.lineno, source=item.source
                    )
                    continue
                line = str(item.message).splitlines()[0] if str(item.message) else ""
                if line not in seen:
                    seen.add(line)
                    click.echo(f"Warning: {line}", err=True)


@migrate.command("new")
@click.argument("description")
@click.option("--autogenerate", "-a", is_flag=True, help="Diff the models against the database.")
@click.option("--metadata", default=None, help="The models' metadata as module:attr.")
@click.option("--sql", "as_sql", is_flag=True, help="Write a .sql file instead of .py.")
@click.option("--include-drops", is_flag=True, help="Drop tables the models lack (autogenerate).")
@click.pass_context
def migrate_new(
    ctx: click.Context,
    description: str,
    autogenerate: bool,
    metadata: str | None,
    as_sql: bool,
    include_drops: bool,
) -> None:
    """Write the next numbered migration file."""
    settings = settings_of(ctx)
    target = None
    if autogenerate:
        import sys

        from sqlmodel_crud_utils.migrate.autogen import load_metadata

        path_text = metadata or (settings.project.metadata_path if settings.project else None)
        if not path_text:
            raise CLIError("--autogenerate needs --metadata module:attr or [models] metadata")
        root = str(settings.project.root if settings.project else settings.project_dir or ".")
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            target = load_metadata(path_text)
        except (ImportError, AttributeError, ValueError) as exc:
            raise CLIError(f"cannot load metadata {path_text!r}: {exc}") from exc
    with _warnings_on_stderr(), open_db(settings) as db:
        runner = MigrationRunner(db, settings.migrations_dir, echo=None)
        path = runner.new(
            description,
            autogenerate=autogenerate,
            metadata=target,
            sql=as_sql,
            include_drops=include_drops,
        )
    if path is None:
        click.echo("No changes detected.")
    else:
        click.echo(f"Created migration: {path.stem}")


@migrate.command("up")
@click.option("--to", "to", type=int, default=None, help="The last version to apply.")
@click.option("--dry-run", is_flag=True, help="Only list what would be applied.")
@click.option("--no-backup", is_flag=True, help="Do not copy a SQLite file first.")
@click.option("--allow-out-of-order", is_flag=True, help="Apply files older than the version.")
@click.pass_context
def migrate_up(
    ctx: click.Context, to: int | None, dry_run: bool, no_backup: bool, allow_out_of_order: bool
) -> None:
    """Apply the pending migrations."""
    with _warnings_on_stderr(), open_db(settings_of(ctx)) as db:
        runner = _runner(db, ctx)
        if dry_run:
            pending = runner.pending(allow_out_of_order=allow_out_of_order)
            todo = [m for m in pending if to is None or m.version <= to]
            for migration in todo:
                click.echo(f"Would apply: {migration.name}")
            if not todo:
                click.echo("No pending migrations.")
            return
        runner.up(to, backup=not no_backup, allow_out_of_order=allow_out_of_order)


@migrate.command("down")
@click.option("--to", "to", type=int, default=None, help="Roll back every version above this.")
@click.option("--dry-run", is_flag=True, help="Only list what would be rolled back.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def migrate_down(ctx: click.Context, to: int | None, dry_run: bool, yes: bool) -> None:
    """Roll back the last migration, or every version above --to."""
    with _warnings_on_stderr(), open_db(settings_of(ctx)) as db:
        runner = _runner(db, ctx)
        applied = runner.applied()
        if to is None:
            versions = [max(applied)] if applied else []
        else:
            versions = sorted((v for v in applied if v > to), reverse=True)
        if dry_run or not versions:
            for version in versions:
                click.echo(f"Would roll back: {applied[version]['name']}")
            if not versions:
                click.echo("Nothing to rollback.")
            return
        names = ", ".join(applied[v]["name"] for v in versions)
        confirm(f"Roll back {names}?", yes)
        runner.down(to)


@migrate.command("status")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Output format.",
)
@click.option("--check", is_flag=True, help="Exit with 1 if a migration is pending.")
@click.pass_context
def migrate_status(ctx: click.Context, fmt: str, check: bool) -> None:
    """Show the version, then the state of every migration file."""
    with _warnings_on_stderr(), open_db(settings_of(ctx)) as db:
        status = _runner(db, ctx).status()
    if fmt == "json":
        click.echo(json.dumps(status, indent=2))
    else:
        click.echo(f"Current version: {status['current_version']}")
        states = dict.fromkeys(status["applied"], "applied")
        states.update(dict.fromkeys(status["pending"], "pending"))
        states.update(dict.fromkeys(status["out_of_order"], "out of order"))
        states.update(dict.fromkeys(status["changed"], "changed"))
        states.update(dict.fromkeys(status["missing"], "missing file"))
        for name in sorted(states):
            click.echo(f"  {name}: {states[name]}")
    if check and status["pending"]:
        raise click.exceptions.Exit(EXIT_FAILED)


@migrate.command("seal")
@click.argument("description")
@click.pass_context
def migrate_seal(ctx: click.Context, description: str) -> None:
    """Close the current recorded migration and start the next one.

    Later schema commands are recorded in the new file, so the sealed one can be
    shared and applied elsewhere without its checksum changing again.
    """
    settings = settings_of(ctx)
    project = settings.project
    if project is None:
        raise CLIError("not in a project: run 'sqlmodel-crud init' first", EXIT_NO_PROJECT)
    current = project.state().get("current_migration")
    if current:
        click.echo(f"Sealing migration: {current}")
    path = start_migration(settings, description)
    click.echo(f"Created new migration: {path.stem}")


@migrate.command("enroll")
@click.option("--baseline", type=int, default=None, help="Mark files up to this version applied.")
@click.pass_context
def migrate_enroll(ctx: click.Context, baseline: int | None) -> None:
    """Start the migration history of an existing database."""
    with _warnings_on_stderr(), open_db(settings_of(ctx)) as db:
        version = _runner(db, ctx).enroll(baseline)
    click.echo(f"Database enrolled at version {version}.")
