# This file is generated from tests/_async/test_cache.py by scripts/unasync.py. Do not edit it by hand.
"""The read cache on real databases: hits issue no SQL, committed writes are never hidden."""

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from sqlmodel_crud_utils import cache
from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.cache import (
    CacheBackend,
    InMemoryCache,
    configure_cache,
    invalidate_cache,
)
from sqlmodel_crud_utils.sync import QueryBuilder
from sqlmodel_crud_utils.transactions import transaction
from tests import support
from tests.models import Hero, Item, Stamped, Team
from tests.statements import count_statements


@pytest.fixture(autouse=True)
def memory_cache() -> Iterator[InMemoryCache]:
    backend = InMemoryCache()
    configure_cache(backend)
    yield backend
    configure_cache(None)


def seed(session: Session) -> None:
    team = Team(id=1, name="Avengers")
    session.add_all(
        [
            Hero(id=1, name="Deadpond", secret_name="Dive", age=30, team=team),
            Hero(id=2, name="Spider-Boy", secret_name="Pedro", age=16),
            Hero(id=3, name="Rusty-Man", secret_name="Tommy", age=48),
        ]
    )
    session.commit()


def test_get_row_hit_issues_no_sql_and_keeps_timestamps(session: Session) -> None:
    session.add(Stamped(id=1, title="first", price=Decimal("12.50")))
    session.commit()
    session.expunge_all()
    with count_statements(session) as seen:
        found, fresh = crud.get_row(1, session, Stamped, use_cache=True)
    assert found is True
    assert len(seen) == 1
    session.expunge_all()
    with count_statements(session) as seen:
        found, hit = crud.get_row(1, session, Stamped, use_cache=True)
    assert seen == []
    assert found is True
    assert hit is not fresh
    assert hit.model_dump() == fresh.model_dump()
    assert hit.price == Decimal("12.50")
    assert hit.created_at == fresh.created_at
    assert hit.updated_at == fresh.updated_at
    assert hit.created_at is not None


def test_get_row_without_use_cache_or_with_loaders_always_queries(
    session: Session,
) -> None:
    seed(session)
    crud.get_row(1, session, Hero, use_cache=True)
    with count_statements(session) as seen:
        crud.get_row(1, session, Hero)
        found, row = crud.get_row(1, session, Hero, True, ["team"], use_cache=True)
    assert len(seen) == 3
    assert row is not None
    assert row.team is not None
    with count_statements(session) as seen:
        assert crud.get_row(99, session, Hero, use_cache=True) == (False, None)
        assert crud.get_row(99, session, Hero, use_cache=True) == (False, None)
    assert len(seen) == 2


def test_helper_writes_invalidate_after_commit(session: Session) -> None:
    seed(session)
    crud.get_row(1, session, Hero, use_cache=True)
    assert (crud.update_row(1, {"age": 31}, session, Hero))[0] is True
    session.expunge_all()
    found, row = crud.get_row(1, session, Hero, use_cache=True)
    assert row is not None
    assert row.age == 31
    found, rows = crud.get_rows(session, Hero, use_cache=True, sort_field="id")
    assert [hero.age for hero in rows] == [31, 16, 48]
    assert crud.bulk_update_rows([2, 3], {"age": 50}, session, Hero) == (True, 2)
    found, rows = crud.get_rows(session, Hero, use_cache=True, sort_field="id")
    assert [hero.age for hero in rows] == [31, 50, 50]
    assert crud.delete_rows_within_id_list([3], session, Hero) == (True, 1)
    assert crud.get_row(3, session, Hero, use_cache=True) == (False, None)
    found, rows = crud.get_rows(session, Hero, use_cache=True, sort_field="id")
    assert [hero.id for hero in rows] == [1, 2]
    assert crud.delete_row(2, session, Hero) is True
    found, rows = crud.get_rows(session, Hero, use_cache=True, sort_field="id")
    assert [hero.id for hero in rows] == [1]
    crud.write_row(Hero(id=4, name="New", secret_name="n"), session)
    found, rows = crud.get_rows(session, Hero, use_cache=True, sort_field="id")
    assert [hero.id for hero in rows] == [1, 4]
    crud.bulk_upsert_mappings(
        [{"id": 4, "name": "Newer", "secret_name": "n", "active": True}], session, Hero
    )
    found, row = crud.get_row(4, session, Hero, use_cache=True)
    assert row is not None
    assert row.name == "Newer"


