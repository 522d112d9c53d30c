"""The FastAPI example application, driven through HTTP on SQLite and PostgreSQL.

``examples/fastapi_app`` is imported as the package ``fastapi_app`` (the way ``uvicorn`` loads it
from the ``examples`` directory) and exercised with ``httpx.AsyncClient`` over ASGI, lifespan
included: users, pagination, soft delete and restore, posts, and the hook-written audit log.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("aiosqlite")

import httpx

from sqlmodel_crud_utils import create_async_engine_from_config
from tests.support import PG_URL, attach_search_path, pg_schema, require_postgres

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _import_create_app() -> Any:
    """Import ``fastapi_app`` from ``examples/`` without leaving that directory on the path."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        from fastapi_app import create_app
    finally:
        sys.path.remove(str(EXAMPLES))
    return create_app


create_app = _import_create_app()

ADMIN = {"X-User": "admin"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            engine = create_async_engine_from_config(f"sqlite:///{tmp_path / 'app.db'}")
        else:
            require_postgres()
            schema = stack.enter_context(pg_schema())
            engine = create_async_engine_from_config(PG_URL)
            attach_search_path(engine, schema)
        stack.push_async_callback(engine.dispose)
        app = create_app(engine=engine)
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://app.test")
        )
        yield http


async def _create_users(client: Any, *names: str) -> list[dict[str, Any]]:
    users = []
    for name in names:
        response = await client.post(
            "/users", json={"email": f"{name}@example.org", "name": name}, headers=ADMIN
        )
        assert response.status_code == 201, response.text
        users.append(response.json())
    return users


async def test_users_are_created_and_paginated(client: Any) -> None:
    ann, bob, cy = await _create_users(client, "ann", "bob", "cy")
    assert ann["created_by"] == "admin"

    first = (await client.get("/users", params={"page": 1, "page_size": 2})).json()
    assert [user["name"] for user in first["items"]] == ["ann", "bob"]
    assert (first["total"], first["pages"], first["has_next"]) == (3, 2, True)
    second = (await client.get("/users", params={"page": 2, "page_size": 2})).json()
    assert [user["name"] for user in second["items"]] == ["cy"]
    assert second["has_next"] is False

    assert (await client.get(f"/users/{bob['id']}")).json()["email"] == "bob@example.org"
    assert (await client.get("/users/999")).status_code == 404
    assert (await client.get("/users", params={"page_size": 0})).status_code == 422


async def test_duplicate_email_is_a_conflict(client: Any) -> None:
    await _create_users(client, "ann")
    response = await client.post("/users", json={"email": "ann@example.org", "name": "Ann 2"})
    assert response.status_code == 409
    assert (await client.get("/users")).json()["total"] == 1


async def test_soft_delete_hides_and_restore_brings_back(client: Any) -> None:
    ann, bob = await _create_users(client, "ann", "bob")

    assert (await client.delete(f"/users/{bob['id']}", headers=ADMIN)).status_code == 204
    assert (await client.get(f"/users/{bob['id']}")).status_code == 404
    listed = (await client.get("/users")).json()
    assert [user["name"] for user in listed["items"]] == ["ann"]
    assert listed["total"] == 1
    assert (await client.delete(f"/users/{bob['id']}")).status_code == 404

    restored = await client.post(f"/users/{bob['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["name"] == "bob"
    assert (await client.get("/users")).json()["total"] == 2

    # The e-mail is unique among live users only: a deleted user's address can be reused,
    # and then the deleted user cannot come back.
    await client.delete(f"/users/{bob['id']}")
    await _create_users(client, "bob")
    assert (await client.post(f"/users/{bob['id']}/restore")).status_code == 409
    assert (await client.post("/users/999/restore")).status_code == 404


async def test_posts_are_paginated_per_author(client: Any) -> None:
    ann, bob = await _create_users(client, "ann", "bob")
    for number in range(3):
        response = await client.post(f"/users/{ann['id']}/posts", json={"title": f"a{number}"})
        assert response.status_code == 201
    await client.post(f"/users/{bob['id']}/posts", json={"title": "b0"})

    page = (await client.get("/posts", params={"author_id": ann["id"], "page_size": 2})).json()
    assert [post["title"] for post in page["items"]] == ["a2", "a1"]
    assert (page["total"], page["has_next"]) == (3, True)
    assert (await client.get("/posts")).json()["total"] == 4

    assert (await client.post("/users/999/posts", json={"title": "x"})).status_code == 404
    await client.delete(f"/users/{bob['id']}")
    assert (await client.post(f"/users/{bob['id']}/posts", json={"title": "x"})).status_code == 404


async def test_every_change_is_in_the_audit_log(client: Any) -> None:
    (ann,) = await _create_users(client, "ann")
    await client.post(f"/users/{ann['id']}/posts", json={"title": "hello"}, headers=ADMIN)
    await client.delete(f"/users/{ann['id']}", headers={"X-User": "moderator"})
    await client.post(f"/users/{ann['id']}/restore")

    log = (await client.get("/audit")).json()
    entries = [
        (entry["action"], entry["entity"], entry["entity_id"], entry["actor"])
        for entry in log["items"]
    ]
    assert entries == [
        ("create", "app_users", ann["id"], "admin"),
        ("create", "app_posts", 1, "admin"),
        ("delete", "app_users", ann["id"], "moderator"),
        ("restore", "app_users", ann["id"], None),
    ]
