"""``data``: insert, list, get, update, delete and import rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ._common import FORMATS, confirm, open_db, parse_value, settings_of, show_rows
from ._project import CLIError

__all__ = ["data"]


@click.group()
def data() -> None:
    """Insert, list, get, update, delete and import rows."""


def _record_from(fields: tuple[str, ...], json_text: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if json_text:
        try:
            loaded = json.loads(json_text)
        except ValueError as exc:
            raise CLIError(f"--json is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise CLIError("--json must be a JSON object")
        record.update(loaded)
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CLIError(f"--field {item!r} must look like name=value")
        record[key] = parse_value(value)
    return record


def _table(db: Any, name: str) -> Any:
    if name not in db.table_names():
        raise CLIError(f"Table '{name}' does not exist")
    return db.t[name]


def _plain(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    return dict(vars(row)) if hasattr(row, "__dict__") else dict(row)


@data.command("insert")
@click.argument("table_name", metavar="TABLE")
@click.option(
    "--from-file",
    "-F",
    type=click.Path(exists=True, path_type=Path),
    help="A JSON file holding a list of records.",
)
@click.option("--field", "-f", "fields", multiple=True, help="A value: name=value (repeatable).")
@click.option("--json", "-j", "json_text", default=None, help="The record as a JSON object.")
@click.pass_context
def data_insert(
    ctx: click.Context,
    table_name: str,
    from_file: Path | None,
    fields: tuple[str, ...],
    json_text: str | None,
) -> None:
    """Insert one record (--field/--json) or a JSON list of records (--from-file)."""
    with open_db(settings_of(ctx)) as db:
        handle = _table(db, table_name)
        if from_file is not None:
            try:
                records = json.loads(from_file.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise CLIError(f"{from_file} is not valid JSON: {exc}") from exc
            if not isinstance(records, list):
                raise CLIError(f"{from_file} must hold a JSON list of objects")
            count = handle.insert_all(records)
        else:
            record = _record_from(fields, json_text)
            if not record:
                raise CLIError("nothing to insert: pass --field, --json or --from-file")
            handle.insert(record)
            count = 1
        click.echo(f"Inserted {count} record{'' if count == 1 else 's'} into {table_name}")


@data.command("list")
@click.argument("table_name", metavar="TABLE")
@click.option("--limit", "-l", default=100, show_default=True, help="At most this many rows.")
@click.option("--offset", default=0, show_default=True, help="Skip this many rows.")
@click.option("--where", default=None, help='A SQL condition, for example "age > 3".')
@click.option("--order-by", default=None, help="SQL ORDER BY text.")
@click.option("--format", "-f", "fmt", type=FORMATS, default="table", help="Output format.")
@click.pass_context
def data_list(
    ctx: click.Context,
    table_name: str,
    limit: int,
    offset: int,
    where: str | None,
    order_by: str | None,
    fmt: str,
) -> None:
    """List rows of a table."""
    with open_db(settings_of(ctx)) as db:
        handle = _table(db, table_name)
        rows = list(handle.rows_where(where, order_by=order_by, limit=limit, offset=offset))
        show_rows(rows, fmt)


@data.command("get")
@click.argument("table_name", metavar="TABLE")
@click.argument("pk")
@click.option("--format", "-f", "fmt", type=FORMATS, default="json", help="Output format.")
@click.pass_context
def data_get(ctx: click.Context, table_name: str, pk: str, fmt: str) -> None:
    """Show the record whose primary key is PK."""
    with open_db(settings_of(ctx)) as db:
        row = _table(db, table_name).get(parse_value(pk), as_cls=False)
        if fmt == "json":
            click.echo(json.dumps(_plain(row), indent=2, default=str))
        else:
            show_rows([_plain(row)], fmt, count=False)


@data.command("update")
@click.argument("table_name", metavar="TABLE")
@click.argument("pk")
@click.option("--field", "-f", "fields", multiple=True, help="A new value: name=value.")
@click.option("--json", "-j", "json_text", default=None, help="New values as a JSON object.")
@click.pass_context
def data_update(
    ctx: click.Context, table_name: str, pk: str, fields: tuple[str, ...], json_text: str | None
) -> None:
    """Update the record whose primary key is PK."""
    values = _record_from(fields, json_text)
    if not values:
        raise CLIError("nothing to update: pass --field or --json")
    with open_db(settings_of(ctx)) as db:
        _table(db, table_name).update(values, pk_values=parse_value(pk))
        click.echo(f"Updated record {pk} in {table_name}")


@data.command("delete")
@click.argument("table_name", metavar="TABLE")
@click.argument("pk")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def data_delete(ctx: click.Context, table_name: str, pk: str, yes: bool) -> None:
    """Delete the record whose primary key is PK."""
    with open_db(settings_of(ctx)) as db:
        handle = _table(db, table_name)
        key = parse_value(pk)
        handle.get(key, as_cls=False)
        confirm(f"Delete record {pk} from {table_name}?", yes)
        handle.delete(key)
        click.echo(f"Deleted record {pk} from {table_name}")


@data.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--table", "-t", "table_name", required=True, help="The target table.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["csv", "tsv", "json", "jsonl", "ndjson"]),
    default=None,
    help="The file format (default from the extension).",
)
@click.option("--pk", default=None, help="Primary key of a table the import creates.")
@click.option("--alter", is_flag=True, help="Add columns the table lacks.")
@click.option("--batch-size", default=1000, show_default=True, help="Rows per batch.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.pass_context
def data_import(
    ctx: click.Context,
    file: Path,
    table_name: str,
    fmt: str | None,
    pk: str | None,
    alter: bool,
    batch_size: int,
    no_progress: bool,
) -> None:
    """Load a CSV, TSV, JSON or JSON-lines file into a table, in one transaction."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    done = 0
    with open_db(settings_of(ctx)) as db:
        progress = Progress(
            TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), disable=no_progress
        )
        with progress:
            task = progress.add_task("import", total=None)

            def report(rows_done: int, total: int | None) -> None:
                nonlocal done
                done = rows_done
                progress.update(task, completed=rows_done, total=total)

            handle = db.import_file(
                table_name, file, fmt, pk=pk, alter=alter, batch_size=batch_size, progress=report
            )
        count = done or handle.count_where()
        click.echo(f"Imported {count} rows into '{table_name}'.")
