"""get_change_history reads the change_history table."""

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils.exceptions import QueryExecutionError
from sqlmodel_crud_utils.tracking import HISTORY_METADATA, change_history_table, format_row_pk
from tests import support
from tests.models import Hero, Team

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)


async def test_get_change_history(session: AsyncSession, engine: AsyncEngine) -> None:
    await support.async_create_tables(engine, HISTORY_METADATA)
    rows = [
        {
            "table_name": "heroes",
            "row_pk": "7",
            "operation": "insert",
            "changes": {"name": [None, "A"]},
        },
        {
            "table_name": "heroes",
            "row_pk": "7",
            "operation": "update",
            "changes": {"name": ["A", "B"]},
        },
        {"table_name": "heroes", "row_pk": "8", "operation": "insert", "changes": {}},
        {"table_name": "teams", "row_pk": "7", "operation": "insert", "changes": {}},
    ]
    async with engine.begin() as conn:
        await conn.execute(
            change_history_table.insert(),
            [{**row, "changed_at": WHEN, "changed_by": "alice"} for row in rows],
        )
    ok, history = await crud.get_change_history(session, Hero, "7")
    assert ok is True
    assert [entry["operation"] for entry in history] == ["insert", "update"]
    assert history[1]["changes"] == {"name": ["A", "B"]}
    assert history[0]["changed_by"] == "alice"
    assert set(history[0]) == {
        "id",
        "table_name",
        "table_schema",
        "row_pk",
        "operation",
        "changes",
        "changed_at",
        "changed_by",
    }
    assert await crud.get_change_history(session, Team, 99) == (True, [])
    assert format_row_pk((1, "a")) == "1,a"


async def test_get_change_history_without_table(session: AsyncSession) -> None:
    assert await crud.get_change_history(session, Hero, 1) == (False, [])
    # The session is usable afterwards (PostgreSQL would otherwise be aborted).
    assert await crud.get_rows(session, Hero) == (False, [])
    with pytest.raises(QueryExecutionError):
        await crud.get_change_history(session, Hero, 1, raise_on_error=True)
