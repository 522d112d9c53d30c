"""``table``, ``index``, ``view``, ``sql`` and ``codegen``: schema commands that record."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click
import sqlalchemy as sa

from sqlmodel_crud_utils.facade._sql import is_ddl
from sqlmodel_crud_utils.facade.sync import Database

from ._common import FORMATS, confirm, open_db, record, recorded, settings_of, show_rows
from ._fields import EXIT_USAGE, FieldSpec, parse_field
from ._project import CLIError

__all__ = ["codegen", "index", "sql", "table", "view"]

_READS = ("select", "with", "pragma", "explain", "show", "values")


@click.command()
@click.argument("query")
@click.option("--no-record", is_flag=True, help="Do not record the statement in a migration.")
@click.option("--format", "-f", "fmt", type=FORMATS, default="table", help="Output format.")
@click.pass_context
def sql(ctx: click.Context, query: str, no_record: bool, fmt: str) -> None:
    """Run a SQL statement; statements that change the database are recorded."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        rows = db.q(query)
        if query.lstrip().lower().startswith(_READS):
            show_rows(rows, fmt)
            return
        if rows:
            show_rows(rows, fmt)
        click.echo("Query executed successfully.")
        if not no_record and is_ddl(query):
            recorded(record(settings, db, [f"db.q({query!r})"], []))


@click.group()
def table() -> None:
    """Create, list, describe and drop tables."""


#: Bidirectional controls: they change how the code around them reads, so they are escaped.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _comment_char(char: str) -> str:
    if char != "\t" and (unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI):
        return ascii(char)[1:-1]  # a visible escape such as \x1b, \u202e or \udc80
    return char


def comment_lines(text: str, option: str = "--description") -> list[str]:
    """``text`` as Python comment lines that no input can leave.

    Every line break ``str.splitlines()`` knows (``\\n``, ``\\r``, ``\\v``, ``\\f``,
    ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``, ``\\u2029``) starts a new ``# `` line; other
    control characters, lone surrogates and bidirectional controls are written as escapes.

    Raises:
        CLIError: With exit code 2 for text holding a NUL character.
    """
    if "\x00" in text:
        raise CLIError(f"{option} must not contain NUL characters", EXIT_USAGE)
    return [f"# {''.join(_comment_char(c) for c in line)}".rstrip() for line in text.splitlines()]


def _column_source(specs: list[FieldSpec]) -> str:
    return "{" + ", ".join(f"{s.name!r}: {s.source}" for s in specs) + "}"


