"""Pages and cursors: offset pages with totals, keyset pages with signed cursors.

Everything here is pure (no I/O): the page containers, the keyset predicates
and the opaque cursor strings.

Cursors are HMAC-SHA256 signed so that a client cannot alter them without the
change being detected.  The signing key is, in order of preference:

1. the key given to :func:`configure_cursor_secret` (call it once at start-up
   in every process of the application, with the same value);
2. the ``SCU_CURSOR_SECRET`` environment variable, read when a cursor is made
   or read;
3. a default derived from a fixed label.  It is the same in every process, so
   cursors stay valid across workers and restarts and accidental corruption is
   detected, but it is public: set a secret of your own when clients must not
   be able to forge cursors.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hashlib
import hmac
import json
import math
import os
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, false, or_, tuple_
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")

#: Environment variable read for the cursor key when none is configured.
CURSOR_SECRET_ENV = "SCU_CURSOR_SECRET"

_DEFAULT_LABEL = b"sqlmodel-crud-utilities/keyset-cursor/v1"
_configured_secret: bytes | None = None


class InvalidCursorError(ValueError):
    """A cursor string is malformed, was altered, or belongs to another ordering."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of an offset-paginated query.

    Attributes:
        items: The rows of this page.
        total: Rows matching the query, or ``None`` when counting was skipped.
        page: The 1-based page number.
        page_size: Rows per page.
        has_next: Whether a later page has rows.
        pages: Number of pages (``None`` when ``total`` is unknown).
    """

    items: list[T]
    total: int | None
    page: int
    page_size: int
    has_next: bool
    pages: int | None = field(init=False)

    def __post_init__(self) -> None:
        pages = None if self.total is None else math.ceil(self.total / self.page_size)
        object.__setattr__(self, "pages", pages)

    @property
    def has_prev(self) -> bool:
        """Whether an earlier page exists."""
        return self.page > 1


@dataclass(frozen=True)
class CursorPage(Generic[T]):
    """One page of a keyset-paginated query.

    Attributes:
        items: The rows of this page, in the query's order.
        next_cursor: Pass to ``after()`` for the following page (``None`` at the end).
        prev_cursor: Pass to ``before()`` for the preceding page (``None`` at the start).
    """

    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_next(self) -> bool:
        """Whether a following page exists."""
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        """Whether a preceding page exists."""
        return self.prev_cursor is not None


# --------------------------------------------------------------------------- #
# Cursor signing
# --------------------------------------------------------------------------- #


def configure_cursor_secret(secret: str | bytes | None) -> None:
    """Set the key that signs keyset cursors (``None`` restores the default).

    Use the same value in every process that serves the same clients, for
    example from the application's settings.

    Args:
        secret: The key; at least 16 bytes (a string is UTF-8 encoded).

    Raises:
        ValueError: the key is shorter than 16 bytes.
    """
    global _configured_secret
    if secret is None:
        _configured_secret = None
        return
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < 16:
        raise ValueError("the cursor secret must be at least 16 bytes long")
    _configured_secret = key


def cursor_secret() -> bytes:
    """The key cursors are signed with now (configured, environment or derived)."""
    if _configured_secret is not None:
        return _configured_secret
    env = os.environ.get(CURSOR_SECRET_ENV)
    if env:
        return env.encode("utf-8")
    return hashlib.sha256(_DEFAULT_LABEL).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(body: str) -> str:
    digest = hmac.new(cursor_secret(), body.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:18])


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"$f": repr(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, bytes):
        return {"$b": _b64(value)}
    if isinstance(value, enum.Enum):
        return _encode_value(value.value)
    raise ValueError(f"cannot put a {type(value).__name__} value into a cursor")


_DECODERS: dict[str, Any] = {
    "$f": float,
    "$dt": dt.datetime.fromisoformat,
    "$d": dt.date.fromisoformat,
    "$t": dt.time.fromisoformat,
    "$td": lambda parts: dt.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2]),
    "$dec": Decimal,
    "$uuid": uuid.UUID,
    "$b": _unb64,
}


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) != 1:
            raise InvalidCursorError("malformed cursor value")
        ((tag, raw),) = value.items()
        decoder = _DECODERS.get(tag)
        if decoder is None:
            raise InvalidCursorError(f"unknown cursor value tag {tag!r}")
        return decoder(raw)
    return value


def encode_cursor(values: Sequence[Any], ordering: str) -> str:
    """Make an opaque, signed cursor for a row position.

    Args:
        values: The row's values of the sort columns (primary key last).
        ordering: A fingerprint of the query's ordering (see :func:`ordering_fingerprint`).

    Returns:
        A URL-safe string.
    """
    payload = {"o": ordering, "v": [_encode_value(value) for value in values]}
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_signature(body)}"


def decode_cursor(cursor: str, ordering: str) -> list[Any]:
    """Check a cursor's signature and ordering and return its values.

    Args:
        cursor: A string made by :func:`encode_cursor`.
        ordering: The fingerprint the cursor must carry.

    Raises:
        InvalidCursorError: the cursor is malformed, altered or signed with
            another key, or was made for another ordering.
    """
    if not isinstance(cursor, str) or cursor.count(".") != 1:
        raise InvalidCursorError("malformed cursor")
    body, signature = cursor.split(".")
    if not hmac.compare_digest(signature, _signature(body)):
        raise InvalidCursorError("cursor signature does not match (altered or another key)")
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, binascii.Error) as exc:
        raise InvalidCursorError("malformed cursor") from exc
    if not isinstance(payload, dict) or payload.get("o") != ordering:
        raise InvalidCursorError("cursor was made for a different query ordering")
    values = payload.get("v")
    if not isinstance(values, list):
        raise InvalidCursorError("malformed cursor")
    try:
        return [_decode_value(value) for value in values]
    except (ValueError, TypeError, IndexError, binascii.Error) as exc:
        raise InvalidCursorError("malformed cursor value") from exc


# --------------------------------------------------------------------------- #
# Keyset predicates
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset ordering.

    Attributes:
        name: The attribute name (read from each row to build cursors).
        column: The column expression.
        desc: Descending order.
        nullable: Whether the column may hold NULL.
    """

    name: str
    column: Any
    desc: bool
    nullable: bool = True

    def reversed(self) -> SortKey:
        """The same key in the opposite direction."""
        return SortKey(self.name, self.column, not self.desc, self.nullable)


