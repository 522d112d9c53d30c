"""The commands on SQLite and PostgreSQL, in temporary project folders."""

from __future__ import annotations

import datetime
import json
import keyword
import re
import tempfile
import unicodedata
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from hypothesis import example, given
from hypothesis import strategies as st

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.cli._project import find_project, toml_string, tomllib
from tests.budget import examples

from .conftest import Invoker


def schema_of(url: str) -> dict[str, object]:
    """Tables with their columns, indexes and foreign keys; views by name."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            found: dict[str, object] = {}
            for name in sorted(inspector.get_table_names()):
                if name.startswith("_scu_"):
                    continue
                found[name] = (
                    [
                        (c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(name)
                    ],
                    sorted(
                        (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                        for i in inspector.get_indexes(name)
                    ),
                    sorted(
                        (tuple(f["constrained_columns"]), f["referred_table"])
                        for f in inspector.get_foreign_keys(name)
                    ),
                )
            found["views"] = sorted(inspector.get_view_names())
            return found
    finally:
        engine.dispose()


def build_schema(run: Invoker) -> None:
    run.ok("table", "create", "authors", "name:str:unique", "bio:text:nullable")
    run.ok(
        "table", "create", "books", "title:str", "author_id:int:fk=authors:nullable",
        "pages:int:default=10", "rating:float:nullable", "extra:json:nullable", "-i", "title",
    )  # fmt: skip
    run.ok("index", "create", "books", "pages,rating", "--name", "ix_pages_rating")
    run.ok("view", "create", "long_books", "--sql", "SELECT id, title FROM books WHERE pages > 300")
    run.ok("sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    run.ok("table", "create", "tmp", "x:int")
    run.ok("table", "drop", "tmp", "--yes")
    run.ok("index", "drop", "ix_pages_rating", "-y")


def test_schema_commands_record_a_replayable_migration(
    run: Invoker, db_url: str, fresh_url: str
) -> None:
    out = run.ok("table", "create", "users", "email:str:unique", "age:int:nullable")
    assert "Table 'users' created successfully." in out
    assert "Recorded in migration: 0001-schema-changes" in out
    build_schema(run)
    assert run.ok("table", "list").split() == ["authors", "books", "notes", "users"]
    assert run.ok("view", "list").split() == ["long_books"]
    schema = run.ok("table", "schema", "books")
    assert "Primary key: id" in schema
    assert "Foreign key: author_id -> authors.id" in schema
    assert "ix_books_title" in schema
    assert run.ok("index", "list", "books").split() == ["ix_books_title"]
    source = (run.root / "migrations" / "0001-schema-changes.py").read_text()
    assert source.index("'users'") < source.index("'authors'") < source.index("'tmp'")
    status = json.loads(run.ok("migrate", "status", "-f", "json"))
    assert status["applied"] == ["0001-schema-changes"]
    assert status["pending"] == []
    # Replaying the recorded migration on an empty database rebuilds the same schema.
    out = run.ok("migrate", "up", "--no-backup", url=fresh_url)
    assert "Applied: 0001-schema-changes" in out
    assert schema_of(fresh_url) == schema_of(db_url)
    # And its down step undoes all of it (raw SQL has no derivable down step).
    run.ok("migrate", "down", "--yes", url=fresh_url)
    assert list(schema_of(fresh_url)) == ["notes", "views"]


def test_data_commands(run: Invoker, tmp_path: Path) -> None:
    run.ok("table", "create", "people", "name:str", "age:int:nullable", "tags:json:nullable")
    assert run.ok("data", "insert", "people", "-f", "name=Ann", "-f", "age=30") == (
        "Inserted 1 record into people\n"
    )
    run.ok("data", "insert", "people", "-j", '{"name": "Bob", "tags": {"a": 1}}')
    batch = tmp_path / "people.json"
    batch.write_text(json.dumps([{"name": f"P{i}", "age": i} for i in range(3)]))
    assert "Inserted 3 records" in run.ok("data", "insert", "people", "-F", str(batch))
    rows = json.loads(run.ok("data", "list", "people", "-f", "json", "--order-by", "id"))
    assert [r["name"] for r in rows] == ["Ann", "Bob", "P0", "P1", "P2"]
    rows = json.loads(
        run.ok("data", "list", "people", "-f", "json", "--where", "age >= 1", "--limit", "1",
               "--offset", "1", "--order-by", "age")
    )  # fmt: skip
    assert [r["name"] for r in rows] == ["P2"]
    assert run.ok("data", "list", "people", "-f", "csv", "-l", "1").splitlines()[0] == (
        "id,name,age,tags"
    )
    table_out = run.ok("data", "list", "people")
    assert "Ann" in table_out
    assert "(5 rows)" in table_out
    assert json.loads(run.ok("data", "get", "people", "1"))["name"] == "Ann"
    assert run.ok("data", "update", "people", "1", "-f", "age=31") == "Updated record 1 in people\n"
    assert json.loads(run.ok("data", "get", "people", "1"))["age"] == 31
    declined = run("data", "delete", "people", "1", input="n\n")
    assert declined.exit_code == 1
    assert "Aborted." in declined.stderr
    assert run.ok("data", "delete", "people", "1", input="y\n").endswith(
        "Deleted record 1 from people\n"
    )
    missing = run("data", "get", "people", "1")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Error: ")
    assert len(missing.stderr.strip().splitlines()) == 1


def test_data_import(run: Invoker, tmp_path: Path) -> None:
    csv_file = tmp_path / "items.csv"
    csv_file.write_text("sku,qty\n" + "".join(f"s{i},{i}\n" for i in range(2500)))
    out = run.ok("data", "import", str(csv_file), "-t", "items", "--batch-size", "500")
    assert "Imported 2500 rows into 'items'." in out
    assert "2500/2500" in out
    quiet = run.ok("data", "import", str(csv_file), "-t", "items", "--no-progress")
    assert quiet == "Imported 2500 rows into 'items'.\n"
    assert run.ok("sql", "SELECT count(*) AS n FROM items", "-f", "json").startswith("[")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,qty,colour\nx,1,red\n")
    result = run("data", "import", str(bad), "-t", "items")
    assert result.exit_code == 1
    assert "colour" in result.stderr
    assert "Imported 2501" not in run.ok("data", "import", str(bad), "-t", "items", "--alter")


def test_sql_formats_and_no_record(run: Invoker) -> None:
    run.ok("sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "--no-record")
    assert not (run.root / "migrations" / "0001-schema-changes.py").exists()
    assert run.ok("sql", "INSERT INTO t (id, v) VALUES (1, 'a')") == (
        "Query executed successfully.\n"
    )
    assert json.loads(run.ok("sql", "SELECT v FROM t", "-f", "json")) == [{"v": "a"}]
    assert run.ok("sql", "SELECT v FROM t", "-f", "csv") == "v\na\n"
    assert "(1 row)" in run.ok("sql", "SELECT v FROM t")


def test_user_errors_are_one_line(run: Invoker) -> None:
    for args, code in [
        (("table", "create", "bad", "name"), 1),
        (("table", "create", "bad", "name:uuid"), 1),
        (("table", "create", "bad", "name:str:sparkly"), 1),
        (("table", "drop", "nope", "-y"), 1),
        (("table", "schema", "nope"), 1),
        (("sql", "SELEC 1"), 1),
        (("data", "list", "nope"), 1),
        (("index", "drop", "nope", "-y"), 1),
        (("view", "drop", "nope", "-y"), 1),
        (("table", "create", "bad", "day:date:default=not-a-date"), 2),
        (("table", "create", "bad", "n:int:default=x"), 2),
        (("table", "create", "bad", "x:int", "-d", "nul\x00"), 2),
    ]:
        result = run(*args)
        assert result.exit_code == code, (args, result.output)
        assert result.stderr.startswith("Error: "), args
        assert len(result.stderr.strip().splitlines()) == 1, args
        assert "Traceback" not in result.output
    assert run("table", "create").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_checked_defaults_and_descriptions_replay(run: Invoker, fresh_url: str) -> None:
    """Defaults of every type reach the table and its replay; a multi-line description is
    recorded as comments that change nothing."""
    run.ok(
        "table", "create", "events", "n:int:default=3", "f:float:default=1.5",
        "ok:bool:default=false", "label:str:default=it's", "j:json:default={\"a\":[1,2]}",
        "at:datetime:default=2024-01-31T10:15:30", "day:date:default=2024-01-31",
        "tm:time:default=10:15", "url:str:default=http://x:80:unique",
        "-d", "first\n    raise SystemExit(3)\u2028second",
    )  # fmt: skip
    source = (run.root / "migrations" / "0001-schema-changes.py").read_text(encoding="utf-8")
    assert "    # first\n    #     raise SystemExit(3)\n    # second\n" in source
    run.ok("migrate", "up", "--no-backup", url=fresh_url)
    for url in (run.url, fresh_url):
        assert url is not None
        with Database(url) as db:
            db.t["events"].insert({"id": 1})
            row = db.t["events"][1]
        assert row == {
            "id": 1, "n": 3, "f": 1.5, "ok": False, "label": "it's", "j": {"a": [1, 2]},
            "at": datetime.datetime(2024, 1, 31, 10, 15, 30), "day": datetime.date(2024, 1, 31),
            "tm": datetime.time(10, 15), "url": "http://x:80",
        }  # fmt: skip
        # A colon part that starts with a modifier name is the modifier.
        assert db_unique_columns(url, "events") == [["url"]]


def db_unique_columns(url: str, table: str) -> list[list[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        found = [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
        found += [c["column_names"] for c in inspector.get_unique_constraints(table)]
        return sorted({tuple(c): list(c) for c in found}.values())
    finally:
        engine.dispose()


def test_confirmations(run: Invoker) -> None:
    run.ok("table", "create", "gone", "x:int")
    result = run("table", "drop", "gone", input="n\n")
    assert result.exit_code == 1
    assert "Aborted." in result.stderr
    assert "gone" in run.ok("table", "list")
    assert "dropped successfully" in run.ok("table", "drop", "gone", input="y\n")


def test_views_and_reflect(run: Invoker) -> None:
    run.ok("table", "create", "things", "name:str")
    run.ok("view", "create", "v1", "--sql", "SELECT name FROM things")
    assert "View 'v1' created successfully." in run.ok(
        "view", "create", "v1", "--sql", "SELECT id FROM things", "--replace"
    )
    assert "Reflected 1 view." in run.ok("view", "reflect")
    assert "View 'v1' dropped successfully." in run.ok("view", "drop", "v1", "-y")
    # The recorded down step recreates the dropped view.
    run.ok("migrate", "down", "--yes")
    assert run.ok("table", "list") == ""


def test_db_info_shell_codegen(run: Invoker, tmp_path: Path) -> None:
    run.ok("table", "create", "pets", "name:str")
    info = run.ok("db", "info")
    assert "Project: proj" in info
    assert "Migration version: 1" in info
    assert "Tables (1): pets" in info
    shell = run("db", "shell", input="INSERT INTO pets (id, name) VALUES (1, 'rex')\n"
                "SELECT name FROM pets\n.tables\nnonsense\n.quit\n")  # fmt: skip
    assert shell.exit_code == 0
    assert "rex" in shell.stdout
    assert "Error:" in shell.stderr
    target = tmp_path / "models_out.py"
    assert "Models generated successfully!" in run.ok("codegen", "pets", "-o", str(target))
    assert "class Pets" in target.read_text()
    assert run("codegen", "nope", "-o", str(target)).exit_code == 1


def test_demo(run: Invoker) -> None:
    out = run.ok("demo", "--rows", "5")
    assert ">>> db.t.demo_books.count" in out
    assert run("demo").exit_code == 1
    assert "Tour finished" in run.ok("demo", "--replace", "--rows", "2")


def test_migrate_commands(run: Invoker, tmp_path: Path) -> None:
    assert "Created migration: 0001-add-things" in run.ok("migrate", "new", "add things")
    path = run.root / "migrations" / "0001-add-things.py"
    path.write_text(
        "def up(db):\n    db.q('CREATE TABLE things (id INTEGER PRIMARY KEY)')\n\n\n"
        "def down(db):\n    db.q('DROP TABLE things')\n"
    )
    assert "Created migration: 0002-seed" in run.ok("migrate", "new", "seed", "--sql")
    (run.root / "migrations" / "0002-seed.sql").write_text(
        "INSERT INTO things (id) VALUES (1);\n-- migrate:down\nDELETE FROM things;\n"
    )
    assert run("migrate", "status", "--check").exit_code == 1
    assert run.ok("migrate", "up", "--dry-run") == (
        "Would apply: 0001-add-things\nWould apply: 0002-seed\n"
    )
    assert run.ok("migrate", "up", "--to", "1") == "Applied: 0001-add-things\n"
    assert run.ok("migrate", "up") == "Applied: 0002-seed\n"
    assert run.ok("migrate", "up") == "No pending migrations.\n"
    text = run.ok("migrate", "status", "--check")
    assert "Current version: 2" in text
    assert "0002-seed: applied" in text
    assert run.ok("migrate", "down", "--dry-run") == "Would roll back: 0002-seed\n"
    assert run("migrate", "down", input="n\n").exit_code == 1
    assert run.ok("migrate", "down", "--to", "0", "-y") == (
        "Rolled back: 0002-seed\nRolled back: 0001-add-things\n"
    )
    assert run.ok("migrate", "down", "-y") == "Nothing to rollback.\n"
    # A pre-check failure exits with 4.
    (run.root / "migrations" / "0002-dup.sql").write_text("SELECT 1;")
    result = run("migrate", "up")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: Duplicate migration version 0002")


def test_migrate_warnings_are_one_line_on_stderr(run: Invoker) -> None:
    folder = run.root / "migrations"
    folder.mkdir(exist_ok=True)
    (folder / "0001-a.sql").write_text("CREATE TABLE a (id INTEGER);")
    run.ok("migrate", "up", "--no-backup")
    (folder / "0001-a.sql").write_text("CREATE TABLE a (id BIGINT);")
    (folder / "0002_b.sql").write_text("SELECT 1;")
    result = run("migrate", "up", "--no-backup")
    assert result.exit_code == 0, result.output
    assert result.stdout == "No pending migrations.\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Warning: 0002_b.sql looks like a migration")
    assert lines[1].startswith("Warning: Applied migration file(s) edited since they ran: 0001-a")
    assert "0001-a: changed" in run.ok("migrate", "status")


def test_migrate_enroll(run: Invoker) -> None:
    run.ok("sql", "CREATE TABLE legacy (id INTEGER PRIMARY KEY)", "--no-record")
    (run.root / "migrations" / "0001-x.sql").write_text("CREATE TABLE x (id INTEGER);")
    result = run("migrate", "up", "--no-backup")
    assert result.exit_code == 4
    assert "enroll" in result.stderr
    assert run.ok("migrate", "enroll", "--baseline", "1") == "Database enrolled at version 1.\n"
    assert run.ok("migrate", "up") == "No pending migrations.\n"


def test_migrate_autogenerate(run: Invoker, db_url: str) -> None:
    module = f"scu_models_{uuid.uuid4().hex[:8]}"
    (run.root / f"{module}.py").write_text(
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        "sa.Table('gadgets', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        "         sa.Column('label', sa.String(40), nullable=False))\n"
    )
    out = run.ok("migrate", "new", "gadgets", "-a", "--metadata", f"{module}:metadata")
    assert out == "Created migration: 0001-gadgets\n"
    run.ok("migrate", "up")
    with Database(db_url) as db:
        assert "gadgets" in db.table_names()
    assert run.ok("migrate", "new", "again", "-a", "--metadata", module) == (
        "No changes detected.\n"
    )
    assert run("migrate", "new", "x", "-a", "--metadata", "no_such_mod:m").exit_code == 1


def test_db_backup(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    run = Invoker(root, None)
    run.ok("init")
    run.ok("table", "create", "a", "x:int")
    assert (root / "p.db").exists()
    target = tmp_path / "copy.db"
    assert run.ok("db", "backup", "-o", str(target)) == f"Backup created: {target}\n"
    with Database(f"sqlite:///{target}") as copy:
        assert copy.table_names() == ["a"]
    result = run("db", "backup", url="postgresql://postgres@127.0.0.1/test")
    assert result.exit_code == 1
    assert "pg_dump" in result.stderr
    assert run("init").exit_code == 1


def test_no_url_exits_3(tmp_path: Path) -> None:
    run = Invoker(tmp_path, None)
    result = run("table", "list")
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: no database URL: pass --url, set DATABASE_URL or run 'sqlmodel-crud init'\n"
    )


def test_fts_and_seal(run: Invoker, db_url: str, fresh_url: str) -> None:
    run.ok("table", "create", "docs", "title:str", "body:text")
    run.ok(
        "data", "insert", "docs", "-f", "id=1", "-f", "title=Hello", "-f", "body=quick brown fox"
    )
    assert "FTS index 'docs_fts' created successfully." in run.ok(
        "index", "fts-create", "docs", "title", "body"
    )
    assert run.ok("index", "fts-list", "docs") == "docs_fts\n"
    out = run.ok("migrate", "seal", "search")
    assert out == "Sealing migration: 0001-schema-changes\nCreated new migration: 0002-search\n"
    assert "Recorded in migration: 0002-search" in run.ok("index", "fts-drop", "docs", "-y")
    assert run.ok("index", "fts-list", "docs") == ""
    assert run.ok("index", "fts-create", "docs", "body", "-n", "docs_body").endswith(
        "Recorded in migration: 0002-search\n"
    )
    assert run("index", "fts-drop", "docs", "-n", "nope", "-y").exit_code == 1
    run.ok("migrate", "up", "--no-backup", url=fresh_url)
    assert run.ok("index", "fts-list", "docs", url=fresh_url) == "docs_body\n"
    assert schema_of(fresh_url) == schema_of(db_url)
    assert run.ok("migrate", "down", "-y", url=fresh_url) == "Rolled back: 0002-search\n"
    assert run.ok("index", "fts-list", "docs", url=fresh_url) == "docs_fts\n"


# --- init, state.json and db backup: user input never escapes the config or the project ---

INIT_NAMES = [
    'p"',
    "back\\slash",
    "\x7f\x00\x1b",
    "line\nbreak\r\n\t",
    '"""',
    "'''",
    'x"\n[database]\nurl = "sqlite:////tmp/evil.db',
    "../../evil",
    "/etc/passwd",
    "a?b#c@d%41",
    "\u2028\ufeff\U0001f600",
    "",
    " ",
]


