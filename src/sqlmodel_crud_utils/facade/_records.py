"""Records in and out of the facade: input normalisation and output shaping."""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import ValidationError

__all__ = ["make_dataclass_for", "pascal_case", "record_to_dict", "shape_row"]


def _is_model(obj: Any) -> bool:
    return hasattr(type(obj), "model_fields") and hasattr(obj, "model_dump")


def record_to_dict(record: Any) -> tuple[dict[str, Any], bool]:
    """Read a record as a dict.

    Args:
        record: A dict, a dataclass, a SQLModel/pydantic model or an object
            with a public ``__dict__``.

    Returns:
        ``(values, from_object)``; ``from_object`` is false for dicts, whose
        ``None`` values are kept.

    Raises:
        ValidationError: If the record cannot be read.
    """
    if record is None:
        return {}, False
    if isinstance(record, Mapping):
        return dict(record), False
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}, True
    if _is_model(record):
        fields = type(record).model_fields
        return {name: getattr(record, name) for name in fields}, True
    attrs = getattr(record, "__dict__", None)
    if isinstance(attrs, dict):
        return {k: v for k, v in attrs.items() if not k.startswith("_")}, True
    raise ValidationError(
        "a record must be a dict, a dataclass, a model or an object with attributes",
        field="record",
        value=type(record).__name__,
    )


def shape_row(row: Mapping[Any, Any], cls: type | None, as_cls: bool) -> Any:
    """Return a row as a dict, or as ``cls`` when it is a dataclass or a model."""
    data = dict(row)
    if not as_cls or cls is None:
        return data
    if dataclasses.is_dataclass(cls):
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        return cls(**{k: v for k, v in data.items() if k in names})
    if hasattr(cls, "model_fields"):
        fields = cls.model_fields
        values = {k: v for k, v in data.items() if k in fields}
        if getattr(cls, "__table__", None) is not None:
            return cls(**values)
        validate = getattr(cls, "model_validate", None)
        return validate(values) if validate is not None else cls(**values)
    return data


def pascal_case(name: str) -> str:
    """``order_item`` -> ``OrderItem`` (a valid identifier)."""
    parts = re.split(r"[^0-9A-Za-z]+", name)
    text = "".join(part[:1].upper() + part[1:] for part in parts if part)
    if not text or not text[0].isalpha():
        text = "T" + text
    return text


def python_type_of(column: sa.Column[Any]) -> Any:
    """The Python type a column holds, or ``Any``."""
    try:
        return column.type.python_type
    except (NotImplementedError, AttributeError):
        return Any


def field_name(name: str) -> str:
    """A valid Python identifier for a column name."""
    text = re.sub(r"\W", "_", name)
    if not text or text[0].isdigit():
        text = "_" + text
    if keyword.iskeyword(text):
        text += "_"
    return text


def make_dataclass_for(table: sa.Table, suf: str = "") -> type:
    """Build a PascalCase dataclass whose fields are ``T | None = None``."""
    fields = [
        (column.name, python_type_of(column) | None, dataclasses.field(default=None))
        for column in table.columns
        if column.name.isidentifier() and not keyword.iskeyword(column.name)
    ]
    return dataclasses.make_dataclass(pascal_case(table.name) + suf, fields)
