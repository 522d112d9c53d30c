"""Conversion of string input to a column's Python type.

Query strings, path parameters and CSV files deliver text.  PostgreSQL drivers
reject ``'7'`` for an integer column, and comparing text with numbers gives
wrong answers on SQLite, so string values are converted by the column's type
before they are bound.  Text columns never convert; values that do not parse
are passed through unchanged (the database then reports the mismatch).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column
from sqlalchemy.sql.elements import ColumnElement

_INT = re.compile(r"^[+-]?\d+$")
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
_BOOL_WORDS = dict.fromkeys(TRUE_WORDS, True) | dict.fromkeys(FALSE_WORDS, False)


def parse_bool(value: Any) -> bool | None:
    """Read ``value`` as a boolean word, or return ``None`` when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        return _BOOL_WORDS.get(value.strip().lower())
    return None


def python_type(column: Any) -> type | None:
    """Return the Python type a column holds, or ``None`` when unknown."""
    col_type = getattr(column, "type", None)
    for candidate in (col_type, getattr(col_type, "impl_instance", None)):
        if candidate is None:
            continue
        try:
            found = candidate.python_type
        except (NotImplementedError, AttributeError):
            continue
        if isinstance(found, type) and found is not object:
            return found
    return None


def stores_naive(column: Any) -> bool:
    """Whether a datetime column stores values without a UTC offset."""
    col_type = getattr(column, "type", None)
    return getattr(col_type, "timezone", False) is False


def _parse_datetime(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        from dateutil import parser as date_parser

        try:
            value = date_parser.parse(text)
        except (ValueError, OverflowError):
            return None
    return value


def _to_datetime(text: str, column: Any) -> Any:
    value = _parse_datetime(text)
    if value is None:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    if stores_naive(column):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _to_date(text: str) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        value = _parse_datetime(text)
        return value.date() if value is not None else text


def _parse(text: str, target: type, column: Any) -> Any:
    """Parse ``text`` as ``target``; raises ``ValueError`` when it does not parse."""
    if target is bool:
        parsed = parse_bool(text)
        if parsed is None:
            raise ValueError("expected true/false, 1/0, yes/no or on/off")
        return parsed
    if issubclass(target, int):
        if not _INT.match(text):
            raise ValueError("expected an integer")
        return int(text)
    if issubclass(target, float):
        return float(text)
    if issubclass(target, Decimal):
        return Decimal(text)
    if issubclass(target, uuid.UUID):
        return uuid.UUID(text)
    if issubclass(target, dt.datetime):
        value = _to_datetime(text, column)
        if isinstance(value, str):
            raise ValueError("expected an ISO 8601 date and time")
        return value
    if issubclass(target, dt.date):
        value = _to_date(text)
        if isinstance(value, str):
            raise ValueError("expected an ISO 8601 date")
        return value
    if issubclass(target, dt.time):
        return dt.time.fromisoformat(text)
    raise LookupError(target)


def coerce_value(
    column: Column[Any] | ColumnElement[Any] | Any, value: Any, *, strict: bool = False
) -> Any:
    """Convert a string ``value`` to the Python type of ``column``.

    Only ``str`` values are converted; text columns never.  Integers accept an
    optional sign; booleans accept ``true/false/1/0/yes/no/on/off``; naive
    datetime text is taken as UTC and made aware (or bound as naive UTC for
    columns that store naive values).

    Args:
        column: The column (or column expression) the value is compared with.
        value: The value to convert.
        strict: Raise instead of passing text that does not parse through.

    Returns:
        The converted value, or ``value`` itself (types without a parser, and
        unparseable text when not ``strict``).

    Raises:
        ValueError: ``strict`` and the text does not parse as the column's
            type, or ``strict`` and text is given for a binary column.
    """
    if not isinstance(value, str):
        return value
    target = python_type(column)
    if target is None or issubclass(target, str):
        return value
    if issubclass(target, bytes):
        if strict:
            raise ValueError("expected bytes for a binary column, got text")
        return value
    try:
        return _parse(value.strip(), target, column)
    except LookupError:
        return value
    except (ValueError, InvalidOperation, TypeError, OverflowError) as exc:
        if strict:
            reason = str(exc) if isinstance(exc, ValueError) and str(exc) else "unparseable"
            raise ValueError(f"cannot read {value!r} as {target.__name__}: {reason}") from exc
        return value


def _accepts(target: type, value: Any) -> bool:
    if issubclass(target, bool):
        return isinstance(value, (bool, int))
    if issubclass(target, (int, float, Decimal)):
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    if issubclass(target, dt.datetime):
        return isinstance(value, dt.datetime)
    if issubclass(target, dt.date):
        return isinstance(value, dt.date)
    if issubclass(target, dt.time):
        return isinstance(value, dt.time)
    if issubclass(target, uuid.UUID):
        return isinstance(value, uuid.UUID)
    if issubclass(target, bytes):
        return isinstance(value, (bytes, bytearray, memoryview))
    if issubclass(target, str):
        return isinstance(value, str)
    return True


def conform_value(column: Any, value: Any) -> Any:
    """Convert ``value`` for comparison with ``column`` or raise ``ValueError``.

    Text is parsed as with ``coerce_value(strict=True)``; numbers compared with
    a text column become text; other values must already be of the column's
    Python type (``None`` always passes).  Columns of unknown or container
    type accept anything.
    """
    value = coerce_value(column, value, strict=True)
    target = python_type(column)
    if value is None or target is None or issubclass(target, (dict, list)):
        return value
    if (
        issubclass(target, str)
        and isinstance(value, (int, float, Decimal))
        and not isinstance(value, bool)
    ):
        return str(value)
    if not _accepts(target, value):
        raise ValueError(
            f"expected a {target.__name__} value for this column, got {type(value).__name__}"
        )
    return value
