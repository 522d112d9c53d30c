"""Callers that mock the session keep seeing upstream's call pattern.

These tests use session doubles on purpose: the contract is about which session
methods the helpers call and how often, which is what such callers assert.
"""

import asyncio
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync, sync
from tests.models import Hero


def test_insert_data_rows_fallback_counts(monkeypatch: Any) -> None:
    session = MagicMock(spec=Session)
    session.commit.side_effect = [RuntimeError("bulk"), None, RuntimeError("row")]
    logger = MagicMock()
    monkeypatch.setattr(sync, "logger", logger)
    rows = [Hero(name="a", secret_name="a"), Hero(name="b", secret_name="b")]
    ok, outcome = sync.insert_data_rows(rows, session)
    assert ok is True
    assert outcome == {"success": [rows[0]], "failed": [rows[1]]}
    assert session.add_all.call_count == 1
    assert session.commit.call_count == 3
    assert session.rollback.call_count == 2
    assert session.add.call_count == 2
    assert logger.error.call_count == 2
    assert logger.info.call_count == 1
    assert all(isinstance(call.args[0], str) for call in logger.error.call_args_list)


def test_get_row_issues_one_exec_and_one_one_or_none() -> None:
    session = MagicMock(spec=Session)
    session.exec.return_value.one_or_none.return_value = None
    assert sync.get_row("1", session, Hero) == (False, None)
    assert session.exec.call_count == 1
    assert session.exec.return_value.one_or_none.call_count == 1


def test_write_row_failure_counts(monkeypatch: Any) -> None:
    session = MagicMock(spec=Session)
    session.commit.side_effect = RuntimeError("boom")
    logger = MagicMock()
    monkeypatch.setattr(sync, "logger", logger)
    assert sync.write_row(Hero(name="a", secret_name="a"), session) == (False, None)
    assert session.rollback.call_count == 1
    assert logger.error.call_count == 1


def test_async_delete_row_awaits_delete() -> None:
    session = AsyncMock(spec=AsyncSession)
    hero = Hero(id=1, name="a", secret_name="a")
    result = MagicMock()
    result.one_or_none.return_value = hero
    session.exec.return_value = result
    assert asyncio.run(a_sync.delete_row(1, session, Hero)) is True
    session.delete.assert_awaited_once_with(hero)
    session.commit.assert_awaited_once()


def test_rebound_upsert_call_chain(monkeypatch: Any) -> None:
    session = MagicMock(spec=Session)
    construct = MagicMock()
    monkeypatch.setattr(sync, "upsert", construct)
    payload = [{"id": 1, "name": "a", "secret_name": "s"}]
    ok, rows = sync.bulk_upsert_mappings(payload, session, Hero)
    assert ok is True
    construct.assert_called_once_with(Hero)
    values = construct.return_value.values
    values.assert_called_once()
    assert values.call_args.args[0] is payload
    conflict = values.return_value.on_conflict_do_update
    conflict.assert_called_once()
    assert conflict.call_args.kwargs["index_elements"] == [Hero.id]
    assert set(conflict.call_args.kwargs["set_"]) == {"id", "name", "secret_name"}
    conflict.return_value.returning.assert_called_once_with(Hero)
    session.scalars.assert_called_once()
    assert session.scalars.call_args.kwargs["execution_options"] == {"populate_existing": True}
    session.scalars.return_value.all.assert_called_once()
    assert session.commit.call_count == 1
    assert rows == session.scalars.return_value.all.return_value
