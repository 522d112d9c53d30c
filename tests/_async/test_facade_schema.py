"""Views, indexes and foreign key navigation."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, SchemaError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase, AsyncView
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        await database.t.authors.create(id=int, name=str, code=str)
        await database.t.authors.create_index("code", unique=True)
        await database.t.posts.create(
            id=int,
            title=str,
            author_id=int,
            author_code=str,
            foreign_keys=[("author_id", "authors"), ("author_code", "authors", "code")],
        )
        await database.t.authors.insert_all(
            [{"name": "Ann", "code": "ann"}, {"name": "Bob", "code": "bob"}]
        )
        await database.t.posts.insert_all(
            [
                {"title": "one", "author_id": 1, "author_code": "ann"},
                {"title": "two", "author_id": 1, "author_code": "ann"},
                {"title": "three", "author_id": 2, "author_code": None},
            ]
        )
        yield database


async def test_views_are_read_only(db: AsyncDatabase) -> None:
    view = await db.create_view("ann_posts", "SELECT id, title FROM posts WHERE author_id = 1")
    assert isinstance(view, AsyncView)
    assert db.v.ann_posts is view
    assert "ann_posts" in db.v
    assert "ann_posts" not in db.t
    assert [row["title"] for row in await view(order_by="id")] == ["one", "two"]
    assert await view.count == 2
    assert (await view.get(2))["title"] == "two"
    assert (await view.lookup(title="one"))["id"] == 1
    with pytest.raises(InvalidOperationError, match="Cannot insert into a view"):
        await view.insert(title="x")
    with pytest.raises(InvalidOperationError):
        await view.update({"id": 1, "title": "x"})
    with pytest.raises(InvalidOperationError):
        await view.delete(1)
    with pytest.raises(InvalidOperationError):
        await view.insert_all([{"title": "x"}])
    with pytest.raises(SchemaError, match="already exists"):
        await db.create_view("ann_posts", "SELECT 1 AS x")
    kept = await db.create_view("ann_posts", "SELECT 1 AS x", ignore=True)
    assert kept.columns == ["id", "title"]
    replaced = await db.create_view("ann_posts", "SELECT id FROM posts", replace=True)
    assert replaced.columns == ["id"]
    assert await db.view_names() == ["ann_posts"]
    await replaced.drop()
    assert "ann_posts" not in db.v
    assert await db.view_names() == []


async def test_indexes(db: AsyncDatabase) -> None:
    posts = db.t.posts
    await posts.create_index(["author_id", "title"])
    await posts.create_index("title", name="ix_title_u", unique=True)
    assert posts.indexes == [
        {"name": "ix_posts_author_id_title", "columns": ["author_id", "title"], "unique": False},
        {"name": "ix_title_u", "columns": ["title"], "unique": True},
    ]
    await posts.create_index("title", name="ix_title_u", unique=True, if_not_exists=True)
    with pytest.raises(ValidationError, match="unknown column"):
        await posts.create_index("nope")
    await posts.drop_index("ix_title_u")
    assert [ix["name"] for ix in posts.indexes] == ["ix_posts_author_id_title"]
    await posts.drop_index("ix_title_u", if_exists=True)
    await db.reflect()
    assert [ix["name"] for ix in db.t.posts.indexes] == ["ix_posts_author_id_title"]


async def test_foreign_key_navigation(db: AsyncDatabase) -> None:
    posts, authors = db.t.posts, db.t.authors
    assert posts.foreign_keys == [
        {"column": "author_code", "references": "authors.code"},
        {"column": "author_id", "references": "authors.id"},
    ]
    post = await posts[1]
    assert (await posts.get_parent(post, "author_id"))["name"] == "Ann"
    assert (await posts.get_parent(post, "author_code"))["name"] == "Ann"
    assert (await posts.fk.author_id(post))["name"] == "Ann"
    assert await posts.get_parent(await posts[3], "author_code") is None
    with pytest.raises(ValidationError, match="not a foreign key"):
        await posts.get_parent(post, "title")
    ann = await authors[1]
    titles = [row["title"] for row in await authors.get_children(ann, "posts", "author_id")]
    assert titles == ["one", "two"]
    by_code = await authors.get_children(ann, posts, "author_code")
    assert len(by_code) == 2
    scoped = await authors.get_children(ann, posts.xtra(title="two"), "author_id")
    assert [row["title"] for row in scoped] == ["two"]
    with pytest.raises(NotFoundError):
        await authors[99]


async def test_reflect_sees_new_process_state(db: AsyncDatabase) -> None:
    fresh = AsyncDatabase(db.engine)
    await fresh.connect()
    assert sorted(t.name for t in fresh.t) == ["authors", "posts"]
    assert fresh.t.posts.foreign_keys[1]["references"] == "authors.id"
    assert await fresh.t.posts.count == 3
    await fresh.close()