@table.command("create")
@click.argument("name")
@click.argument("fields", nargs=-1, required=True)
@click.option("--pk", default=None, help="Primary key column(s), comma-separated (default id).")
@click.option("--index", "-i", "indexes", multiple=True, help="Index these columns (repeatable).")
@click.option("--if-not-exists", is_flag=True, help="Do nothing if the table exists.")
@click.option("--description", "-d", default=None, help="A note kept in the migration.")
@click.pass_context
def table_create(
    ctx: click.Context,
    name: str,
    fields: tuple[str, ...],
    pk: str | None,
    indexes: tuple[str, ...],
    if_not_exists: bool,
    description: str | None,
) -> None:
    """Create a table from fields written name:type[:modifier].

    Types: int str float bool bytes text json datetime date time. Modifiers:
    unique, nullable, default=VALUE, fk=TABLE[.COLUMN]. Without --pk and an
    'id' field, an integer 'id' primary key is added.
    """
    specs = [parse_field(text) for text in fields]
    comments = comment_lines(description) if description else []
    names = [s.name for s in specs]
    if pk is None and "id" not in names:
        specs.insert(0, FieldSpec("id", "int"))
    pk_cols = [c.strip() for c in (pk or "id").split(",") if c.strip()]
    unknown = [c for c in pk_cols if c not in [s.name for s in specs]]
    if unknown:
        raise CLIError(f"primary key column(s) not among the fields: {', '.join(unknown)}")
    columns = {s.name: s.py_type for s in specs}
    not_null = [s.name for s in specs if not s.nullable and s.name not in pk_cols]
    defaults = {s.name: s.default for s in specs if s.has_default}
    fks = [(s.name, *s.fk) for s in specs if s.fk]
    pk_arg: str | list[str] = pk_cols[0] if len(pk_cols) == 1 else pk_cols
    unique = [s.name for s in specs if s.unique]
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if if_not_exists and name in db.table_names():
            click.echo(f"Table '{name}' already exists.")
            return
        with db.transaction():
            handle = db.t[name]
            handle.create(
                columns, pk=pk_arg, foreign_keys=fks, defaults=defaults, not_null=not_null
            )
            for column in unique:
                handle.create_index([column], unique=True)
            for spec in indexes:
                handle.create_index([c.strip() for c in spec.split(",")])
        up = list(comments)
        up.append(
            f"db.t[{name!r}].create({_column_source(specs)}, pk={pk_arg!r}, "
            f"foreign_keys={fks!r}, defaults={defaults!r}, not_null={not_null!r})"
        )
        up += [f"db.t[{name!r}].create_index([{c!r}], unique=True)" for c in unique]
        up += [
            f"db.t[{name!r}].create_index({[c.strip() for c in spec.split(',')]!r})"
            for spec in indexes
        ]
        click.echo(f"Table '{name}' created successfully.")
        recorded(record(settings, db, up, [f"db.t[{name!r}].drop()"]))


@table.command("list")
@click.pass_context
def table_list(ctx: click.Context) -> None:
    """List the tables, one per line."""
    with open_db(settings_of(ctx)) as db:
        for name in db.table_names():
            click.echo(name)


@table.command("schema")
@click.argument("name")
@click.pass_context
def table_schema(ctx: click.Context, name: str) -> None:
    """Show a table's columns, primary key, foreign keys and indexes."""
    with open_db(settings_of(ctx)) as db:
        if name not in db.table_names():
            raise CLIError(f"Table '{name}' does not exist")
        handle = db.t[name]
        click.echo(handle.schema)
        click.echo(f"Primary key: {', '.join(handle.pks) or '(none)'}")
        for fk in handle.foreign_keys:
            click.echo(f"Foreign key: {fk['column']} -> {fk['references']}")
        for idx in handle.indexes:
            kind = "Unique index" if idx.get("unique") else "Index"
            click.echo(f"{kind}: {idx['name']} ({', '.join(idx['columns'])})")


@table.command("drop")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def table_drop(ctx: click.Context, name: str, yes: bool) -> None:
    """Drop a table and its rows."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if name not in db.table_names():
            raise CLIError(f"Table '{name}' does not exist")
        confirm(f"Drop table '{name}' and all its rows?", yes)
        handle = db.t[name]
        down = [f"db.q({handle.schema!r})"] + [
            f"db.t[{name!r}].create_index({i['columns']!r}, name={i['name']!r}, "
            f"unique={i['unique']!r})"
            for i in handle.indexes
        ]
        handle.drop()
        click.echo(f"Table '{name}' dropped successfully.")
        recorded(record(settings, db, [f"db.t[{name!r}].drop()"], down))


@click.group()
def index() -> None:
    """Create, list and drop indexes and full-text indexes."""


@index.command("create")
@click.argument("table_name", metavar="TABLE")
@click.argument("columns", nargs=-1, required=True)
@click.option("--name", "-n", default=None, help="Index name (default ix_<table>_<columns>).")
@click.option("--unique", "-u", is_flag=True, help="A unique index.")
@click.pass_context
def index_create(
    ctx: click.Context, table_name: str, columns: tuple[str, ...], name: str | None, unique: bool
) -> None:
    """Create an index on COLUMNS (separate them with spaces or commas)."""
    cols = [c.strip() for part in columns for c in part.split(",") if c.strip()]
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if table_name not in db.table_names():
            raise CLIError(f"Table '{table_name}' does not exist")
        handle = db.t[table_name]
        before = {i["name"] for i in handle.indexes}
        handle.create_index(cols, name=name, unique=unique)
        created = name or next(i["name"] for i in handle.indexes if i["name"] not in before)
        click.echo(f"Index '{created}' created successfully.")
        up = f"db.t[{table_name!r}].create_index({cols!r}, name={created!r}, unique={unique!r})"
        down = f"db.t[{table_name!r}].drop_index({created!r})"
        recorded(record(settings, db, [up], [down]))


@index.command("list")
@click.argument("table_name", metavar="TABLE")
@click.pass_context
def index_list(ctx: click.Context, table_name: str) -> None:
    """List a table's indexes, one per line."""
    with open_db(settings_of(ctx)) as db:
        if table_name not in db.table_names():
            raise CLIError(f"Table '{table_name}' does not exist")
        for idx in db.t[table_name].indexes:
            click.echo(idx["name"])


