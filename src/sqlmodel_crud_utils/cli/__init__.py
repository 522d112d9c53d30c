"""The ``sqlmodel-crud`` command line: projects, schema, data and migrations."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from ._common import error_for
from ._project import Settings
from .data_cmds import data
from .demo import demo
from .migrate_cmds import migrate
from .project_cmds import db, init
from .schema_cmds import codegen, index, sql, table, view

__all__ = ["cli", "main"]


def _version() -> str:
    try:
        return version("sqlmodel-crud-utilities")
    except PackageNotFoundError:  # pragma: no cover - source checkout without metadata
        from sqlmodel_crud_utils import __version__

        return __version__


class _Root(click.Group):
    """The root group: any error below becomes ``Error: <message>`` and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            raise error_for(exc) from exc


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="sqlmodel-crud")
@click.option("--url", default=None, help="Database URL (else DATABASE_URL, then the project).")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Start the project search here instead of the working directory.",
)
@click.pass_context
def cli(ctx: click.Context, url: str | None, project: Path | None) -> None:
    """Manage SQLite and PostgreSQL databases: tables, data and migrations."""
    ctx.obj = Settings(url=url, project_dir=project)


for _command in (init, db, sql, table, index, view, data, codegen, migrate, demo):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``sqlmodel-crud`` console script)."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="sqlmodel-crud")
