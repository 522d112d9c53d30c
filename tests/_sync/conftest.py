# This file is generated from tests/_async/conftest.py by scripts/unasync.py. Do not edit it by hand.
"""Fixtures: an engine and a session per backend (SQLite file, SQLite memory, PostgreSQL)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from sqlmodel_crud_utils import DBConfig, create_engine_from_config
from tests.support import BACKENDS, attach_search_path, backend, create_tables


@pytest.fixture(params=BACKENDS)
def engine(request: Any, tmp_path: Path) -> Iterator[Engine]:
    with backend(request.param, tmp_path) as (url, schema):
        eng = create_engine_from_config(DBConfig(url=url))
        if schema:
            attach_search_path(eng, schema)
        create_tables(eng)
        try:
            yield eng
        finally:
            eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as db_session:
        yield db_session


@pytest.fixture
def other_session(engine: Engine) -> Iterator[Session]:
    """A second, independent session on the same database."""
    with Session(engine) as db_session:
        yield db_session