def files_under(folder: Path) -> set[Path]:
    """Every path below ``folder`` (symbolic links are not followed)."""
    return {path.relative_to(folder) for path in folder.rglob("*")}


def assert_usage_error(result: Result, *fragments: str) -> None:
    """Exit code 2 and one ``Error: ...`` line naming the fragments."""
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def assert_failure(result: Result, *fragments: str) -> None:
    """Exit code 1 and one ``Error: ...`` line naming the fragments."""
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def init_in(outer: Path, *args: str) -> tuple[Path, Result]:
    """Run ``init`` in a fresh ``outer/proj`` (``outer`` must be empty)."""
    root = outer / "proj"
    root.mkdir()
    return root, Invoker(root, None)("init", *args)


def check_project(root: Path, name: str, package: str) -> None:
    """The config reads back exactly, and the database file stays in the project."""
    project = find_project(root)
    assert project is not None
    assert project.root == root
    assert project.config["project"]["name"] == name
    assert project.config["models"]["package"] == package
    assert project.metadata_path == f"{package}:SQLModel.metadata"
    assert project.state() == {"current_migration": None, "sealed": False}
    url = project.config_url()
    assert url is not None
    database = sa.make_url(url).database
    assert database
    assert database.endswith(".db")
    assert (root / database).resolve().parent == root.resolve()


