# This file is generated from tests/_async/test_facade_search.py by scripts/unasync.py. Do not edit it by hand.
"""Full-text indexes and search on SQLite (FTS5) and PostgreSQL (GIN)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, ValidationError
from sqlmodel_crud_utils.facade import Database, FTSIndex
from tests.support import BACKENDS

from .conftest_facade import open_facade

DOCS = [
    {"title": "Running databases", "body": "SQLite runs everywhere", "lang": "en"},
    {"title": "Cooking", "body": "Bread and butter", "lang": "en"},
    {"title": "Database tuning", "body": "Indexes make databases fast", "lang": "de"},
]


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        docs = database.t.docs.create(id=int, title=str, body=str, lang=str)
        docs.insert_all(DOCS)
        yield database


def test_search(db: Database) -> None:
    docs = db.t.docs
    with pytest.raises(ValidationError, match="No FTS index found"):
        docs.search("database")
    docs.create_fts_index(["title", "body"])
    assert docs.fts_indexes == [
        {"name": "docs_fts", "columns": ["title", "body"], "language": "english"}
    ]
    assert "docs_fts" not in db.t
    titles = [row["title"] for row in docs.search("databases")]
    assert sorted(titles) == ["Database tuning", "Running databases"]
    assert [row["title"] for row in docs.search("bread butter")] == ["Cooking"]
    assert docs.search("bread zebra") == []
    scored = docs.search("databases", score=True)
    assert all(isinstance(value, float) and value <= 0 for _, value in scored)
    assert [row["id"] for row in docs.search("databases", where="lang = ?", where_args=["de"])] == [
        3
    ]
    assert len(docs.search("databases", limit=1)) == 1
    assert len(docs.xtra(lang="en").search("databases")) == 1
    assert [row["id"] for row in docs.search("cooking", columns=["title"])] == [2]
    with pytest.raises(ValidationError, match="No FTS index covers"):
        docs.search("x", columns=["lang"])


def test_index_follows_writes(db: Database) -> None:
    docs = db.t.docs
    docs.create_fts_index("body", name="body_search")
    docs.insert(title="New", body="zebras everywhere", lang="en")
    assert [row["title"] for row in docs.search("zebras")] == ["New"]
    docs.update(pk_values=4, body="lions")
    assert docs.search("zebras") == []
    docs.delete(4)
    assert docs.search("lions") == []
    docs.drop_fts_index("body_search")
    assert docs.fts_indexes == []
    with pytest.raises(ValidationError):
        docs.drop_fts_index("body_search")


def test_metadata_survives_reflection(db: Database) -> None:
    db.t.docs.create_fts_index(["title", "body"])
    other = Database(db.engine)
    other.connect()
    assert other.t.docs.fts_indexes[0]["name"] == "docs_fts"
    assert len(other.t.docs.xtra(lang="en").search("databases")) == 1
    assert sorted(t.name for t in other.t) == ["docs"]
    other.close()
    db.t.docs.drop()
    assert db.table_names() == []


def test_create_with_fts_index(db: Database) -> None:
    class Note:
        id: int
        text: str

    notes = db.create(Note, indexes=[FTSIndex("text", name="note_text")])
    notes.insert(id=1, text="hello search world")
    assert (notes.search("world"))[0]["id"] == 1
    view = db.create_view("note_view", "SELECT * FROM note")
    with pytest.raises(InvalidOperationError):
        view.create_fts_index("text")
    view.drop()
    db.create(Note, replace=True)
    assert db.t.note.fts_indexes == []
