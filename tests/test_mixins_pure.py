"""Mixins, audit context and history building without a database."""

import asyncio
import datetime as dt
import math
import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import DateTime, Uuid, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils import audit, mixins, tracking
from sqlmodel_crud_utils._core.errors import translate_error
from sqlmodel_crud_utils.audit import (
    acting_as,
    current_user,
    enable_audit,
    reset_current_user,
    set_current_user,
)
from sqlmodel_crud_utils.exceptions import ConcurrencyError, SQLModelCRUDError
from sqlmodel_crud_utils.mixins import (
    AuditMixin,
    AwareUTCDateTime,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    VersionMixin,
    raise_on_conflict,
    uuid7,
)
from sqlmodel_crud_utils.tracking import TrackChangesMixin, record_bulk_changes

UTC = dt.timezone.utc
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


class PureAuditFirst(AuditMixin, SoftDeleteMixin, SQLModel, table=True):
    __tablename__ = "pure_audit_first"

    id: int | None = Field(default=None, primary_key=True)


class PureAuditLast(SQLModel, AuditMixin, SoftDeleteMixin, table=True):
    __tablename__ = "pure_audit_last"

    id: int | None = Field(default=None, primary_key=True)


class PureStamped(TimestampMixin, SQLModel, table=True):
    __tablename__ = "pure_stamped"

    id: int | None = Field(default=None, primary_key=True)


class PureKeyed(UUIDPrimaryKeyMixin, VersionMixin, TrackChangesMixin, SQLModel, table=True):
    __tablename__ = "pure_keyed"
    __track_exclude__ = ("hidden",)

    name: str = ""
    hidden: str = ""
    amount: Decimal | None = None
    seen: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize("model", [PureAuditFirst, PureAuditLast])
def test_audit_and_soft_delete_columns(model: Any) -> None:
    columns = model.__table__.c
    assert isinstance(columns.created_at.type, UTCDateTime)
    assert columns.created_at.nullable is False
    assert columns.created_at.index is True
    assert isinstance(columns.updated_at.type, UTCDateTime)
    assert columns.updated_at.nullable is True
    assert columns.updated_at.onupdate is not None
    assert columns.created_by.type.length == 100
    assert columns.updated_by.type.length == 100
    assert isinstance(columns.deleted_at.type, UTCDateTime)
    assert columns.deleted_at.index is True
    assert columns.deleted_by.type.length == 100
    assert columns.is_deleted.index is True
    row = model()
    assert row.created_at.tzinfo is UTC
    assert (row.updated_at, row.created_by, row.updated_by) == (None, None, None)
    assert (row.is_deleted, row.deleted_at, row.deleted_by) == (False, None, None)
    row.soft_delete()
    assert row.is_deleted is True
    assert row.deleted_at is not None
    assert row.deleted_at.tzinfo is UTC
    assert row.deleted_by is None
    row.restore()
    assert (row.is_deleted, row.deleted_at, row.deleted_by) == (False, None, None)


def test_timestamp_mixin_columns_are_not_fields() -> None:
    columns = PureStamped.__table__.c
    for name in ("created_at", "updated_at"):
        assert isinstance(columns[name].type, DateTime)
        assert columns[name].type.timezone is True
        assert columns[name].server_default is not None
        assert columns[name].nullable is False
        assert name not in PureStamped.model_fields
    assert columns.updated_at.onupdate is not None
    assert columns.created_at.onupdate is None
    assert PureStamped().model_dump() == {"id": None}


def test_uuid_and_version_columns() -> None:
    table = PureKeyed.__table__
    assert isinstance(table.c.id.type, Uuid)
    assert table.c.id.primary_key is True
    assert PureKeyed.__mapper__.version_id_col is table.c.version
    assert isinstance(PureKeyed().id, uuid.UUID)
    assert PureKeyed().version == 1


# --------------------------------------------------------------------------- types


