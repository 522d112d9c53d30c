"""Fixtures: an engine and a session per backend (SQLite file, SQLite memory, PostgreSQL)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import DBConfig, create_async_engine_from_config
from tests.support import BACKENDS, async_create_tables, attach_search_path, backend


@pytest.fixture(params=BACKENDS)
async def engine(request: Any, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    with backend(request.param, tmp_path) as (url, schema):
        eng = create_async_engine_from_config(DBConfig(url=url))
        if schema:
            attach_search_path(eng, schema)
        await async_create_tables(eng)
        try:
            yield eng
        finally:
            await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(engine) as db_session:
        yield db_session


@pytest.fixture
async def other_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A second, independent session on the same database."""
    async with AsyncSession(engine) as db_session:
        yield db_session
