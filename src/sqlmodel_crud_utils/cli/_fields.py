"""The ``name:type[:modifier...]`` field syntax of ``table create``.

``default=VALUE`` is checked against the field's type before anything runs (see
:func:`_convert`): ``int`` a decimal integer, ``float`` a finite number, ``bool`` one of
``true false 1 0 yes no``, ``json`` a JSON value, ``date``, ``datetime`` and ``time`` ISO 8601
(``fromisoformat``; ``:`` separates modifiers, so times are written without colons), ``str`` and
``text`` any text without NUL. ``bytes`` fields take no default. A bad value is a usage error
(exit code 2) naming the field, the type and the value.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel_crud_utils.facade.common import Text

from ._project import CLIError

__all__ = ["TYPES", "FieldSpec", "parse_field"]

#: CLI type name -> (Python type given to the facade, source written into migrations).
TYPES: dict[str, tuple[Any, str]] = {
    "int": (int, "int"),
    "str": (str, "str"),
    "float": (float, "float"),
    "bool": (bool, "bool"),
    "bytes": (bytes, "bytes"),
    "text": (Text, "Text"),
    "json": (dict, "dict"),
    "datetime": (datetime.datetime, "datetime.datetime"),
    "date": (datetime.date, "datetime.date"),
    "time": (datetime.time, "datetime.time"),
}


@dataclass
class FieldSpec:
    """One parsed field."""

    name: str
    type_name: str
    nullable: bool = False
    unique: bool = False
    default: Any = None
    has_default: bool = False
    fk: tuple[str, ...] | None = None
    extra: list[str] = field(default_factory=list)

    @property
    def py_type(self) -> Any:
        """The type given to ``Table.create``."""
        return TYPES[self.type_name][0]

    @property
    def source(self) -> str:
        """The type as source code."""
        return TYPES[self.type_name][1]


#: The exit code of a bad ``default=VALUE``: a usage error (see the CLI's exit codes).
EXIT_USAGE = 2

#: What ``default=VALUE`` must look like, by type (shown in the error message).
_EXPECTED = {
    "int": "a decimal integer such as 42 or -7",
    "float": "a finite number such as 0.5 or -1e3",
    "bool": "one of true, false, 1, 0, yes, no",
    "json": "a JSON value such as [] or null",
    "datetime": "an ISO 8601 date and time such as 2024-01-31 or 2024-01-31T10",
    "date": "an ISO 8601 date such as 2024-01-31",
    "time": "an ISO 8601 time such as 10",
}

_INT_RE = re.compile(r"[+-]?[0-9]+")

_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _convert(name: str, type_name: str, text: str) -> Any:
    """Check ``default=text`` for a field of ``type_name`` and return the default to use.

    ``int``, ``float`` and ``bool`` become Python values; ``json`` must parse (``NaN`` and
    ``Infinity`` are not JSON) and is kept as written; ``date``, ``datetime`` and ``time`` must
    parse with ``fromisoformat`` (ISO 8601) and are kept in their canonical ISO form, the text
    the database stores. ``str`` and ``text`` take any text without NUL. ``bytes`` fields take
    no default: a text default would come back as text, not bytes, on SQLite.

    Raises:
        CLIError: With exit code 2, naming the field, the type and the value.
    """

    def bad(expected: str) -> CLIError:
        return CLIError(
            f"field {name!r}: default {text!r} is not a valid {type_name} ({expected})",
            EXIT_USAGE,
        )

    if "\x00" in text:
        raise bad("NUL characters are not allowed")
    if type_name == "bytes":
        raise CLIError(
            f"field {name!r}: default {text!r} is not allowed, bytes fields take no default",
            EXIT_USAGE,
        )
    expected = _EXPECTED.get(type_name, "")
    try:
        if type_name == "int":
            if not _INT_RE.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if type_name == "float":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
        if type_name == "bool":
            if text.lower() not in _BOOLS:
                raise ValueError(text)
            return _BOOLS[text.lower()]
        if type_name == "json":
            json.loads(text, parse_constant=_reject_constant)
            return text
        if type_name == "datetime":
            return datetime.datetime.fromisoformat(text).isoformat(sep=" ")
        if type_name == "date":
            return datetime.date.fromisoformat(text).isoformat()
        if type_name == "time":
            return datetime.time.fromisoformat(text).isoformat()
    except (ValueError, OverflowError) as exc:
        raise bad(expected) from exc
    return text


#: The modifier names; after ``default=``, a part that does not start with one belongs to the value.
MODIFIER_KEYS = frozenset({"unique", "nullable", "default", "fk"})


def _modifiers(parts: list[str]) -> list[str]:
    """The modifiers of a field spec, with colons inside a default value put back.

    ``at:time:default=12:30:00`` has the default ``12:30:00``: a part that
    follows ``default=...`` and does not start with a modifier name
    (``unique``, ``nullable``, ``default``, ``fk``) continues the value.
    """
    modifiers: list[str] = []
    for part in parts:
        key = part.partition("=")[0].lower()
        if modifiers and modifiers[-1].lower().startswith("default=") and key not in MODIFIER_KEYS:
            modifiers[-1] = f"{modifiers[-1]}:{part}"
        else:
            modifiers.append(part)
    return modifiers


def parse_field(text: str) -> FieldSpec:
    """Parse ``name:type[:unique|nullable|default=v|fk=table[.col]]...``.

    A default may contain colons (times, datetimes, JSON) as long as no part
    after a colon starts with a modifier name.

    Raises:
        CLIError: For a missing type, an unknown type or modifier (exit code 1), or a
            default that is not a valid value of the type (exit code 2).
    """
    parts = text.split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise CLIError(f"field {text!r} must look like name:type[:modifier]")
    name, type_name = parts[0], parts[1].lower()
    if type_name not in TYPES:
        raise CLIError(f"unknown type {parts[1]!r} in {text!r}; types: {', '.join(TYPES)}")
    spec = FieldSpec(name, type_name)
    for modifier in _modifiers(parts[2:]):
        key, sep, value = modifier.partition("=")
        key = key.lower()
        if key == "nullable" and not sep:
            spec.nullable = True
        elif key == "unique" and not sep:
            spec.unique = True
        elif key == "default" and sep:
            spec.default = _convert(name, type_name, value)
            spec.has_default = True
        elif key == "fk" and sep and value:
            spec.fk = tuple(value.split(".", 1))
        else:
            raise CLIError(
                f"unknown modifier {modifier!r} in {text!r}; "
                "use unique, nullable, default=VALUE or fk=TABLE[.COLUMN]"
            )
    return spec
