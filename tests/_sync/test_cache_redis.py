# This file is generated from tests/_async/test_cache_redis.py by scripts/unasync.py. Do not edit it by hand.
"""The Redis cache backend against a real Redis server (127.0.0.1:6379).

Skipped when no server answers; ``SCU_REQUIRE_REDIS=1`` turns that into a failure.
"""

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.cache import RedisCache, configure_cache, namespace_for
from sqlmodel_crud_utils.sync import QueryBuilder
from tests.models import Hero
from tests.statements import count_statements

REDIS_URL = os.environ.get("SCU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_client() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        problem = f"redis is not installed ({exc})"
    else:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            client.ping()
        except Exception as exc:
            problem = f"Redis at {REDIS_URL} is unreachable: {exc}"
        else:
            return client
    if os.environ.get("SCU_REQUIRE_REDIS", "") == "1":
        pytest.fail(f"SCU_REQUIRE_REDIS=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture
def redis_cache() -> Iterator[RedisCache]:
    backend = RedisCache(client=redis_client(), prefix=f"scu-test-{uuid.uuid4().hex[:10]}")
    configure_cache(backend)
    try:
        yield backend
    finally:
        configure_cache(None)
        backend.clear()


def test_backend_contract(redis_cache: RedisCache) -> None:
    client = redis_cache.client
    redis_cache.set("heroes", "k1", {"a": 1}, ttl=30)
    redis_cache.set("heroes", "k2", {"rows": [1, 2]})
    redis_cache.set("teams", "k1", {"b": 2})
    assert redis_cache.get("heroes", "k1") == {"a": 1}
    assert redis_cache.get("heroes", "missing") is None
    prefix = redis_cache.prefix
    assert client.sismember(f"{prefix}:idx:heroes", f"{prefix}:heroes:k1")
    assert 0 < client.pttl(f"{prefix}:heroes:k1") <= 30_000
    # The index lives as long as its longest entry (60 s default for k2).
    assert client.pttl(f"{prefix}:idx:heroes") > 30_000
    redis_cache.invalidate("heroes")
    assert redis_cache.get("heroes", "k1") is None
    assert redis_cache.get("heroes", "k2") is None
    assert not client.exists(f"{prefix}:idx:heroes")
    assert redis_cache.get("teams", "k1") == {"b": 2}
    redis_cache.set("teams", "k1", {"b": 3}, ttl=0)
    assert redis_cache.get("teams", "k1") is None
    redis_cache.set("teams", "short", {"c": 1}, ttl=0.05)
    time.sleep(0.15)
    assert redis_cache.get("teams", "short") is None
    redis_cache.set("teams", "k9", {"d": 1})
    redis_cache.clear()
    assert list(client.scan_iter(match=f"{prefix}:*")) == []


def test_constructor_refuses_an_asyncio_client() -> None:
    redis_asyncio = pytest.importorskip("redis.asyncio")
    with pytest.raises(TypeError, match="async"):
        RedisCache(client=redis_asyncio.Redis.from_url(REDIS_URL))
    assert RedisCache(url=REDIS_URL).blocking is True


def test_get_row_and_builder_hits_through_redis(session: Session, redis_cache: RedisCache) -> None:
    session.add_all([Hero(id=1, name="Deadpond", secret_name="Dive", age=30)])
    session.commit()
    crud.get_row(1, session, Hero, use_cache=True)
    adults = QueryBuilder(session, Hero).where(age__gte=18).cached()
    adults.all()
    session.expunge_all()
    with count_statements(session) as seen:
        found, row = crud.get_row(1, session, Hero, use_cache=True)
        found_all, rows = adults.all()
    assert seen == []
    assert row is not None
    assert row.name == "Deadpond"
    assert [hero.id for hero in rows] == [1]
    index = f"{redis_cache.prefix}:idx:{namespace_for(Hero)}"
    assert redis_cache.client.scard(index) == 2
    crud.update_row(1, {"age": 12}, session, Hero)
    assert redis_cache.client.scard(index) == 0
    assert adults.all() == (False, [])
