# This file is generated from tests/_async/test_facade_schema.py by scripts/unasync.py. Do not edit it by hand.
"""Views, indexes and foreign key navigation."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError, SchemaError, ValidationError
from sqlmodel_crud_utils.facade import Database, View
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import BACKENDS

from .conftest_facade import open_facade


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        database.t.authors.create(id=int, name=str, code=str)
        database.t.authors.create_index("code", unique=True)
        database.t.posts.create(
            id=int,
            title=str,
            author_id=int,
            author_code=str,
            foreign_keys=[("author_id", "authors"), ("author_code", "authors", "code")],
        )
        database.t.authors.insert_all(
            [{"name": "Ann", "code": "ann"}, {"name": "Bob", "code": "bob"}]
        )
        database.t.posts.insert_all(
            [
                {"title": "one", "author_id": 1, "author_code": "ann"},
                {"title": "two", "author_id": 1, "author_code": "ann"},
                {"title": "three", "author_id": 2, "author_code": None},
            ]
        )
        yield database


def test_views_are_read_only(db: Database) -> None:
    view = db.create_view("ann_posts", "SELECT id, title FROM posts WHERE author_id = 1")
    assert isinstance(view, View)
    assert db.v.ann_posts is view
    assert "ann_posts" in db.v
    assert "ann_posts" not in db.t
    assert [row["title"] for row in view(order_by="id")] == ["one", "two"]
    assert view.count == 2
    assert (view.get(2))["title"] == "two"
    assert (view.lookup(title="one"))["id"] == 1
    with pytest.raises(InvalidOperationError, match="Cannot insert into a view"):
        view.insert(title="x")
    with pytest.raises(InvalidOperationError):
        view.update({"id": 1, "title": "x"})
    with pytest.raises(InvalidOperationError):
        view.delete(1)
    with pytest.raises(InvalidOperationError):
        view.insert_all([{"title": "x"}])
    with pytest.raises(SchemaError, match="already exists"):
        db.create_view("ann_posts", "SELECT 1 AS x")
    kept = db.create_view("ann_posts", "SELECT 1 AS x", ignore=True)
    assert kept.columns == ["id", "title"]
    replaced = db.create_view("ann_posts", "SELECT id FROM posts", replace=True)
    assert replaced.columns == ["id"]
    assert db.view_names() == ["ann_posts"]
    replaced.drop()
    assert "ann_posts" not in db.v
    assert db.view_names() == []


def test_indexes(db: Database) -> None:
    posts = db.t.posts
    posts.create_index(["author_id", "title"])
    posts.create_index("title", name="ix_title_u", unique=True)
    assert posts.indexes == [
        {"name": "ix_posts_author_id_title", "columns": ["author_id", "title"], "unique": False},
        {"name": "ix_title_u", "columns": ["title"], "unique": True},
    ]
    posts.create_index("title", name="ix_title_u", unique=True, if_not_exists=True)
    with pytest.raises(ValidationError, match="unknown column"):
        posts.create_index("nope")
    posts.drop_index("ix_title_u")
    assert [ix["name"] for ix in posts.indexes] == ["ix_posts_author_id_title"]
    posts.drop_index("ix_title_u", if_exists=True)
    db.reflect()
    assert [ix["name"] for ix in db.t.posts.indexes] == ["ix_posts_author_id_title"]


def test_foreign_key_navigation(db: Database) -> None:
    posts, authors = db.t.posts, db.t.authors
    assert posts.foreign_keys == [
        {"column": "author_code", "references": "authors.code"},
        {"column": "author_id", "references": "authors.id"},
    ]
    post = posts[1]
    assert (posts.get_parent(post, "author_id"))["name"] == "Ann"
    assert (posts.get_parent(post, "author_code"))["name"] == "Ann"
    assert (posts.fk.author_id(post))["name"] == "Ann"
    assert posts.get_parent(posts[3], "author_code") is None
    with pytest.raises(ValidationError, match="not a foreign key"):
        posts.get_parent(post, "title")
    ann = authors[1]
    titles = [row["title"] for row in authors.get_children(ann, "posts", "author_id")]
    assert titles == ["one", "two"]
    by_code = authors.get_children(ann, posts, "author_code")
    assert len(by_code) == 2
    scoped = authors.get_children(ann, posts.xtra(title="two"), "author_id")
    assert [row["title"] for row in scoped] == ["two"]
    with pytest.raises(NotFoundError):
        authors[99]


def test_reflect_sees_new_process_state(db: Database) -> None:
    fresh = Database(db.engine)
    fresh.connect()
    assert sorted(t.name for t in fresh.t) == ["authors", "posts"]
    assert fresh.t.posts.foreign_keys[1]["references"] == "authors.id"
    assert fresh.t.posts.count == 3
    fresh.close()