def test_get_rows_hits_and_key_parts(session: Session) -> None:
    seed(session)
    with count_statements(session) as seen:
        first = crud.get_rows(session, Hero, use_cache=True, age__gte=20, sort_field="id")
        again = crud.get_rows(session, Hero, use_cache=True, age__gte=20, sort_field="id")
        other = crud.get_rows(session, Hero, use_cache=True, age__gte=40, sort_field="id")
        paged = crud.get_rows(session, Hero, use_cache=True, page_size=1, page=2)
        none = crud.get_rows(session, Hero, use_cache=True, name="nobody")
        none_again = crud.get_rows(session, Hero, use_cache=True, name="nobody")
        bypass = crud.get_rows(session, Hero, use_cache=True, age__in=iter([16]))
    assert [hero.id for hero in first[1]] == [hero.id for hero in again[1]] == [1, 3]
    assert [hero.id for hero in other[1]] == [3]
    assert [hero.id for hero in paged[1]] == [2]
    assert none == none_again == (False, [])
    assert [hero.id for hero in bypass[1]] == [2]
    # first, other, paged, two empty reads (never stored) and the unkeyable iterator.
    assert len(seen) == 6


def test_transaction_invalidates_at_commit_and_reads_see_own_writes(
    session: Session, other_session: Session
) -> None:
    if support.is_memory(session.bind):
        pytest.skip("in-memory SQLite has one shared connection: no second session to compare")
    seed(session)
    crud.get_row(1, other_session, Hero, use_cache=True)
    other_session.rollback()
    with transaction(session):
        crud.update_row(1, {"age": 77}, session, Hero)
        # The writing session does not get the stale cached row back.
        found, row = crud.get_row(1, session, Hero, use_cache=True)
        assert row is not None
        assert row.age == 77
        # Nothing is committed yet: other sessions still read the committed row.
        found, row = crud.get_row(1, other_session, Hero, use_cache=True)
        assert row is not None
        assert row.age == 30
        other_session.rollback()
    other_session.expunge_all()
    found, row = crud.get_row(1, other_session, Hero, use_cache=True)
    assert row is not None
    assert row.age == 77


def test_single_statement_writes_in_a_block_are_never_hidden_by_the_cache(
    session: Session, memory_cache: InMemoryCache
) -> None:
    """Plain models write with one statement on the session's connection, not a flush."""
    ok, _ = crud.insert_data_rows(
        [Item(id=key, code=f"c{key}", label=f"l{key}") for key in (1, 2, 3)], session
    )
    assert ok is True
    session.expunge_all()

    def labels() -> list[str]:
        _, rows = crud.get_rows(session, Item, use_cache=True, sort_field="id")
        return [row.label for row in rows]

    assert labels() == ["l1", "l2", "l3"]
    assert len(memory_cache) == 1
    with transaction(session):
        session.expunge_all()
        assert (crud.update_row(1, {"label": "new"}, session, Item))[0] is True
        session.expunge_all()
        assert labels() == ["new", "l2", "l3"]
        assert crud.delete_row(2, session, Item) is True
        session.expunge_all()
        assert labels() == ["new", "l3"]
        ok, _ = crud.insert_data_rows(
            [Item(id=4, code="c4", label="l4"), Item(id=5, code="c5", label="l5")], session
        )
        assert ok is True
        session.expunge_all()
        assert labels() == ["new", "l3", "l4", "l5"]
    session.expunge_all()
    assert labels() == ["new", "l3", "l4", "l5"]
    with pytest.raises(Exception, match="boom"):
        with transaction(session):
            crud.delete_row(3, session, Item)
            raise RuntimeError("boom")
    session.expunge_all()
    assert labels() == ["new", "l3", "l4", "l5"]


def test_rollback_invalidates_and_block_failure_keeps_committed_data(
    session: Session, memory_cache: InMemoryCache
) -> None:
    seed(session)
    crud.get_row(2, session, Hero, use_cache=True)
    assert len(memory_cache) == 1
    with pytest.raises(Exception, match="boom"):
        with transaction(session):
            crud.update_row(2, {"age": 99}, session, Hero)
            raise RuntimeError("boom")
    assert len(memory_cache) == 0
    session.expunge_all()
    found, row = crud.get_row(2, session, Hero, use_cache=True)
    assert row is not None
    assert row.age == 16