@given(st.text())
@example("")
@example('p"')
@example("\\u0041\\")
@example("\x7f")
@examples(60, 400)
def test_toml_string_round_trips(value: str) -> None:
    assert tomllib.loads(f"key = {toml_string(value)}\n") == {"key": value}


@pytest.mark.parametrize("name", INIT_NAMES)
def test_init_names_round_trip(tmp_path: Path, name: str) -> None:
    root, result = init_in(tmp_path, "--name", name)
    assert result.exit_code == 0, (result.output, result.exception)
    check_project(root, name, "models")
    assert files_under(tmp_path) - {Path("proj")} == {
        Path("proj/.scu"),
        Path("proj/.scu/config.toml"),
        Path("proj/.scu/state.json"),
        Path("proj/migrations"),
    }
    # Later commands read the config: the database is a file in the project.
    run = Invoker(root, None)
    run.ok("table", "create", "t", "x:int")
    assert run.ok("table", "list") == "t\n"
    assert {p.suffix for p in root.iterdir() if p.is_file()} == {".db"}


@given(name=st.text(), postgres=st.booleans())
@examples(25, 300)
def test_any_init_name_round_trips(name: str, postgres: bool) -> None:
    with tempfile.TemporaryDirectory() as outer:
        root, result = init_in(Path(outer), "--name", name, *(["--postgres"] if postgres else []))
        assert result.exit_code == 0, (result.output, result.exception)
        if postgres:
            project = find_project(root)
            assert project is not None
            assert project.config["project"]["name"] == name
            url = sa.make_url(str(project.config_url()))
            assert (url.host, url.port, url.username) == ("localhost", 5432, "postgres")
            assert re.fullmatch(r"[\w-]+", str(url.database))
        else:
            check_project(root, name, "models")