def ordering_fingerprint(model_name: str, keys: Sequence[SortKey]) -> str:
    """A short text that identifies an ordering, stored in its cursors."""
    text = model_name + "|" + ",".join(f"{key.name}:{'d' if key.desc else 'a'}" for key in keys)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def order_clause(key: SortKey) -> Any:
    """ORDER BY term for a key; NULL sorts after every value in ascending order.

    The NULL placement is explicit so both SQLite and PostgreSQL agree.
    """
    if key.desc:
        return key.column.desc().nulls_first()
    return key.column.asc().nulls_last()


def _equal(key: SortKey, value: Any) -> ColumnElement[bool]:
    if value is None:
        return key.column.is_(None)  # type: ignore[no-any-return]
    return key.column == value  # type: ignore[no-any-return]


def _strictly_after(key: SortKey, value: Any) -> ColumnElement[bool]:
    """Rows placed after ``value`` by ``order_clause(key)`` (NULL is the largest value)."""
    if key.desc:
        if value is None:
            return key.column.is_not(None)  # type: ignore[no-any-return]
        return key.column < value  # type: ignore[no-any-return]
    if value is None:
        return false()
    if key.nullable:
        return or_(key.column > value, key.column.is_(None))
    return key.column > value  # type: ignore[no-any-return]


#: Row values (``(a, b) > (?, ?)``) need SQLite 3.15; PostgreSQL and MySQL have them.
_ROW_VALUES = sqlite3.sqlite_version_info >= (3, 15, 0)


def _row_value_usable(keys: Sequence[SortKey], values: Sequence[Any]) -> bool:
    """Whether one row-value comparison selects exactly what the expanded form does.

    True when every key sorts the same way, no column can hold NULL and no
    value is NULL: then the keys' order is plain lexicographic order.  Databases
    use the row-value form as an index range (PostgreSQL starts the index scan
    at the position), where ``a > ? OR (a = ? AND b > ?)`` makes them scan from
    the filter's lower bound.
    """
    if not _ROW_VALUES or len(keys) < 2:
        return False
    direction = keys[0].desc
    return all(
        key.desc == direction and not key.nullable and value is not None
        for key, value in zip(keys, values, strict=True)
    )


def keyset_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """WHERE clause selecting the rows strictly after ``values`` in the keys' order.

    Args:
        keys: The ordering (its last key must be unique, e.g. the primary key).
        values: The position, one value per key.

    Raises:
        InvalidCursorError: the number of values does not match the keys.
    """
    if len(keys) != len(values):
        raise InvalidCursorError("cursor does not match the query ordering")
    if _row_value_usable(keys, values):
        position = tuple_(*(key.column for key in keys))
        bound = tuple_(*values)
        return position < bound if keys[0].desc else position > bound
    alternatives = []
    for index, key in enumerate(keys):
        equal_prefix = [_equal(keys[i], values[i]) for i in range(index)]
        alternatives.append(and_(*equal_prefix, _strictly_after(key, values[index])))
    return or_(*alternatives)


__all__ = [
    "CURSOR_SECRET_ENV",
    "CursorPage",
    "InvalidCursorError",
    "Page",
    "SortKey",
    "configure_cursor_secret",
    "cursor_secret",
    "decode_cursor",
    "encode_cursor",
    "keyset_condition",
    "order_clause",
    "ordering_fingerprint",
]
