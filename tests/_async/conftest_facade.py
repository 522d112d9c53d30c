"""Opening a facade database on each test backend (SQLite file, SQLite memory, PostgreSQL)."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlmodel_crud_utils import create_async_engine_from_config
from sqlmodel_crud_utils.facade import AsyncDatabase
from tests.support import attach_search_path, backend

#: Rewritten to ``False`` in the generated sync twin of this module.
_ASYNC_TWIN = True


@contextlib.asynccontextmanager
async def open_facade(name: str, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    """Yield an opened database; on PostgreSQL it works in a schema of its own."""
    with backend(name, tmp_path) as (url, schema):
        engine = None
        if schema:
            engine = create_async_engine_from_config(url)
            attach_search_path(engine, schema)
            database = AsyncDatabase(engine)
        else:
            database = AsyncDatabase(url)
        try:
            async with database:
                yield database
        finally:
            if engine is not None:
                await engine.dispose()
