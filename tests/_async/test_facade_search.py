"""Full-text indexes and search on SQLite (FTS5) and PostgreSQL (GIN)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase, FTSIndex
from tests.support import BACKENDS

from .conftest_facade import open_facade

DOCS = [
    {"title": "Running databases", "body": "SQLite runs everywhere", "lang": "en"},
    {"title": "Cooking", "body": "Bread and butter", "lang": "en"},
    {"title": "Database tuning", "body": "Indexes make databases fast", "lang": "de"},
]


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        docs = await database.t.docs.create(id=int, title=str, body=str, lang=str)
        await docs.insert_all(DOCS)
        yield database


async def test_search(db: AsyncDatabase) -> None:
    docs = db.t.docs
    with pytest.raises(ValidationError, match="No FTS index found"):
        await docs.search("database")
    await docs.create_fts_index(["title", "body"])
    assert docs.fts_indexes == [
        {"name": "docs_fts", "columns": ["title", "body"], "language": "english"}
    ]
    assert "docs_fts" not in db.t
    titles = [row["title"] for row in await docs.search("databases")]
    assert sorted(titles) == ["Database tuning", "Running databases"]
    assert [row["title"] for row in await docs.search("bread butter")] == ["Cooking"]
    assert await docs.search("bread zebra") == []
    scored = await docs.search("databases", score=True)
    assert all(isinstance(value, float) and value <= 0 for _, value in scored)
    assert [
        row["id"] for row in await docs.search("databases", where="lang = ?", where_args=["de"])
    ] == [3]
    assert len(await docs.search("databases", limit=1)) == 1
    assert len(await docs.xtra(lang="en").search("databases")) == 1
    assert [row["id"] for row in await docs.search("cooking", columns=["title"])] == [2]
    with pytest.raises(ValidationError, match="No FTS index covers"):
        await docs.search("x", columns=["lang"])


async def test_index_follows_writes(db: AsyncDatabase) -> None:
    docs = db.t.docs
    await docs.create_fts_index("body", name="body_search")
    await docs.insert(title="New", body="zebras everywhere", lang="en")
    assert [row["title"] for row in await docs.search("zebras")] == ["New"]
    await docs.update(pk_values=4, body="lions")
    assert await docs.search("zebras") == []
    await docs.delete(4)
    assert await docs.search("lions") == []
    await docs.drop_fts_index("body_search")
    assert docs.fts_indexes == []
    with pytest.raises(ValidationError):
        await docs.drop_fts_index("body_search")


async def test_metadata_survives_reflection(db: AsyncDatabase) -> None:
    await db.t.docs.create_fts_index(["title", "body"])
    other = AsyncDatabase(db.engine)
    await other.connect()
    assert other.t.docs.fts_indexes[0]["name"] == "docs_fts"
    assert len(await other.t.docs.xtra(lang="en").search("databases")) == 1
    assert sorted(t.name for t in other.t) == ["docs"]
    await other.close()
    await db.t.docs.drop()
    assert await db.table_names() == []


async def test_create_with_fts_index(db: AsyncDatabase) -> None:
    class Note:
        id: int
        text: str

    notes = await db.create(Note, indexes=[FTSIndex("text", name="note_text")])
    await notes.insert(id=1, text="hello search world")
    assert (await notes.search("world"))[0]["id"] == 1
    view = await db.create_view("note_view", "SELECT * FROM note")
    with pytest.raises(InvalidOperationError):
        await view.create_fts_index("text")
    await view.drop()
    await db.create(Note, replace=True)
    assert db.t.note.fts_indexes == []
