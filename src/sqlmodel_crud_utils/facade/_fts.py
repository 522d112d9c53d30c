"""Full-text search: index DDL, search statements and the ``_scu_fts`` bookkeeping table.

SQLite uses an FTS5 table with external content (the indexed table) kept in
step by triggers; PostgreSQL uses a GIN index on ``to_tsvector``.  Index
metadata is stored in ``_scu_fts`` so that searches work after a reflection
or in a new process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import ValidationError

from ._ddl import FacadeDDL, drop

__all__ = [
    "FTS_TABLE",
    "check_fts_name",
    "fts_create_sql",
    "fts_drop_sql",
    "read_fts",
    "search_stmt",
]

FTS_TABLE = "_scu_fts"
_LANGUAGE = re.compile(r"^[a-z_]{1,40}$")

_meta = sa.MetaData()
fts_table = sa.Table(
    FTS_TABLE,
    _meta,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("table_name", sa.String(200), nullable=False),
    sa.Column("columns", sa.Text, nullable=False),
    sa.Column("language", sa.String(40), nullable=False),
)

Quote = Callable[[str], str]


def check_language(language: str) -> str:
    """Validate a text search language name (it is written into DDL)."""
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise ValidationError(
            "language must be a lower-case name such as 'english' or 'simple'",
            field="language",
            value=language,
        )
    return language


#: Names an FTS5 table cannot have (or that its ``rowid`` would be confused with).
_SQLITE_FTS_RESERVED = ("rank", "rowid", "oid", "_rowid_")


def _sqlite_fold(name: str) -> str:
    """Fold case as SQLite compares names: ASCII letters only."""
    return name.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def check_fts_name(dialect: str, name: str, columns: Sequence[str]) -> str:
    """Refuse a full-text index name that SQLite's FTS5 cannot use for these columns.

    An FTS5 table has a hidden column named after it, so the name cannot be an indexed
    column's (SQLite compares names ignoring ASCII case), nor ``rank`` or a ``rowid``
    alias.  PostgreSQL has no such rule.

    Raises:
        ValidationError: If the name collides on SQLite.
    """
    if dialect != "sqlite":
        return name
    folded = _sqlite_fold(name)
    clash = [column for column in columns if _sqlite_fold(column) == folded]
    if clash or folded in _SQLITE_FTS_RESERVED:
        what = f"the indexed column {clash[0]!r}" if clash else f"the reserved name {folded!r}"
        raise ValidationError(
            f"invalid full-text index name {name!r}: on SQLite it names a hidden column of the "
            f"index, which clashes with {what}; use a name other than "
            f"{', '.join(map(repr, _SQLITE_FTS_RESERVED))} and the indexed columns "
            "(compared ignoring case)",
            field="name",
            value=name,
        )
    return name


def _vector_sql(quote: Quote, columns: Sequence[str], language: str) -> str:
    parts = " || ' ' || ".join(f"coalesce({quote(c)}::text, '')" for c in columns)
    return f"to_tsvector('{check_language(language)}'::regconfig, {parts})"


def fts_create_sql(
    dialect: str, quote: Quote, table: str, name: str, columns: Sequence[str], language: str
) -> list[str]:
    """The statements that create a full-text index and fill it."""
    if dialect == "postgresql":
        vector = _vector_sql(quote, columns, language)
        return [f"CREATE INDEX {quote(name)} ON {quote(table)} USING GIN ({vector})"]
    check_language(language)
    tokenizer = "porter unicode61" if language == "english" else "unicode61"
    fts, src = quote(name), quote(table)
    cols = ", ".join(quote(c) for c in columns)
    new = ", ".join(f"new.{quote(c)}" for c in columns)
    old = ", ".join(f"old.{quote(c)}" for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={src}, "
        f"content_rowid='rowid', tokenize='{tokenizer}')",
        f"CREATE TRIGGER {quote(name + '_ai')} AFTER INSERT ON {src} BEGIN {insert} END",
        f"CREATE TRIGGER {quote(name + '_ad')} AFTER DELETE ON {src} BEGIN {delete} END",
        f"CREATE TRIGGER {quote(name + '_au')} AFTER UPDATE ON {src} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def fts_drop_sql(dialect: str, name: str) -> list[FacadeDDL]:
    """The statements that drop a full-text index."""
    if dialect == "postgresql":
        return [drop("INDEX", name, if_exists=True)]
    return [
        *(drop("TRIGGER", name + suffix, if_exists=True) for suffix in ("_ai", "_ad", "_au")),
        drop("TABLE", name, if_exists=True),
    ]


def read_fts(conn: sa.Connection) -> dict[str, list[dict[str, Any]]]:
    """``{table: [{'name', 'columns', 'language'}]}`` from ``_scu_fts`` (empty if missing)."""
    if not sa.inspect(conn).has_table(FTS_TABLE):
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(sa.select(fts_table).order_by(fts_table.c.name)).mappings():
        found.setdefault(row["table_name"], []).append(
            {
                "name": row["name"],
                "columns": json.loads(row["columns"]),
                "language": row["language"],
            }
        )
    return found


def _match_text(query: str, columns: Sequence[str] | None, quote_terms: bool) -> str:
    text = query
    if quote_terms:
        text = " ".join('"' + term.replace('"', '""') + '"' for term in query.split())
    if columns:
        # FTS5 column filter: names as double-quoted strings, so any name is taken literally.
        names = " ".join('"' + column.replace('"', '""') + '"' for column in columns)
        text = "{" + names + "} : (" + text + ")"
    return text


def search_stmt(
    dialect: str,
    quote: Quote,
    table: sa.Table,
    index: Mapping[str, Any],
    query: str,
    *,
    columns: Sequence[str] | None,
    quote_terms: bool,
) -> tuple[sa.Select[Any], sa.ColumnElement[Any]]:
    """``SELECT table.*, score`` for rows matching ``query``, and the score column.

    Scores are negative; lower is better.  The caller adds filters, ordering
    by score and paging.
    """
    if dialect == "postgresql":
        vector: sa.ColumnElement[Any] = sa.literal_column(
            _vector_sql(quote, list(columns or index["columns"]), index["language"])
        )
        language: sa.ColumnElement[Any] = sa.literal_column(
            f"'{check_language(index['language'])}'::regconfig"
        )
        function = sa.func.plainto_tsquery if quote_terms else sa.func.to_tsquery
        tsquery = function(language, sa.bindparam("_scu_q", query, unique=True))
        score = (-sa.func.ts_rank(vector, tsquery)).label("_scu_score")
        stmt = sa.select(*table.columns, score).where(vector.op("@@")(tsquery))
        return stmt, score
    # An FTS5 table has a hidden column named after it: ``bm25(t)``, ``t MATCH ?``.
    name = index["name"]
    fts = sa.table(name, *(sa.column(column) for column in dict.fromkeys([name, "rowid"])))
    hidden = fts.c[name]
    match = (
        sa.select(
            fts.c.rowid.label("_scu_rowid"),
            sa.func.bm25(hidden).label("_scu_score"),
        )
        .select_from(fts)
        .where(
            hidden.op("MATCH")(
                sa.bindparam("_scu_q", _match_text(query, columns, quote_terms), unique=True)
            )
        )
        .subquery("_scu_match")
    )
    rowid: sa.ColumnElement[Any] = sa.literal_column(f"{quote(table.name)}.rowid")
    stmt = sa.select(*table.columns, match.c._scu_score).select_from(
        table.join(match, rowid == match.c._scu_rowid)
    )
    return stmt, match.c._scu_score