@index.command("drop")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def index_drop(ctx: click.Context, name: str, yes: bool) -> None:
    """Drop the index NAME (whichever table it is on)."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        found = [(t, i) for t in db.table_names() for i in db.t[t].indexes if i["name"] == name]
        if not found:
            raise CLIError(f"Index '{name}' does not exist")
        table_name, info = found[0]
        confirm(f"Drop index '{name}' on '{table_name}'?", yes)
        db.t[table_name].drop_index(name)
        click.echo(f"Index '{name}' dropped successfully.")
        cols, unique = list(info["columns"]), bool(info.get("unique"))
        down = f"db.t[{table_name!r}].create_index({cols!r}, name={name!r}, unique={unique!r})"
        recorded(record(settings, db, [f"db.t[{table_name!r}].drop_index({name!r})"], [down]))


@index.command("fts-create")
@click.argument("table_name", metavar="TABLE")
@click.argument("columns", nargs=-1, required=True)
@click.option("--name", "-n", default=None, help="Index name (default <table>_fts).")
@click.option("--language", "-l", default="english", show_default=True, help="Text language.")
@click.pass_context
def fts_create(
    ctx: click.Context, table_name: str, columns: tuple[str, ...], name: str | None, language: str
) -> None:
    """Create a full-text index on COLUMNS (SQLite FTS5, PostgreSQL GIN)."""
    cols = [c.strip() for part in columns for c in part.split(",") if c.strip()]
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if table_name not in db.table_names():
            raise CLIError(f"Table '{table_name}' does not exist")
        index_name = name or f"{table_name}_fts"
        db.t[table_name].create_fts_index(cols, name=index_name, language=language)
        click.echo(f"FTS index '{index_name}' created successfully.")
        up = (
            f"db.t[{table_name!r}].create_fts_index({cols!r}, name={index_name!r}, "
            f"language={language!r})"
        )
        down = f"db.t[{table_name!r}].drop_fts_index({index_name!r})"
        recorded(record(settings, db, [up], [down]))


@index.command("fts-list")
@click.argument("table_name", metavar="TABLE")
@click.pass_context
def fts_list(ctx: click.Context, table_name: str) -> None:
    """List a table's full-text indexes, one per line."""
    with open_db(settings_of(ctx)) as db:
        if table_name not in db.table_names():
            raise CLIError(f"Table '{table_name}' does not exist")
        for info in db.t[table_name].fts_indexes:
            click.echo(info["name"])