def test_utc_datetime_binds_naive_utc_and_returns_as_stored() -> None:
    kind = UTCDateTime()
    dialect = sqlite.dialect()
    aware = dt.datetime(2024, 1, 1, 12, 0, tzinfo=PLUS_TWO)
    assert kind.process_bind_param(aware, dialect) == dt.datetime(2024, 1, 1, 10, 0)
    naive = dt.datetime(2024, 1, 1, 12, 0)
    assert kind.process_bind_param(naive, dialect) is naive
    assert kind.process_bind_param(None, dialect) is None
    assert kind.process_result_value(naive, dialect) is naive
    assert kind.cache_ok is True


def test_aware_utc_datetime_per_dialect() -> None:
    kind = AwareUTCDateTime()
    aware = dt.datetime(2024, 1, 1, 12, 0, tzinfo=PLUS_TWO)
    naive = dt.datetime(2024, 1, 1, 12, 0)
    assert kind.process_bind_param(aware, sqlite.dialect()) == dt.datetime(2024, 1, 1, 10, 0)
    bound = kind.process_bind_param(aware, postgresql.dialect())
    assert bound == aware
    assert bound is not None
    assert bound.tzinfo is UTC
    assert kind.process_bind_param(naive, postgresql.dialect()) == naive.replace(tzinfo=UTC)
    assert kind.process_bind_param(None, sqlite.dialect()) is None
    assert kind.process_result_value(naive, sqlite.dialect()) == naive.replace(tzinfo=UTC)
    result = kind.process_result_value(aware, postgresql.dialect())
    assert result is not None
    assert result.tzinfo is UTC
    assert kind.process_result_value(None, sqlite.dialect()) is None


# --------------------------------------------------------------------------- UUIDv7


def test_uuid7_fallback_layout_and_order() -> None:
    before_ms = dt.datetime.now(UTC).timestamp() * 1000
    values = [mixins._uuid7_fallback() for _ in range(5000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    first = values[0]
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert abs((first.int >> 80) - before_ms) < 5000


def test_uuid7_fallback_survives_clock_going_back(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([2_000_000_000_000_000_000, 1_000_000_000_000_000_000])
    monkeypatch.setattr(mixins.time, "time_ns", lambda: next(clock))
    later = mixins._uuid7_fallback()
    earlier_clock = mixins._uuid7_fallback()
    assert earlier_clock > later
    assert earlier_clock.int >> 80 == later.int >> 80


def test_uuid7_counter_overflow_moves_to_next_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mixins.time, "time_ns", lambda: 3_000_000_000_000_000_000)
    first = mixins._uuid7_fallback()
    monkeypatch.setattr(mixins, "_uuid7_last_counter", mixins._UUID7_COUNTER_MAX)
    second = mixins._uuid7_fallback()
    assert second > first
    assert (second.int >> 80) == (first.int >> 80) + 1


def test_uuid7_prefers_the_standard_library(monkeypatch: pytest.MonkeyPatch) -> None:
    marker = uuid.UUID(int=7)
    monkeypatch.setattr(uuid, "uuid7", lambda: marker, raising=False)
    assert uuid7() is marker
    monkeypatch.delattr(uuid, "uuid7")
    assert uuid7().version == 7


# --------------------------------------------------------------------------- conflicts


def test_stale_data_error_becomes_concurrency_error() -> None:
    stale = StaleDataError("UPDATE statement on table 'docs' expected to update 1 row(s)")
    translated = translate_error(stale)
    assert isinstance(translated, ConcurrencyError)
    assert isinstance(translated, SQLModelCRUDError)
    assert translated.original_error is stale
    assert translated.__cause__ is stale
    with pytest.raises(ConcurrencyError) as info, raise_on_conflict():
        raise stale
    assert info.value.__cause__ is stale
    with pytest.raises(ValueError), raise_on_conflict():
        raise ValueError("other errors pass through")


# --------------------------------------------------------------------------- audit context


def test_set_and_reset_current_user() -> None:
    assert current_user() is None
    token = set_current_user("alice")
    try:
        assert current_user() == "alice"
        with acting_as("bob"):
            assert current_user() == "bob"
            with acting_as(None):
                assert current_user() is None
            assert current_user() == "bob"
        assert current_user() == "alice"
    finally:
        reset_current_user(token)
    assert current_user() is None


def test_current_user_is_per_thread_and_per_task() -> None:
    seen: dict[str, str | None] = {}

    def worker(name: str) -> None:
        with acting_as(name):
            barrier.wait()
            seen[name] = current_user()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=worker, args=(name,)) for name in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"t1": "t1", "t2": "t2"}

    async def task(name: str) -> str | None:
        with acting_as(name):
            await asyncio.sleep(0.01)
            return current_user()

    async def both() -> list[str | None]:
        return list(await asyncio.gather(task("a1"), task("a2")))

    assert asyncio.run(both()) == ["a1", "a2"]
    assert current_user() is None


