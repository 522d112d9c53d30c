"""Coroutine hooks run in the async twin and are a clear TypeError in the sync one."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import (
    a_sync,
    create_async_engine_from_config,
    create_engine_from_config,
    sync,
)
from sqlmodel_crud_utils.hooks import HookContext, register_hook
from tests import support
from tests.models import Team


@pytest.fixture(autouse=True)
def no_leftover_hooks() -> Iterator[None]:
    with support.isolated_hooks():
        yield


async def rename(ctx: HookContext) -> None:
    await asyncio.sleep(0)
    for team in ctx.rows:
        team.name = "renamed"


def test_coroutine_hook_in_async_twin(tmp_path: Path) -> None:
    register_hook(Team, "before_create", rename)

    async def main() -> str:
        engine = create_async_engine_from_config(f"sqlite:///{tmp_path / 'a.db'}")
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        async with AsyncSession(engine) as session:
            _, team = await a_sync.write_row(Team(name="x"), session)
        await engine.dispose()
        assert team is not None
        return team.name

    assert asyncio.run(main()) == "renamed"


def test_coroutine_hook_in_sync_twin_is_a_type_error(tmp_path: Path) -> None:
    register_hook(Team, "before_create", rename)
    engine = create_engine_from_config(f"sqlite:///{tmp_path / 's.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        with pytest.raises(TypeError, match="coroutine"):
            sync.write_row(Team(name="x"), session)
        assert sync.get_rows(session, Team) == (False, [])
    engine.dispose()
