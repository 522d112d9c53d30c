"""Hostile identifiers and ``where`` fragments in the table facade, on SQLite and PostgreSQL.

Property-based (hypothesis). Every table, column, index, view and full-text index name either
round-trips exactly (created, then found under the same name by a fresh reflection) or is
refused with the package's ``ValidationError`` before any SQL runs (a ``before_cursor_execute``
counter proves it). Values given with ``where`` fragments are always bound: hostile text is
matched literally. A canary table must survive every example.

Fixed bugs are pinned by the regression tests at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sqlmodel_crud_utils import DBConfig, create_engine_from_config
from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade.common import quote_name
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
def test_index_names_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    assume(name.casefold() not in backend.taken())
    table = backend.db.t[BASE]
    outcome = backend.attempt(lambda: table.create_index(["v"], name=name))
    if outcome is not None:
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
def test_fts_index_names_round_trip_or_fail_before_sql(backend: Backend, name: str) -> None:
    taken = backend.taken()
    shadow = ("", "_data", "_idx", "_content", "_docsize", "_config")
    assume(all((name + suffix).casefold() not in taken for suffix in shadow))
    table = backend.db.t[BASE]
    outcome = backend.attempt(lambda: table.create_fts_index(["v"], name=name))
    if outcome is not None:
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
            assert backend.statements == []
    assert backend.canary_alive()


# ----------------------------------------------------------------- regressions (fixed bugs)


@pytest.mark.parametrize("name", [":colon", "a:b", "%", "100%", "%(x)s", "$1"])
def test_names_with_bind_like_text_can_be_dropped(backend: Backend, name: str) -> None:
    """DROP statements are DDL constructs: ':name' is no bind parameter and '%' is not doubled
    (the drop of ``create(replace=True)``, of tables, views and indexes, and FTS search)."""
    try:
        table = backend.db.t[name].create({"id": int, "v": str}, pk="id")
        table.insert(id=1, v="hello world")
        backend.db.t[name].create({"id": int, "v": str}, pk="id", replace=True)
        table.insert(id=1, v="hello world")
        table.create_index(["v"], name=f"ix {name}")
        assert f"ix {name}" in backend.reflect("indexes", name)
        table.drop_index(f"ix {name}")
        assert f"ix {name}" not in backend.reflect("indexes", name)
        table.create_fts_index(["v"], name=f"{name} fts")
        assert table.search("hello") == [{"id": 1, "v": "hello world"}]
        view = backend.db.create_view(f"{name} view", f"SELECT * FROM {quote_name(name)}")
        assert view() == [{"id": 1, "v": "hello world"}]
        backend.db.create_view(f"{name} view", "SELECT 1 AS x", replace=True)
        view.drop()
        assert f"{name} view" not in backend.reflect("views")
        table.drop()
        assert name not in backend.reflect("tables")
    finally:
        with backend.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {backend.db._quote(name + ' view')}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {backend.db._quote(name)}")
        backend.db.reflect()
    assert backend.canary_alive()


def test_view_bodies_keep_percent_signs(backend: Backend) -> None:
    """A view body is SQL sent as written: '%' and ':x' inside it are not placeholders."""
    name = backend.fresh_name("hostile_view_body")
    sql = f"SELECT v, 'a%:x' AS p FROM {BASE} WHERE v LIKE 'hello%'"
    view = backend.db.create_view(name, sql)
    try:
        assert view() == [{"v": "hello world", "p": "a%:x"}]
    finally:
        view.drop()


@pytest.mark.parametrize("name", ["é" * 40, "a" * 64, "表" * 22])
def test_names_longer_than_the_byte_limit_are_refused(backend: Backend, name: str) -> None:
    """PostgreSQL keeps 63 bytes of a name (UTF-8): longer names are refused, not truncated."""
    table = backend.db.t[BASE]
    if backend.dialect != "postgresql":
        # SQLite keeps long names whole: they round-trip.
        table.transform(rename={"v": name})
        assert backend.reflect("columns") == ["id", name]
        table.transform(rename={name: "v"})
        return
    with pytest.raises(
        ValidationError, match="bytes long in UTF-8 and postgresql allows at most 63"
    ):
        table.transform(rename={"v": name})
    assert backend.attempt(lambda: table.transform(rename={"v": name})) is None
    assert backend.attempt(lambda: backend.db.create_view(name, "SELECT 1 AS x")) is None
    assert backend.attempt(lambda: table.create_index(["v"], name=name)) is None
    assert backend.reflect("columns") == ["id", "v"]


def test_names_of_63_bytes_are_kept(backend: Backend) -> None:
    name = "é" * 31 + "a"  # 63 bytes
    table = backend.db.t[BASE]
    table.transform(rename={"v": name})
    try:
        assert backend.reflect("columns") == ["id", name]
    finally:
        table.transform(rename={name: "v"})


def test_named_placeholders_with_an_empty_list_are_refused(backend: Backend) -> None:
    items = backend.db.t[ITEMS]
    assert backend.attempt(lambda: items(where="name = :p", where_args=[])) is None
    assert backend.attempt(lambda: backend.db.q("SELECT :p AS x", ())) is None
    with pytest.raises(ValidationError, match=r":p need a dict of parameters, not a list"):
        items(where="name = :p", where_args=[])


def test_count_where_validates_before_sql(backend: Backend) -> None:
    assert backend.attempt(lambda: backend.db.t[ITEMS].count_where("name = ?", [])) is None


def test_table_create_validates_the_name_before_sql(backend: Backend) -> None:
    assert backend.attempt(lambda: backend.db.t["a\x00b"].create({"id": int}, pk="id")) is None
    handle = backend.db.t[backend.fresh_name("hostile_ok")]  # the sync twin reflects here
    assert backend.attempt(lambda: handle.create({"a\x00": int})) is None
    assert "a\x00b" not in backend.reflect("tables")


@pytest.mark.parametrize("name", ["a\x00b", "", " a", 'a"b', "a" * 10_000])
def test_index_names_are_validated_before_sql(backend: Backend, name: str) -> None:
    table = backend.db.t[backend.fresh_name("hostile_ix")].create({"id": int, "v": str}, pk="id")
    try:
        assert backend.attempt(lambda: table.create_index(["v"], name=name)) is None
        assert backend.attempt(lambda: table.create_fts_index(["v"], name=name)) is None
        assert backend.attempt(lambda: table.drop_index(name)) is None
        assert table.indexes == []
        assert table.fts_indexes == []
    finally:
        table.drop()


def test_default_index_names_are_validated_before_sql(backend: Backend) -> None:
    """A default name (``ix_<table>_<cols>``) too long for the database is refused, not cut."""
    if backend.dialect != "postgresql":
        pytest.skip("SQLite has no practical length limit")
    table = backend.db.t["t" * 40].create({"id": int, "v" * 20: str}, pk="id")
    try:
        outcome = backend.attempt(lambda: table.create_index(["v" * 20]))
        assert outcome is None
        with pytest.raises(ValidationError, match=r"default index name \(pass name="):
            table.create_index(["v" * 20])
        table.create_index(["v" * 20], name="ix_short")
        assert [index["name"] for index in table.indexes] == ["ix_short"]
    finally:
        table.drop()


def test_rejected_replace_keeps_the_catalogue(backend: Backend) -> None:
    name = backend.fresh_name("hostile_replace")
    backend.db.create(_class_with({"id": int, "a": str}), name=name, pk="id")
    with pytest.raises(ValidationError):
        backend.db.create(_class_with({"id": int, "\x00": str}), name=name, replace=True)
    with pytest.raises(ValidationError):
        backend.db.create(
            _class_with({"id": int, "a": str}), name=name, replace=True, indexes=["nope"]
        )
    with pytest.raises(ValidationError):
        backend.db.t[name].create({"id": int, "a\x00": str}, replace=True)
    assert name in backend.db.t
    assert backend.db.t[name].columns == ["id", "a"]
    backend.db.create(_class_with({"id": int, "b": str}), name=name, pk="id", replace=True)
    assert backend.reflect("columns", name) == ["id", "b"]
    backend.db.t[name].drop()


@pytest.mark.parametrize("name", ["", " ", "\t"])
def test_empty_table_names_are_refused(backend: Backend, name: str) -> None:
    cls = type("hostile_empty", (), {"__annotations__": {"id": int}})
    try:
        assert backend.attempt(lambda: backend.db.create(cls, name=name)) is None
        with pytest.raises(ValidationError, match="it is empty"):
            backend.db.create(cls, name=name)
    finally:
        with backend.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS hostile_empty")
    assert "hostile_empty" not in backend.reflect("tables")


@pytest.mark.parametrize("name", ["sqlite_v", "SQLITE_x", "sqlite_"])
def test_sqlite_reserved_prefix_is_refused_before_sql(backend: Backend, name: str) -> None:
    db = backend.db
    handle = db.t[name]  # the sync twin looks the name up here
    attempts = [
        lambda: db.create_view(name, "SELECT 1 AS x"),
        lambda: db.create(_class_with({"id": int}), name=name),
        lambda: handle.create({"id": int}),
        lambda: db.t[BASE].create_index(["v"], name=name),
        lambda: db.t[BASE].create_fts_index(["v"], name=name),
    ]
    if backend.dialect != "sqlite":
        # PostgreSQL accepts the name; it is listed like any other table.
        handle.create({"id": int})
        try:
            assert name in db.table_names()
        finally:
            handle.drop()
        return
    for attempt in attempts:
        assert backend.attempt(attempt) is None
    with pytest.raises(ValidationError, match="reserves names starting with 'sqlite_'"):
        db.create_view(name, "SELECT 1 AS x")
    # Columns may use the prefix.
    table = db.t[backend.fresh_name("hostile_cols")].create({name: int}, pk=name)
    assert table.columns == [name]
    table.drop()


def test_full_text_search_on_columns_with_bind_like_names(backend: Backend) -> None:
    """The search statement quotes column names once: '%' and ':x' in them are kept."""
    column = "body %s :x"
    table = backend.db.t[backend.fresh_name("hostile_fts_cols")].create(
        {"id": int, column: str}, pk="id"
    )
    try:
        table.insert({"id": 1, column: "hello world"})
        table.create_fts_index([column])
        assert table.search("hello") == [{"id": 1, column: "hello world"}]
        assert table.search("hello", columns=[column], where="id = ?", where_args=[1]) == [
            {"id": 1, column: "hello world"}
        ]
    finally:
        table.drop()