def test_init_default_name_is_the_folder(tmp_path: Path) -> None:
    root = tmp_path / 'my "proj"'
    root.mkdir()
    Invoker(root, None).ok("init")
    check_project(root, 'my "proj"', "models")
    assert find_project(root).config_url() == "sqlite:///my_proj.db"  # type: ignore[union-attr]


HOSTILE_PACKAGES = [
    "../x",
    "..",
    ".",
    "",
    "a/b",
    "a\\b",
    "/abs",
    "~",
    "models/../../x",
    "a.",
    ".a",
    "a..b",
    "class",
    "app.def",
    "None",
    "1a",
    "a-b",
    "a b",
    "models\n",
    "x\x00y",
    "ﬁle",  # NFKC: ``import`` would look for ``file``
    'm"',
]


@pytest.mark.parametrize("new_package", [False, True])
@pytest.mark.parametrize("package", HOSTILE_PACKAGES)
def test_init_rejects_a_package_that_is_not_a_module_path(
    tmp_path: Path, package: str, new_package: bool
) -> None:
    root, result = init_in(tmp_path, "-p", package, *(["--new-package"] if new_package else []))
    assert_usage_error(result, f"--package {package!r}", "dotted Python module path")
    assert files_under(tmp_path) == {Path("proj")}


@pytest.mark.parametrize("package", ["models", "app.models", "ünïcode.db_models", "match.type"])
def test_init_new_package(tmp_path: Path, package: str) -> None:
    root, result = init_in(tmp_path, "-p", package, "--new-package")
    assert result.exit_code == 0, (result.output, result.exception)
    init_file = root.joinpath(*package.split(".")) / "__init__.py"
    assert f"Created: {init_file}\n" in result.stdout
    assert "SQLModel" in init_file.read_text()
    check_project(root, "proj", package)
    assert all(path.parts[0] == "proj" for path in files_under(tmp_path))