def test_enable_audit_installs_one_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    enable_audit()
    monkeypatch.setattr(audit, "_installed", False)
    enable_audit()
    enable_audit()
    assert event.contains(Session, "before_flush", audit._fill_audit_columns)
    assert audit.audit_user_value("y" * 120) == "y" * 100
    assert audit.audit_user_value(None) is None
    assert audit.audit_user_value(42) == "42"


# --------------------------------------------------------------------------- bulk history


class _Holder:
    def __init__(self, info: Any) -> None:
        self.info = info


def test_record_bulk_changes_builds_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracking, "_registered", True)
    ident = uuid.uuid4()
    seen = dt.datetime(2024, 1, 1, tzinfo=UTC)
    entry = record_bulk_changes(
        _Holder({}),
        PureKeyed,
        "insert",
        [{"id": ident, "name": "n", "hidden": "h", "amount": Decimal("1.5"), "seen": seen}],
    )
    assert entry is not None
    (row,) = entry.parameters
    assert row["table_name"] == "pure_keyed"
    assert row["table_schema"] is None
    assert row["row_pk"] == str(ident)
    assert row["operation"] == "insert"
    assert row["changes"] == {
        "id": [None, str(ident)],
        "name": [None, "n"],
        "amount": [None, "1.5"],
        "seen": [None, str(seen)],
    }
    assert row["changed_at"].tzinfo is UTC
    assert row["changed_by"] is None
    assert entry.statement.table is tracking.change_history_table

    # Update without old values: old recorded as null, the key itself left out.
    with acting_as("ctx-user"):
        entry = record_bulk_changes(
            _Holder({}), PureKeyed, "update", [{"id": ident, "name": "m", "amount": math.nan}]
        )
    assert entry is not None
    assert entry.parameters[0]["changes"] == {"name": [None, "m"], "amount": [None, "nan"]}
    assert entry.parameters[0]["changed_by"] == "ctx-user"
    # Session info wins over the current user; an explicit author wins over both.
    with acting_as("ctx-user"):
        from_info = record_bulk_changes(
            _Holder({"changed_by": None}), PureKeyed, "delete", [{"id": ident}]
        )
        explicit = record_bulk_changes(
            _Holder({"changed_by": "info"}), PureKeyed, "delete", [{"id": ident}], "me"
        )
    assert from_info is not None
    assert from_info.parameters[0]["changed_by"] is None
    assert explicit is not None
    assert explicit.parameters[0]["changed_by"] == "me"


def test_record_bulk_changes_rejects_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracking, "_registered", True)
    holder = _Holder({})
    with pytest.raises(ValueError, match="operation"):
        record_bulk_changes(holder, PureKeyed, "upsert", [{"id": 1}])
    with pytest.raises(ValueError, match="old_rows"):
        record_bulk_changes(holder, PureKeyed, "update", [{"id": 1}], old_rows=[])
    with pytest.raises(ValueError, match="primary-key"):
        record_bulk_changes(holder, PureKeyed, "insert", [{"name": "no key"}])
    monkeypatch.setattr(tracking, "_registered", False)
    assert record_bulk_changes(holder, PureKeyed, "insert", [{"id": 1}]) is None
    assert tracking.is_tracked(PureKeyed) is False


def test_audit_values_for_bulk_statements() -> None:
    assert audit.audit_values(PureAuditFirst) == {}
    with acting_as("batch"):
        assert audit.audit_values(PureAuditFirst) == {"updated_by": "batch"}
        assert audit.audit_values(PureAuditFirst, inserting=True) == {
            "created_by": "batch",
            "updated_by": "batch",
        }
        assert audit.audit_values(PureStamped, inserting=True) == {}
        assert audit.audit_values(object()) == {}
