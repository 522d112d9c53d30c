"""Hostile identifiers and ``where`` fragments in the table facade, on SQLite and PostgreSQL.

Property-based (hypothesis). Every table, column, index, view and full-text index name either
round-trips exactly (created, then found under the same name by a fresh reflection) or is
refused with the package's ``ValidationError`` before any SQL runs (a ``before_cursor_execute``
counter proves it). Values given with ``where`` fragments are always bound: hostile text is
matched literally. A canary table must survive every example.

Known library bugs are kept out of the generated inputs by :func:`known_bug` and pinned by the
``xfail(strict=True)`` tests at the end, so the properties stay green and the bugs stay visible.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sqlmodel_crud_utils import DBConfig, create_engine_from_config
from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade._sql import check_identifier
from sqlmodel_crud_utils.facade.sync import Database
from tests import support
from tests.budget import examples

pytestmark = pytest.mark.long

CANARY = "hostile_canary"
BASE = "hostile_base"
ITEMS = "hostile_items"

# ----------------------------------------------------------------------------- inputs

NASTY_NAMES = [
    "",
    " ",
    " a",
    "a ",
    "\t",
    '"',
    'a"b',
    "'",
    "a'b",
    "a;b",
    f"x; DROP TABLE {CANARY}; --",
    f'x"; DROP TABLE {CANARY}; --',
    f"x'); DROP TABLE {CANARY}; --",
    "--",
    "a--b",
    "/*",
    "*/",
    "\x00",
    "a\x00b",
    "\x7f",
    "\x1b[31m",
    "a\nb",
    "\u2028",
    "x\u0085",
    "\u200b",
    "select",
    "table",
    "order",
    "group",
    "user",
    "default",
    "null",
    "ünïcødé",
    "表",
    "𝄞",
    "a" * 63,
    "a" * 64,
    "a" * 300,
    "é" * 31,
    "é" * 32,
    "a.b",
    "[a]",
    "`a`",
    "?",
    "$1",
    "$$",
    "a\\b",
    "\\",
    ":a",
    "a:b",
    "%s",
    "%",
    "%(x)s",
    "sqlite_x",
    "ID",
]
IDENTIFIERS = (
    st.sampled_from(NASTY_NAMES)
    | st.text(max_size=70)
    | st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
)

#: Storable text: no NUL (PostgreSQL refuses it) and no lone surrogates (not encodable).
TEXT = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=30
)
VALUES = (
    st.sampled_from(
        [
            f"'; DROP TABLE {CANARY}; --",
            "' OR '1'='1",
            '" OR 1=1 --',
            "?",
            ":name",
            "%s",
            "%(name)s",
            "$1",
            "\\",
            "%_",
            "ünïcødé ✓ 𝄞",
            "",
        ]
    )
    | TEXT
)

# --------------------------------------------------------------------------- known bugs

_BIND_LIKE = re.compile(r"(?<![:\w\\]):\w")


def known_bug(name: str, dialect: str, kind: str) -> str | None:
    """Why ``name`` hits a reported library bug for this object kind, or ``None``."""
    valid = _valid(name)
    if kind in ("index", "fts") and not valid:
        return "index names are not validated before SQL"
    if kind in ("table", "view", "index", "fts") and _BIND_LIKE.search(name):
        return "DROP statements run through sa.text(), which reads ':name' as a bind parameter"
    if dialect == "postgresql" and "%" in name and kind in ("table", "view", "index"):
        return "DROP statements through sa.text() double '%' on psycopg"
    if dialect == "postgresql" and valid and len(name.encode()) > 63:
        return "names of 63 characters but more than 63 bytes are truncated by PostgreSQL"
    if dialect == "sqlite" and name.lower().startswith("sqlite_") and kind != "column":
        return "SQLite reserves the sqlite_ prefix; the facade lets it reach SQL"
    if kind == "table" and name == "":
        return "db.create(cls, name='') silently uses the class name"
    return None


def _valid(name: str) -> bool:
    try:
        check_identifier(name)
    except ValidationError:
        return False
    return True


# ------------------------------------------------------------------------------ fixtures


class Backend:
    """One database with a canary table and a counter of executed statements."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._count)
        self.db = Database(engine)
        self.db.connect()
        self.db.t[CANARY].create({"id": int, "note": str}, pk="id")
        self.db.t[CANARY].insert(id=1, note="alive")
        self.db.t[BASE].create({"id": int, "v": str}, pk="id")
        self.db.t[BASE].insert(id=1, v="hello world")
        self.db.t[ITEMS].create({"id": int, "name": str}, pk="id")
        self.names = itertools.count()

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def fresh_name(self, prefix: str) -> str:
        return f"{prefix}_{next(self.names)}"

    def attempt(self, fn: Any) -> Any:
        """Run ``fn``; a ``ValidationError`` must come before any statement (returns ``None``)."""
        self.statements.clear()
        try:
            return ("ok", fn())
        except ValidationError:
            assert self.statements == [], self.statements
            return None

    def taken(self) -> set[str]:
        """Relation names in use (tables, views, indexes), case-folded for SQLite's rules."""
        sql = (
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            if self.dialect == "postgresql"
            else "SELECT name FROM sqlite_master"
        )
        with self.engine.connect() as conn:
            return {str(n).casefold() for n in conn.exec_driver_sql(sql).scalars()}

    def quote(self, name: str) -> str:
        return str(self.engine.dialect.identifier_preparer.quote(name))

    def reflect(self, kind: str, table: str = BASE) -> list[str]:
        """Names as a fresh SQLAlchemy inspector sees them (not the facade's catalogue)."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            if kind == "tables":
                return list(inspector.get_table_names())
            if kind == "views":
                return list(inspector.get_view_names())
            if kind == "columns":
                return [str(c["name"]) for c in inspector.get_columns(table)]
            if kind == "pk":
                return list(inspector.get_pk_constraint(table)["constrained_columns"])
            assert kind == "indexes"
            return [str(i["name"]) for i in inspector.get_indexes(table)]

    def rows(self, name: str) -> list[dict[str, Any]]:
        """The rows of a table or view, read with plain SQL on a new connection."""
        with self.engine.connect() as conn:
            result = conn.exec_driver_sql(f"SELECT * FROM {self.quote(name)}")
            return [dict(row) for row in result.mappings()]

    def fts_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.exec_driver_sql("SELECT name FROM _scu_fts").scalars())

    def canary_alive(self) -> bool:
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not {CANARY, BASE, ITEMS} <= set(inspector.get_table_names()):
                return False
            notes = conn.execute(sa.text(f"SELECT note FROM {CANARY}")).scalars().all()
        return list(notes) == ["alive"]


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def backend(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("hostile_facade") / "h.db"
        engine = create_engine_from_config(DBConfig(url=f"sqlite:///{path}"))
        yield Backend(engine)
        engine.dispose()
        return
    support.require_postgres()
    with support.pg_schema() as schema:
        engine = create_engine_from_config(DBConfig(url=support.PG_URL))
        support.attach_search_path(engine, schema)
        yield Backend(engine)
        engine.dispose()


# --------------------------------------------------------------------------- identifiers


def _class_with(columns: dict[str, Any]) -> type:
    return type("Hostile", (), {"__annotations__": columns})


@examples(15, 400)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name='a"b')
@example(name="\x00")
@example(name="a" * 64)
def test_table_names_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "table") is None)
    assume(name.casefold() not in backend.taken())
    outcome = backend.attempt(
        lambda: backend.db.create(_class_with({"id": int, "v": str}), name=name, pk="id")
    )
    if outcome is not None:
        with backend.engine.connect() as conn:
            assert name in sa.inspect(conn).get_table_names()
        assert backend.reflect("columns", name) == ["id", "v"]
        table = backend.db.t[name]
        table.insert(id=1, v=name)
        assert backend.rows(name) == [{"id": 1, "v": name}]
        assert table.count_where("v = ?", [name]) == 1
        table.drop()
        with backend.engine.connect() as conn:
            assert name not in sa.inspect(conn).get_table_names()
    assert backend.canary_alive()


@examples(15, 400)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name='a"b')
@example(name="\x00")
@example(name="")
def test_column_names_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "column") is None)
    assume(not name.startswith("_"))  # class attributes named _x are private by design
    table_name = backend.fresh_name("hostile_cols")
    outcome = backend.attempt(
        lambda: backend.db.create(_class_with({name: str}), name=table_name, pk=[name])
    )
    if outcome is not None:
        assert backend.reflect("columns", table_name) == [name]
        assert backend.reflect("pk", table_name) == [name]
        table = backend.db.t[table_name]
        table.insert({name: "value"})
        assert backend.rows(table_name) == [{name: "value"}]
        assert table.get("value") == {name: "value"}
        table.drop()
    assert backend.canary_alive()


@examples(15, 400)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name="a'b")
@example(name="select")
def test_index_names_round_trip(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "index") is None)
    assume(name.casefold() not in backend.taken())
    table = backend.db.t[BASE]
    table.create_index(["v"], name=name)
    assert name in backend.reflect("indexes")
    assert {"name": name, "columns": ["v"], "unique": False} in table.indexes
    table.drop_index(name)
    assert name not in backend.reflect("indexes")
    assert backend.canary_alive()


@examples(15, 400)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name='a"b')
@example(name="\x00")
def test_view_names_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "view") is None)
    assume(name.casefold() not in backend.taken())
    outcome = backend.attempt(lambda: backend.db.create_view(name, f"SELECT id, v FROM {BASE}"))
    if outcome is not None:
        with backend.engine.connect() as conn:
            assert name in sa.inspect(conn).get_view_names()
        assert backend.rows(name) == [{"id": 1, "v": "hello world"}]
        assert backend.db.v[name]() == [{"id": 1, "v": "hello world"}]
        backend.db.v[name].drop()
        with backend.engine.connect() as conn:
            assert name not in sa.inspect(conn).get_view_names()
    assert backend.canary_alive()


@examples(15, 400)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name='a"b')
@example(name="\x00")
def test_renamed_columns_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "column") is None)
    assume(name.casefold() not in ("id", "v"))
    table = backend.db.t[BASE]
    outcome = backend.attempt(lambda: table.transform(rename={"v": name}))
    if outcome is not None:
        assert backend.reflect("columns") == ["id", name]
        assert backend.rows(BASE) == [{"id": 1, name: "hello world"}]
        assert table() == [{"id": 1, name: "hello world"}]
        table.transform(rename={name: "v"})
    assert backend.reflect("columns") == ["id", "v"]
    assert backend.canary_alive()


@examples(10, 200)
@given(name=IDENTIFIERS)
@example(name=f"x; DROP TABLE {CANARY}; --")
@example(name="a'b")
def test_fts_index_names_round_trip(backend: Backend, name: str) -> None:
    assume(known_bug(name, backend.dialect, "fts") is None)
    taken = backend.taken()
    shadow = ("", "_data", "_idx", "_content", "_docsize", "_config")
    assume(all((name + suffix).casefold() not in taken for suffix in shadow))
    table = backend.db.t[BASE]
    table.create_fts_index(["v"], name=name)
    assert backend.fts_names() == [name]
    assert [index["name"] for index in table.fts_indexes] == [name]
    assert table.search("hello") == [{"id": 1, "v": "hello world"}]
    table.drop_fts_index(name)
    assert backend.fts_names() == []
    assert backend.canary_alive()


# ------------------------------------------------------------------------ where fragments


@examples(25, 500)
@given(value=VALUES, style=st.sampled_from(["?", ":name"]))
@example(value=f"'; DROP TABLE {CANARY}; --", style="?")
@example(value="' OR '1'='1", style=":name")
def test_where_values_are_bound(backend: Backend, value: str, style: str) -> None:
    items = backend.db.t[ITEMS]
    items.delete_where()
    items.insert_all([{"name": value}, {"name": value + "x"}, {"name": "plain"}])
    where, args = ("name = ?", [value]) if style == "?" else ("name = :name", {"name": value})
    expected = [{"name": value}]
    assert [{"name": r["name"]} for r in items(where=where, where_args=args)] == expected
    assert [{"name": r["name"]} for r in items.rows_where(where, args)] == expected
    assert items.count_where(where, args) == 1
    assert [{"name": r["name"]} for r in items.xtra(name=value)()] == expected
    assert items.xtra(name=value).count == 1
    assert items.delete_where(where, args) == 1
    assert items.count_where(where, args) == 0
    assert items.count == 2  # the look-alike and the plain row are untouched
    assert backend.canary_alive()


#: Text inside literals and comments: placeholders there are not placeholders.
DECOYS = ["'?'", "':decoy'", "'it''s ?'", "/* ? :decoy */"]


@examples(30, 600)
@given(
    style=st.sampled_from(["?", ":name"]),
    marks=st.integers(0, 3),
    decoys=st.lists(st.sampled_from(DECOYS), max_size=2),
    given_args=st.one_of(
        st.none(),
        st.lists(VALUES, max_size=4),
        st.lists(VALUES, max_size=4).map(tuple),
        st.dictionaries(st.sampled_from(["p0", "p1", "p2", "other"]), VALUES, max_size=4),
        VALUES,
    ),
)
def test_where_fragment_rules(
    backend: Backend, style: str, marks: int, decoys: list[str], given_args: Any
) -> None:
    """The documented placeholder rules: a dict binds ``:name``, a list or tuple binds ``?``,
    placeholders inside literals and comments are ignored, and a mismatch is a
    ``ValidationError`` before SQL."""
    # Reported bug (see test_bug_named_placeholders_with_an_empty_list): kept out here.
    assume(
        not (
            style == ":name" and marks and isinstance(given_args, (list, tuple)) and not given_args
        )
    )
    terms = [f"name <> {'?' if style == '?' else f':p{i}'}" for i in range(marks)]
    terms += [f"{decoy} = {decoy}" if decoy[0] == "'" else f"1 = 1 {decoy}" for decoy in decoys]
    where = " AND ".join(terms) or "1 = 1"
    if style == "?":
        valid = (isinstance(given_args, (list, tuple)) and len(given_args) == marks) or (
            given_args is None and marks == 0
        )
    else:
        valid = (
            isinstance(given_args, dict) and all(f"p{i}" in given_args for i in range(marks))
        ) or (given_args is None and marks == 0)
    if marks == 0 and isinstance(given_args, (list, tuple)) and not given_args:
        valid = True  # an empty list with no placeholder is fine
    if marks == 0 and isinstance(given_args, dict):
        valid = True  # unused dict entries are ignored
    items = backend.db.t[ITEMS]
    for call in (
        lambda: items(where=where, where_args=given_args),
        lambda: list(items.rows_where(where, given_args)),
        lambda: items.count_where(where, given_args),
        lambda: items.delete_where(where, given_args),
    ):
        backend.statements.clear()
        if valid:
            call()
        else:
            with pytest.raises(ValidationError):
                call()
            # count_where opens its transaction first (reported): only BEGIN may have run.
            assert [s for s in backend.statements if s != "BEGIN"] == []
    assert backend.canary_alive()


# ---------------------------------------------------------------------- reported bugs


def test_known_bug_filter_is_narrow() -> None:
    """The exclusions above cover only the reported bugs, not whole classes of input."""
    assert known_bug("plain_name", "sqlite", "table") is None
    assert known_bug("a'b; --", "postgresql", "view") is None
    assert known_bug("%", "sqlite", "table") is None
    assert known_bug(":a", "sqlite", "column") is None


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/aio/table.py AsyncTable.drop, drop_index and core._create_table "
    "(replace=True) build DROP statements with sa.text(), which reads ':name' inside a "
    "quoted identifier as a bind parameter (raw sqlalchemy StatementError)",
)
def test_bug_names_with_colon_can_be_dropped(backend: Backend) -> None:
    table = backend.db.t[":colon"].create({"id": int}, pk="id")
    try:
        table.drop()
    finally:
        with backend.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {backend.db._quote(':colon')}")
    assert ":colon" not in backend.reflect("tables")


@pytest.mark.xfail(
    strict=True,
    reason="bug: on psycopg, DROP statements built with sa.text() (facade/aio/table.py "
    "AsyncTable.drop, drop_index; AsyncView.drop) send '%%' for '%': the object is not found",
)
def test_bug_names_with_percent_can_be_dropped_on_postgresql(backend: Backend) -> None:
    if backend.dialect != "postgresql":
        pytest.skip("SQLite is not affected")
    table = backend.db.t["100%"].create({"id": int}, pk="id")
    try:
        table.drop()
    finally:
        with backend.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {backend.db._quote('100%')}")
    assert "100%" not in backend.reflect("tables")


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/_sql.py check_identifier counts 63 characters, but PostgreSQL's limit "
    "is 63 bytes: longer UTF-8 names are silently truncated and not found again",
)
def test_bug_multibyte_names_are_not_truncated(backend: Backend) -> None:
    if backend.dialect != "postgresql":
        pytest.skip("SQLite has no length limit")
    name = "é" * 40  # 40 characters, 80 bytes
    outcome = backend.attempt(lambda: backend.db.t[BASE].transform(rename={"v": name}))
    if outcome is not None:
        try:
            assert backend.reflect("columns") == ["id", name]
        finally:
            with backend.engine.begin() as conn:
                for column in backend.reflect("columns"):
                    if column not in ("id", "v"):
                        conn.exec_driver_sql(
                            f"ALTER TABLE {BASE} RENAME COLUMN {backend.quote(column)} TO v"
                        )
            backend.db.reflect()


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/_sql.py bound_text skips its style check for an empty list "
    "('if params and _named_in(sql)'): where='name = :p' with where_args=[] reaches SQLAlchemy "
    "and fails with a raw StatementError instead of ValidationError",
)
def test_bug_named_placeholders_with_an_empty_list(backend: Backend) -> None:
    assert backend.attempt(lambda: backend.db.t[ITEMS](where="name = :p", where_args=[])) is None


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/aio/reads.py AsyncTableReads.count_where builds (and validates) its "
    "where fragment inside the connection block: BEGIN runs before the ValidationError on SQLite",
)
def test_bug_count_where_validates_before_sql(backend: Backend) -> None:
    if backend.dialect != "sqlite":
        pytest.skip("PostgreSQL sends no BEGIN statement")
    assert backend.attempt(lambda: backend.db.t[ITEMS].count_where("name = ?", [])) is None


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/aio/table.py AsyncTable.create reflects the table name before "
    "check_identifier runs: SQL runs first, and a NUL gives QueryExecutionError, not "
    "ValidationError",
)
def test_bug_table_create_validates_the_name_before_sql(backend: Backend) -> None:
    assert backend.attempt(lambda: backend.db.t["a\x00b"].create({"id": int}, pk="id")) is None


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/aio/table.py AsyncTable.create_index and facade/aio/search.py "
    "create_fts_index do not validate index names: '', NUL, '\"' or over-long names reach SQL "
    "(raw sqlalchemy IdentifierError or QueryExecutionError)",
)
@pytest.mark.parametrize("name", ["a\x00b", "a" * 64])
def test_bug_index_names_are_validated_before_sql(backend: Backend, name: str) -> None:
    table = backend.db.t[backend.fresh_name("hostile_ix")].create({"id": int, "v": str}, pk="id")
    try:
        assert backend.attempt(lambda: table.create_index(["v"], name=name)) is None
    finally:
        table.drop()


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/aio/database.py AsyncDatabase.create (and AsyncTable.create) detach "
    "the existing table from the catalogue before build_table validates the columns; after "
    "that ValidationError, create(..., replace=True) fails with 'table already exists'",
)
def test_bug_rejected_replace_keeps_the_catalogue(backend: Backend) -> None:
    name = backend.fresh_name("hostile_replace")
    backend.db.create(_class_with({"id": int, "a": str}), name=name, pk="id")
    with pytest.raises(ValidationError):
        backend.db.create(_class_with({"id": int, "\x00": str}), name=name, replace=True)
    backend.db.create(_class_with({"id": int, "b": str}), name=name, pk="id", replace=True)
    assert backend.reflect("columns", name) == ["id", "b"]


@pytest.mark.xfail(
    strict=True,
    reason="bug: facade/_schema.py table_name_for treats name='' as not given and creates "
    "the table under the class name instead of refusing the empty name",
)
def test_bug_empty_table_name_is_refused(backend: Backend) -> None:
    cls = type("hostile_empty", (), {"__annotations__": {"id": int}})
    try:
        assert backend.attempt(lambda: backend.db.create(cls, name="")) is None
    finally:
        with backend.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS hostile_empty")


@pytest.mark.xfail(
    strict=True,
    reason="bug: names starting with 'sqlite_' are reserved by SQLite; the facade "
    "(facade/_sql.py check_identifier) lets them reach SQL, which fails with "
    "QueryExecutionError instead of ValidationError",
)
def test_bug_sqlite_reserved_prefix_is_refused_before_sql(backend: Backend) -> None:
    if backend.dialect != "sqlite":
        pytest.skip("PostgreSQL accepts the name")
    assert backend.attempt(lambda: backend.db.create_view("sqlite_v", "SELECT 1 AS x")) is None