@given(
    name=st.text(max_size=30),
    package=st.one_of(
        st.text(max_size=30),
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){0,2}", fullmatch=True),
        st.lists(st.sampled_from(["..", ".", "/", "\\", "a", "~", "x"]), max_size=6).map("".join),
    ),
    new_package=st.booleans(),
)
@examples(40, 400)
def test_init_never_writes_outside_the_project(name: str, package: str, new_package: bool) -> None:
    with tempfile.TemporaryDirectory() as outer_dir:
        outer = Path(outer_dir)
        args = ["--name", name, "-p", package, *(["--new-package"] if new_package else [])]
        root, result = init_in(outer, *args)
        assert all(path.parts[0] == "proj" for path in files_under(outer))
        valid = all(
            part.isidentifier()
            and not keyword.iskeyword(part)
            and unicodedata.normalize("NFKC", part) == part
            for part in package.split(".")
        )
        if valid:
            assert result.exit_code == 0, (result.output, result.exception)
            check_project(root, name, package)
        else:
            assert_usage_error(result, "--package")
            assert files_under(outer) == {Path("proj")}


def test_init_does_not_follow_links_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    # A package folder that is a link to a folder outside the project.
    root = tmp_path / "a"
    root.mkdir()
    (root / "models").symlink_to(outside, target_is_directory=True)
    assert_failure(Invoker(root, None)("init", "--new-package"), "not a folder inside")
    assert not (root / ".scu").exists()
    # An __init__.py that is a dangling link to a file outside the project.
    root = tmp_path / "b"
    (root / "models").mkdir(parents=True)
    (root / "models" / "__init__.py").symlink_to(outside / "planted.py")
    assert_failure(Invoker(root, None)("init", "--new-package"), "points outside")
    assert not (root / ".scu").exists()
    # A dangling .scu link.
    root = tmp_path / "c"
    root.mkdir()
    (root / ".scu").symlink_to(outside / "scu", target_is_directory=True)
    assert_failure(Invoker(root, None)("init"), "already exists")
    # A file where the models package or the migrations folder would go.
    root = tmp_path / "d"
    root.mkdir()
    (root / "models").write_text("not a folder")
    assert_failure(Invoker(root, None)("init", "--new-package"), "not a folder")
    (root / "models").unlink()
    (root / "migrations").write_text("not a folder")
    assert_failure(Invoker(root, None)("init"), "not a folder")
    assert not (root / ".scu").exists()
    assert files_under(outside) == set()


