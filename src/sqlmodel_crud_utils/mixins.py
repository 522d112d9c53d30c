"""Reusable model mixins: audit columns, soft delete, timestamps, UUID keys, versions.

The mixins are plain classes (not ``SQLModel`` subclasses); put them before or
after ``SQLModel`` in the bases of a table model::

    class Note(AuditMixin, SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)

Every timestamp column pins its own SQLAlchemy type, so the mixins behave the
same whichever type the installed SQLModel would choose for a plain ``datetime``
(recent SQLModel versions pick a timezone-aware type that rejects naive values).

``created_by`` / ``updated_by`` are filled from the current user of
:mod:`sqlmodel_crud_utils.audit` when the application sets one.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, DateTime, Uuid, func
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import declared_attr
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from sqlmodel_crud_utils._core.errors import translate_error

__all__ = [
    "AuditMixin",
    "AwareAuditMixin",
    "AwareSoftDeleteMixin",
    "AwareUTCDateTime",
    "SoftDeleteMixin",
    "TimestampMixin",
    "UTCDateTime",
    "UUIDPrimaryKeyMixin",
    "VersionMixin",
    "raise_on_conflict",
    "utc_now",
    "uuid7",
]

_UTC = dt.timezone.utc


def utc_now() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(_UTC)


# --------------------------------------------------------------------------- #
# Column types
# --------------------------------------------------------------------------- #


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A ``DateTime`` column storing UTC without an offset.

    Aware values are converted to UTC and bound without their offset; naive
    values and ``None`` are bound unchanged. Results come back as stored, so
    values read from the database are naive (UTC).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.utcoffset() is not None:
            return value.astimezone(_UTC).replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return value


class AwareUTCDateTime(TypeDecorator[dt.datetime]):
    """A ``DateTime(timezone=True)`` column that always returns aware UTC values.

    Aware values are converted to UTC; naive values are taken to be UTC. On
    PostgreSQL the column is ``TIMESTAMP WITH TIME ZONE``; on SQLite (which has
    no time-zone type) the UTC value is stored without an offset. Either way,
    values read back are aware and in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        aware = value.replace(tzinfo=_UTC) if value.utcoffset() is None else value.astimezone(_UTC)
        if dialect.name == "sqlite":
            return aware.replace(tzinfo=None)
        return aware

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=_UTC)
        return value.astimezone(_UTC)


# --------------------------------------------------------------------------- #
# Audit and soft delete
# --------------------------------------------------------------------------- #


class AuditMixin:
    """``created_at`` / ``updated_at`` timestamps and ``created_by`` / ``updated_by``.

    ``created_at`` defaults to aware UTC now; ``updated_at`` is set to aware UTC
    now by every ORM or Core ``UPDATE`` of the row (a column ``onupdate``).
    Both use :class:`UTCDateTime`: aware before a round trip, naive UTC after it.
    Use :class:`AwareAuditMixin` for values that stay aware.

    ``created_by`` (on insert) and ``updated_by`` (on insert and update) are
    filled from :func:`~sqlmodel_crud_utils.audit.current_user` when one is set
    and the value was not given; bulk statements do not fill them.
    """

    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=True
    )
    updated_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utc_now}
    )
    created_by: str | None = Field(default=None, max_length=100)
    updated_by: str | None = Field(default=None, max_length=100)


class AwareAuditMixin:
    """:class:`AuditMixin` with :class:`AwareUTCDateTime` columns (aware after a round trip)."""

    created_at: dt.datetime = Field(
        default_factory=utc_now, sa_type=AwareUTCDateTime, nullable=False, index=True
    )
    updated_at: dt.datetime | None = Field(
        default=None, sa_type=AwareUTCDateTime, sa_column_kwargs={"onupdate": utc_now}
    )
    created_by: str | None = Field(default=None, max_length=100)
    updated_by: str | None = Field(default=None, max_length=100)


class _SoftDeleteMethods:
    """``soft_delete`` / ``restore``, shared by the two soft-delete mixins."""

    is_deleted: bool
    deleted_at: dt.datetime | None
    deleted_by: str | None

    def soft_delete(self, user: str | None = None) -> None:
        """Mark the row deleted, in memory only (save it to persist the change).

        Args:
            user: Who deleted it, stored in ``deleted_by``.
        """
        self.is_deleted = True
        self.deleted_at = utc_now()
        self.deleted_by = user

    def restore(self) -> None:
        """Clear the deletion marks, in memory only (save it to persist the change)."""
        self.is_deleted = False
        self.deleted_at = None
        self.deleted_by = None


class SoftDeleteMixin(_SoftDeleteMethods):
    """``deleted_at``, ``deleted_by`` and ``is_deleted`` columns for soft deletes.

    Reads are not filtered automatically: pass ``is_deleted=False`` to
    ``get_rows`` (or a ``where``) to leave deleted rows out.
    """

    deleted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    deleted_by: str | None = Field(default=None, max_length=100)
    is_deleted: bool = Field(default=False, index=True)