def test_builder_cached_terminals(session: Session) -> None:
    seed(session)
    adults = QueryBuilder(session, Hero).where(age__gte=18).order_by("id").cached(30)
    expected = (adults.all(), adults.first(), adults.count())
    session.expunge_all()
    with count_statements(session) as seen:
        found, rows = adults.all()
        found_first, first = adults.first()
        counted = adults.count()
    assert seen == []
    assert [hero.id for hero in rows] == [hero.id for hero in expected[0][1]]
    assert first.name == "Deadpond"
    assert counted == expected[2] == (True, 2)
    crud.update_row(3, {"age": 10}, session, Hero)
    assert adults.count() == (True, 1)


def test_builder_cache_is_skipped_when_it_cannot_be_invalidated(
    session: Session,
) -> None:
    seed(session)
    builders = [
        QueryBuilder(session, Hero).where(team__name="Avengers").cached(),
        QueryBuilder(session, Hero).load("team").cached(),
        QueryBuilder(session, Hero).select("name").cached(),
        QueryBuilder(session, Hero, crud_select(Hero)).cached(),
        QueryBuilder(session, Hero).where(age=30),
    ]
    for builder in builders:
        builder.all()
        with count_statements(session) as seen:
            builder.all()
        assert len(seen) >= 1


def crud_select(model: Any) -> Any:
    from sqlmodel import select

    return select(model)


class Broken(CacheBackend):
    def get(self, namespace: str, key: str) -> Any:
        raise ConnectionError("down")

    def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> None:
        raise ConnectionError("down")

    def invalidate(self, namespace: str) -> None:
        raise ConnectionError("down")

    def clear(self) -> None:
        raise ConnectionError("down")


def test_backend_failures_are_misses(session: Session, caplog: Any) -> None:
    seed(session)
    configure_cache(Broken())
    found, row = crud.get_row(1, session, Hero, use_cache=True)
    assert row is not None
    assert crud.update_row(1, {"age": 5}, session, Hero) == (True, row)
    invalidate_cache(Hero)
    assert "Cache read failed" in caplog.text
    assert "Cache write failed" in caplog.text


def test_invalid_entry_is_a_miss(session: Session, memory_cache: InMemoryCache) -> None:
    seed(session)
    crud.get_row(1, session, Hero, use_cache=True)
    ((namespace, key),) = list(memory_cache._entries)
    memory_cache.set(namespace, key, {"id": "not a number"})
    found, row = crud.get_row(1, session, Hero, use_cache=True)
    assert row is not None
    assert row.name == "Deadpond"
    invalidate_cache()
    assert len(memory_cache) == 0
    assert cache.namespace_for(Hero) == "heroes"


def test_in_memory_cache_is_lru_with_ttl() -> None:
    backend = InMemoryCache(default_ttl=60, max_entries=2)
    backend.set("heroes", "a", {"v": 1})
    backend.set("heroes", "b", {"v": 2})
    assert backend.get("heroes", "a") == {"v": 1}  # "a" is now the most recently used
    backend.set("teams", "c", {"v": 3})
    assert backend.get("heroes", "b") is None
    assert backend.get("heroes", "a") == {"v": 1}
    backend.set("heroes", "a", {"v": 9}, ttl=0)
    assert backend.get("heroes", "a") is None
    backend.set("heroes", "short", {"v": 4}, ttl=0.01)
    time.sleep(0.03)
    assert backend.get("heroes", "short") is None
    backend.invalidate("teams")
    assert len(backend) == 0


def test_keys_are_stable_and_refuse_unplain_values(session: Session) -> None:
    first = cache.make_key(session, Hero, "get_rows", page=1, page_size=10)
    assert first == cache.make_key(session, Hero, "get_rows", page_size=10, page=1)
    assert first != cache.make_key(session, Hero, "get_rows", page=2, page_size=10)
    assert len(first) == 64

    class Custom(str):
        pass

    from sqlmodel import select

    stmt = select(Hero).where(Hero.name == "x")
    assert cache.statement_key(session, Hero, "qb.all", stmt) is not None
    odd = select(Hero).where(Hero.name == Custom("x"))
    assert cache.statement_key(session, Hero, "qb.all", odd) is None
    assert cache.DEFAULT_TTL == 60.0