def test_init_rejects_undecodable_names(tmp_path: Path) -> None:
    root, result = init_in(tmp_path, "--name", "bad\udcff")
    assert_usage_error(result, "--name", "not valid Unicode text")
    assert files_under(tmp_path) == {Path("proj")}


@pytest.mark.parametrize(
    "state",
    [
        '{"current_migration": "../../evil", "sealed": false}',
        '{"current_migration": "/tmp/evil", "sealed": false}',
        '{"current_migration": ".hidden", "sealed": false}',
        '{"current_migration": 7, "sealed": false}',
        '["not", "an", "object"]',
        "{not json",
    ],
)
def test_state_json_never_names_a_path(tmp_path: Path, state: str) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    run = Invoker(root, None)
    run.ok("init")
    evil = tmp_path / "evil.py"
    evil.write_text("    # scu:up-end\n    # scu:down-start\n")
    (root / ".scu" / "state.json").write_text(state)
    assert_failure(run("table", "create", "t", "x:int"), "state.json")
    assert_failure(run("migrate", "seal", "next"), "state.json")
    assert evil.read_text() == "    # scu:up-end\n    # scu:down-start\n"
    assert set(tmp_path.iterdir()) == {root, evil}


def test_db_backup_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    run = Invoker(root, None)
    run.ok("init")
    run.ok("table", "create", "a", "x:int")
    database = root / "p.db"
    before = database.read_bytes()
    # The database itself: refused at once (copying a file onto itself never finishes).
    assert_failure(run("db", "backup", "-o", str(database)), "already exists")
    assert database.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("precious")
    assert_failure(run("db", "backup", "-o", str(notes)), "already exists")
    assert notes.read_text() == "precious"
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    assert_failure(run("db", "backup", "-o", str(link)), "already exists")
    assert not (tmp_path / "elsewhere.db").exists()
    assert_failure(run("db", "backup", "-o", str(tmp_path / "no" / "such.db")), "does not exist")
    assert_failure(run("db", "backup", "-o", str(tmp_path)), "already exists")
    for bad in (":memory:", "file:x.db?mode=memory", "x\x00.db"):
        assert_usage_error(run("db", "backup", "-o", bad), "--output")
    assert not list(tmp_path.glob("file*"))
    assert not (tmp_path / "no").exists()
    # Default names never collide.
    first = run.ok("db", "backup").removeprefix("Backup created: ").strip()
    second = run.ok("db", "backup").removeprefix("Backup created: ").strip()
    assert first != second
    for made in (first, second):
        assert Path(made).parent == root
        with Database(f"sqlite:///{made}") as copy:
            assert copy.table_names() == ["a"]
