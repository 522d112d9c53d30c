"""Race-safe get-or-create: 20 concurrent callers for one key leave exactly one row."""

from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from tests import support
from tests.models import Team

CALLERS = 20


async def team_count(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return (await session.exec(select(func.count()).select_from(Team))).one()


@pytest.mark.parametrize("helper", ["get_or_create", "get_one_or_create"])
async def test_concurrent_get_or_create_same_key(engine: AsyncEngine, helper: str) -> None:
    if support.is_memory(engine):
        pytest.skip("in-memory SQLite has one shared connection: no concurrent callers")

    async def caller(index: int) -> tuple[Any, bool]:
        async with AsyncSession(engine) as session:
            if helper == "get_or_create":
                row, created = await crud.get_or_create(
                    session, Team, defaults={"headquarters": f"hq-{index}"}, name="Hot"
                )
                return row.id, created
            row, existed = await crud.get_one_or_create(
                session, Team, create_method_kwargs={"headquarters": f"hq-{index}"}, name="Hot"
            )
            return row.id, not existed

    results = await support.async_run_concurrently(caller, CALLERS)
    ids = {row_id for row_id, _ in results}
    assert len(ids) == 1
    assert sum(1 for _, created in results if created) == 1
    assert await team_count(engine) == 1


async def test_get_or_create_flags(session: AsyncSession) -> None:
    row, created = await crud.get_or_create(session, Team, defaults={"headquarters": "x"}, name="A")
    assert created is True
    assert (row.name, row.headquarters) == ("A", "x")
    again, created = await crud.get_or_create(session, Team, name="A")
    assert created is False
    assert again.id == row.id


async def test_get_or_create_keeps_pending_work_of_the_caller(session: AsyncSession) -> None:
    session.add(Team(name="pending"))
    row, created = await crud.get_or_create(session, Team, name="other")
    assert created is True
    _, teams = await crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["other", "pending"]
    del row