@index.command("fts-drop")
@click.argument("table_name", metavar="TABLE")
@click.option("--name", "-n", default=None, help="Index name (default: the table's only one).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def fts_drop(ctx: click.Context, table_name: str, name: str | None, yes: bool) -> None:
    """Drop a full-text index of TABLE."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if table_name not in db.table_names():
            raise CLIError(f"Table '{table_name}' does not exist")
        handle = db.t[table_name]
        found = handle.fts_indexes
        chosen = [i for i in found if name is None or i["name"] == name]
        if not chosen or (name is None and len(found) > 1):
            raise CLIError(f"name the FTS index to drop with --name; found: {len(found)}")
        info = chosen[0]
        confirm(f"Drop FTS index '{info['name']}' on '{table_name}'?", yes)
        handle.drop_fts_index(info["name"])
        click.echo(f"FTS index '{info['name']}' dropped successfully.")
        up = f"db.t[{table_name!r}].drop_fts_index({info['name']!r})"
        down = (
            f"db.t[{table_name!r}].create_fts_index({list(info['columns'])!r}, "
            f"name={info['name']!r}, language={info['language']!r})"
        )
        recorded(record(settings, db, [up], [down]))


@click.group()
def view() -> None:
    """Create, list, reflect and drop views."""


def _view_restore(db: Database, name: str) -> list[str]:
    """Code that recreates the view ``name`` as it is now."""
    with db.transaction() as conn:
        definition = str(sa.inspect(conn).get_view_definition(name) or "").strip()
    if not definition:
        return []
    if definition.upper().startswith("CREATE"):
        return [f"db.v[{name!r}].drop(ignore=True)", f"db.q({definition!r})"]
    return [f"db.create_view({name!r}, {definition.rstrip(';')!r}, replace=True)"]


@view.command("create")
@click.argument("name")
@click.option("--sql", "select", required=True, help="The SELECT the view runs.")
@click.option("--replace", is_flag=True, help="Replace an existing view.")
@click.pass_context
def view_create(ctx: click.Context, name: str, select: str, replace: bool) -> None:
    """Create a view."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        existed = name in db.view_names()
        down = _view_restore(db, name) if existed else [f"db.v[{name!r}].drop()"]
        db.create_view(name, select, replace=replace)
        click.echo(f"View '{name}' created successfully.")
        up = f"db.create_view({name!r}, {select!r}, replace=True)"
        recorded(record(settings, db, [up], down))


@view.command("list")
@click.pass_context
def view_list(ctx: click.Context) -> None:
    """List the views, one per line."""
    with open_db(settings_of(ctx)) as db:
        for name in db.view_names():
            click.echo(name)


@view.command("reflect")
@click.pass_context
def view_reflect(ctx: click.Context) -> None:
    """Reload the views from the database and list them."""
    with open_db(settings_of(ctx)) as db:
        db.reflect()
        names = db.view_names()
        for name in names:
            click.echo(name)
        click.echo(f"Reflected {len(names)} view{'' if len(names) == 1 else 's'}.")


@view.command("drop")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def view_drop(ctx: click.Context, name: str, yes: bool) -> None:
    """Drop a view."""
    settings = settings_of(ctx)
    with open_db(settings) as db:
        if name not in db.view_names():
            raise CLIError(f"View '{name}' does not exist")
        confirm(f"Drop view '{name}'?", yes)
        down = _view_restore(db, name)
        db.v[name].drop()
        click.echo(f"View '{name}' dropped successfully.")
        recorded(record(settings, db, [f"db.v[{name!r}].drop()"], down))


@click.command()
@click.argument("tables", nargs=-1)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("models.py"),
    show_default=True,
    help="The module to write.",
)
@click.pass_context
def codegen(ctx: click.Context, tables: tuple[str, ...], output: Path) -> None:
    """Write a module with one dataclass per table (all tables by default)."""
    from sqlmodel_crud_utils.facade.codegen import create_mod_from_tables

    with open_db(settings_of(ctx)) as db:
        names = list(tables) or db.table_names()
        missing = [n for n in names if n not in db.table_names()]
        if missing:
            raise CLIError(f"unknown table(s): {', '.join(missing)}")
        if not names:
            raise CLIError("the database has no tables")
        create_mod_from_tables(output, *(db.t[n] for n in names), overwrite=True)
        click.echo("Models generated successfully!")
        click.echo(f"Written: {output}")
