"""The ``name:type[:modifier...]`` field syntax of ``table create``."""

from __future__ import annotations

import datetime
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


def _convert(type_name: str, text: str) -> Any:
    try:
        if type_name == "int":
            return int(text)
        if type_name == "float":
            return float(text)
    except ValueError as exc:
        raise CLIError(f"default {text!r} is not a valid {type_name}") from exc
    if type_name == "bool":
        if text.lower() not in {"true", "false", "1", "0", "yes", "no"}:
            raise CLIError(f"default {text!r} is not a valid bool")
        return text.lower() in {"true", "1", "yes"}
    return text


def parse_field(text: str) -> FieldSpec:
    """Parse ``name:type[:unique|nullable|default=v|fk=table[.col]]...``.

    Raises:
        CLIError: For a missing type, an unknown type or modifier.
    """
    parts = text.split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise CLIError(f"field {text!r} must look like name:type[:modifier]")
    name, type_name = parts[0], parts[1].lower()
    if type_name not in TYPES:
        raise CLIError(f"unknown type {parts[1]!r} in {text!r}; types: {', '.join(TYPES)}")
    spec = FieldSpec(name, type_name)
    for modifier in parts[2:]:
        key, sep, value = modifier.partition("=")
        key = key.lower()
        if key == "nullable" and not sep:
            spec.nullable = True
        elif key == "unique" and not sep:
            spec.unique = True
        elif key == "default" and sep:
            spec.default = _convert(type_name, value)
            spec.has_default = True
        elif key == "fk" and sep and value:
            spec.fk = tuple(value.split(".", 1))
        else:
            raise CLIError(
                f"unknown modifier {modifier!r} in {text!r}; "
                "use unique, nullable, default=VALUE or fk=TABLE[.COLUMN]"
            )
    return spec
