"""A full disk: typed errors and nothing half-written.

SQLite's ``PRAGMA max_page_count`` (set on every pooled connection) makes a write hit
``SQLITE_FULL`` exactly as a full disk would; PostgreSQL's ``disk_full`` (SQLSTATE 53100) is
raised by the server itself from a ``DO`` block. No driver is mocked.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, func, select

from sqlmodel_crud_utils import DBConfig, create_engine_from_config, sync
from sqlmodel_crud_utils._core.errors import translate_error
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    QueryExecutionError,
    SQLModelCRUDError,
)
from sqlmodel_crud_utils.facade.sync import Database
from tests import support

#: Pages the database may grow by after its tables exist (4 KiB pages: about 80 KiB).
HEADROOM_PAGES = 20
ROW_BYTES = 4000


class Blob(SQLModel, table=True):
    __tablename__ = "disk_blobs"

    id: int | None = Field(default=None, primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


@pytest.fixture
def full_engine(tmp_path: Path) -> Iterator[Any]:
    """A SQLite file that can grow by :data:`HEADROOM_PAGES` pages, then reports SQLITE_FULL."""
    engine = create_engine_from_config(DBConfig(url=f"sqlite:///{tmp_path / 'full.db'}"))
    SQLModel.metadata.create_all(engine, tables=[Blob.__table__])
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    engine.dispose()

    @sa.event.listens_for(engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {int(pages) + HEADROOM_PAGES}")

    yield engine
    engine.dispose()


def stored(engine: Any) -> list[bytes]:
    with Session(engine) as session:
        return [bytes(b) for b in session.exec(select(Blob.data).order_by(Blob.id)).all()]


def assert_intact(engine: Any) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def assert_storage_full(error: BaseException) -> None:
    assert isinstance(error, QueryExecutionError), repr(error)
    assert str(error).startswith("Storage is full"), str(error)
    if sys.version_info >= (3, 11):
        assert error.sqlite_errorname == "SQLITE_FULL"


def blobs(count: int) -> list[bytes]:
    return [os.urandom(ROW_BYTES) for _ in range(count)]


def test_write_row_on_a_full_disk(full_engine: Any) -> None:
    with Session(full_engine) as session:
        with pytest.raises(SQLModelCRUDError) as info:
            sync.write_row(Blob(data=os.urandom(200_000)), session, raise_on_error=True)
        assert_storage_full(info.value)
        # Without raise_on_error: the documented failure shape, and the session stays usable.
        assert sync.write_row(Blob(data=os.urandom(200_000)), session) == (False, None)
        ok, row = sync.write_row(Blob(data=b"small"), session, raise_on_error=True)
        assert ok is True
        assert row is not None
    assert stored(full_engine) == [b"small"]
    assert_intact(full_engine)


def test_bulk_upsert_on_a_full_disk_keeps_nothing(full_engine: Any) -> None:
    payload = [{"id": i, "data": data} for i, data in enumerate(blobs(60), start=1)]
    with Session(full_engine) as session:
        with pytest.raises(BulkOperationError) as info:
            sync.bulk_upsert_mappings(payload, session, Blob, chunk_size=10, raise_on_error=True)
        assert_storage_full(translate_error(info.value.errors[0]))
        assert session.exec(select(func.count()).select_from(Blob)).one() == 0
        # The session and the database still work for a write that fits.
        ok, rows = sync.bulk_upsert_mappings(payload[:3], session, Blob, raise_on_error=True)
        assert (ok, len(rows)) == (True, 3)
    assert stored(full_engine) == [row["data"] for row in payload[:3]]
    assert_intact(full_engine)


def test_insert_data_rows_on_a_full_disk_keeps_whole_rows_only(full_engine: Any) -> None:
    data = blobs(60)
    with Session(full_engine) as session:
        with pytest.raises(BulkOperationError) as info:
            sync.insert_data_rows([Blob(data=d) for d in data], session, raise_on_error=True)
        assert info.value.errors
        assert_storage_full(translate_error(info.value.errors[-1]))
    kept = stored(full_engine)
    # The documented fallback saves the rows that fit, one by one; each is whole and in order.
    assert 0 < len(kept) < len(data)
    assert kept == data[: len(kept)]
    assert_intact(full_engine)


def test_facade_insert_all_on_a_full_disk_is_all_or_nothing(full_engine: Any) -> None:
    db = Database(full_engine)
    table = db.t.disk_blobs
    table.insert(data=b"before")
    with pytest.raises(SQLModelCRUDError) as info:
        table.insert_all([{"data": d} for d in blobs(60)], batch_size=7)
    assert_storage_full(info.value)
    assert [row["data"] for row in table(order_by="id")] == [b"before"]
    # Still writable once the failed call is gone.
    table.insert(data=b"after")
    assert table.count == 2
    assert_intact(full_engine)


def test_postgresql_disk_full_is_typed() -> None:
    support.require_postgres()
    engine = create_engine_from_config(DBConfig(url=support.PG_URL))
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as info:
            conn.exec_driver_sql(
                "DO $$ BEGIN RAISE EXCEPTION 'could not extend file' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
        error = translate_error(info.value)
        assert isinstance(error, QueryExecutionError)
        assert error.sqlstate == "53100"
        assert str(error).startswith("Storage is full")
        assert "could not extend file" in str(error)
    finally:
        engine.dispose()
