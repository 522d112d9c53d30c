# This file is generated from tests/_async/conftest_facade.py by scripts/unasync.py. Do not edit it by hand.
"""Opening a facade database on each test backend (SQLite file, SQLite memory, PostgreSQL)."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlmodel_crud_utils import create_engine_from_config
from sqlmodel_crud_utils.facade import Database
from tests.support import attach_search_path, backend

#: Rewritten to ``False`` in the generated sync twin of this module.
_ASYNC_TWIN = False


@contextlib.contextmanager
def open_facade(name: str, tmp_path: Path) -> Iterator[Database]:
    """Yield an opened database; on PostgreSQL it works in a schema of its own."""
    with backend(name, tmp_path) as (url, schema):
        engine = None
        if schema:
            engine = create_engine_from_config(url)
            attach_search_path(engine, schema)
            database = Database(engine)
        else:
            database = Database(url)
        try:
            with database:
                yield database
        finally:
            if engine is not None:
                engine.dispose()