class AwareSoftDeleteMixin(_SoftDeleteMethods):
    """:class:`SoftDeleteMixin` with an :class:`AwareUTCDateTime` ``deleted_at``."""

    deleted_at: dt.datetime | None = Field(default=None, sa_type=AwareUTCDateTime, index=True)
    deleted_by: str | None = Field(default=None, max_length=100)
    is_deleted: bool = Field(default=False, index=True)


class TimestampMixin:
    """Database-generated ``created_at`` / ``updated_at`` columns.

    Both are ``DateTime(timezone=True)`` with ``server_default=now()``;
    ``updated_at`` also has ``onupdate=now()``. They are mapped columns, not
    pydantic fields: absent from ``model_fields`` and ``model_dump()``, and
    known only after the row is read back.
    """

    @declared_attr
    def created_at(cls):  # type: ignore[no-untyped-def]
        return Column(DateTime(timezone=True), server_default=func.now(), nullable=False)

    @declared_attr
    def updated_at(cls):  # type: ignore[no-untyped-def]
        return Column(
            DateTime(timezone=True),
            server_default=func.now(),
            onupdate=func.now(),
            nullable=False,
        )


# --------------------------------------------------------------------------- #
# UUID primary keys
# --------------------------------------------------------------------------- #

_UUID7_LOCK = threading.Lock()
_UUID7_COUNTER_BITS = 42
_UUID7_COUNTER_MAX = (1 << _UUID7_COUNTER_BITS) - 1
_UUID7_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_uuid7_last_ms = -1
_uuid7_last_counter = 0


def _fresh_counter() -> int:
    # A random start with the top bit clear leaves room to count up within one millisecond.
    return int.from_bytes(os.urandom(6), "big") & (_UUID7_COUNTER_MAX >> 1)


def _uuid7_fallback() -> uuid.UUID:
    """A UUIDv7 (RFC 9562), monotonic within the process.

    Layout: 48-bit Unix time in milliseconds, version 7, a 42-bit counter (12
    bits in ``rand_a``, 30 at the top of ``rand_b``) seeded randomly each new
    millisecond and incremented within one, then 32 random bits.
    """
    global _uuid7_last_ms, _uuid7_last_counter
    with _UUID7_LOCK:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _uuid7_last_ms:
            counter = _fresh_counter()
        else:
            # Same millisecond, or the clock went back: keep the order.
            now_ms = _uuid7_last_ms
            counter = _uuid7_last_counter + 1
            if counter > _UUID7_COUNTER_MAX:
                now_ms += 1
                counter = _fresh_counter()
        _uuid7_last_ms, _uuid7_last_counter = now_ms, counter
    tail = int.from_bytes(os.urandom(4), "big")
    value = (now_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= (counter >> 30) << 64
    value |= (counter & 0x3FFF_FFFF) << 32
    value |= tail
    return uuid.UUID(int=value | _UUID7_VERSION_AND_VARIANT)


def uuid7() -> uuid.UUID:
    """Return a time-ordered UUID (version 7): ``uuid.uuid7()`` where Python has it."""
    native = getattr(uuid, "uuid7", None)
    if native is not None:
        result: uuid.UUID = native()
        return result
    return _uuid7_fallback()


class UUIDPrimaryKeyMixin:
    """An ``id`` primary key holding a time-ordered UUIDv7, generated client-side.

    Keys created later sort after earlier ones (within one process even in the
    same millisecond), which keeps B-tree inserts local, and the key is known
    before the row is flushed.
    """

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True, sa_type=Uuid)


# --------------------------------------------------------------------------- #
# Optimistic locking
# --------------------------------------------------------------------------- #


class VersionMixin:
    """Optimistic locking: an integer ``version`` the ORM checks and increments.

    Every ORM ``UPDATE`` / ``DELETE`` of the row includes ``WHERE version = <the
    version read>`` and sets ``version + 1``; when another writer changed the
    row first, no row matches and the flush fails with SQLAlchemy's
    ``StaleDataError`` instead of overwriting the other change. The CRUD
    helpers raise it as :class:`~sqlmodel_crud_utils.exceptions.ConcurrencyError`
    with ``raise_on_error=True``; around a plain ``commit()`` / ``flush()`` use
    :func:`raise_on_conflict`.

    The model's ``__mapper_args__`` come from this mixin; a model that defines
    its own must add ``"version_id_col": cls.__table__.c.version`` itself.
    Bulk statements do not check or increment the version.
    """

    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        table: Any = cls.__table__  # type: ignore[attr-defined]
        return {"version_id_col": table.c.version}


@contextmanager
def raise_on_conflict() -> Iterator[None]:
    """Raise a version conflict inside the block as ``ConcurrencyError``.

    Wrap a ``commit()`` or ``flush()`` (awaited or not)::

        with raise_on_conflict():
            session.commit()

    The session must then be rolled back before it is used again, as after any
    failed flush.

    Raises:
        ConcurrencyError: a row of a :class:`VersionMixin` model was changed by
            someone else since it was read (chained from ``StaleDataError``).
    """
    try:
        yield
    except StaleDataError as exc:
        raise translate_error(exc) from exc
