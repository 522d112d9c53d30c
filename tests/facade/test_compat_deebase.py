"""compat.deebase: deebase 0.7.0's names on the async facade, with deebase's defaults."""

import contextlib
import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import sqlmodel_crud_utils.compat.deebase as deebase
from sqlmodel_crud_utils import create_async_engine_from_config
from sqlmodel_crud_utils.exceptions import DatabaseConnectionError, ForeignKeyError
from sqlmodel_crud_utils.facade import AsyncDatabase, AsyncTable, AsyncView
from sqlmodel_crud_utils.facade.aio import AsyncValidatedTable, validate_foreign_keys
from sqlmodel_crud_utils.facade.errors import NotFoundError
from tests.support import attach_search_path, backend

SQLITE_BACKENDS = ("sqlite_file", "sqlite_memory")


@contextlib.asynccontextmanager
async def opened(name: str, tmp_path: Path, **options: Any) -> AsyncIterator[deebase.Database]:
    """A compat ``Database`` on one backend (PostgreSQL: in a schema of its own)."""
    with backend(name, tmp_path) as (url, schema):
        engine = None
        if schema:
            engine = create_async_engine_from_config(url)
            attach_search_path(engine, schema)
        db = deebase.Database(engine if engine is not None else url, **options)
        try:
            async with db:
                yield db
        finally:
            if engine is not None:
                await engine.dispose()


class Author:
    id: int
    name: str
    bio: deebase.Text | None = None


class Post:
    id: int
    author_id: deebase.ForeignKey[int, "author"]  # noqa: F821 - a table name, not a type
    title: str


def test_every_exported_name_resolves() -> None:
    for name in deebase.__all__:
        assert getattr(deebase, name) is not None, name
    assert sorted(dir(deebase)) == sorted(deebase.__all__)
    assert "ConnectionError" not in importlib.import_module("sqlmodel_crud_utils.facade").__all__


def test_names_are_the_async_twin_and_the_shared_objects() -> None:
    assert issubclass(deebase.Database, AsyncDatabase)
    assert deebase.Table is AsyncTable
    assert deebase.View is AsyncView
    assert deebase.ValidatedTable is AsyncValidatedTable
    assert deebase.validate_foreign_keys is validate_foreign_keys
    assert deebase.NotFoundError is NotFoundError
    assert deebase.ConnectionError is DatabaseConnectionError
    facade = importlib.import_module("sqlmodel_crud_utils.facade")
    for name in ("Text", "ForeignKey", "Index", "FTSIndex", "Column", "IntegrityError"):
        assert getattr(deebase, name) is getattr(facade, name)


def test_migration_runner_is_the_async_runner() -> None:
    migrate = importlib.import_module("sqlmodel_crud_utils.migrate")
    runner = getattr(migrate, "AsyncMigrationRunner", None)
    if runner is None:
        pytest.skip("sqlmodel_crud_utils.migrate has no AsyncMigrationRunner yet")
    assert deebase.MigrationRunner is runner


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        deebase.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("name", [*SQLITE_BACKENDS, "postgresql"])
async def test_deebase_script_runs_with_only_the_import_changed(name: str, tmp_path: Path) -> None:
    async with opened(name, tmp_path) as db:
        authors = await db.create(Author, pk="id")
        posts = await db.create(Post, pk="id")
        ann = await authors.insert({"name": "Ann", "bio": "O'Brien's"})
        post = await posts.insert({"author_id": ann["id"], "title": "Hello"})
        assert (await authors[ann["id"]])["bio"] == "O'Brien's"
        assert (await posts.get_parent(post, "author_id"))["name"] == "Ann"
        assert [p["title"] for p in await authors.get_children(ann, "post", "author_id")] == [
            "Hello"
        ]
        with pytest.raises(deebase.NotFoundError):
            await authors[999]
        async with db.transaction():
            await authors.upsert({"id": ann["id"], "name": "Anne"})
        assert await db.q("SELECT name FROM author") == [{"name": "Anne"}]
        assert "author" in db.t
        assert await db.t.author.count == 1


@pytest.mark.parametrize("name", SQLITE_BACKENDS)
async def test_sqlite_foreign_keys_are_off_by_default(name: str, tmp_path: Path) -> None:
    async with opened(name, tmp_path) as db:
        await db.create(Author, pk="id")
        posts = await db.create(Post, pk="id")
        orphan = await posts.insert({"author_id": 42, "title": "orphan"})
        assert orphan["author_id"] == 42


@pytest.mark.parametrize("name", [*SQLITE_BACKENDS, "postgresql"])
async def test_foreign_keys_true_enforces_them(name: str, tmp_path: Path) -> None:
    async with opened(name, tmp_path, foreign_keys=True) as db:
        await db.create(Author, pk="id")
        posts = await db.create(Post, pk="id")
        with pytest.raises(ForeignKeyError):
            await posts.insert({"author_id": 42, "title": "orphan"})


async def test_plain_sqlite_url_is_accepted(tmp_path: Path) -> None:
    db = deebase.Database(f"sqlite:///{tmp_path / 'app.db'}")
    assert db.engine.url.drivername == "sqlite+aiosqlite"
    assert repr(db).endswith("app.db')")
    await db.close()
