"""The ``get_rows`` filter grammar, sorting and loader options.

Keys are resolved in this order: a model column key means equality; otherwise
the key is split at its **last** ``__`` and a known operator suffix applies to
the column before it; otherwise a relationship name means equality through
``filter_by``.  Anything else is an error that lists the valid names, raised
before any SQL runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlalchemy.sql.elements import ColumnElement

from sqlmodel_crud_utils._core.coerce import FALSE_WORDS, conform_value, parse_bool, python_type
from sqlmodel_crud_utils.exceptions import (
    InvalidArgumentError,
    UnknownColumnError,
    UnknownFilterError,
)

#: Operator suffixes of the filter grammar, in documentation order.
OPERATORS: tuple[str, ...] = (
    "gte",
    "gt",
    "lte",
    "lt",
    "like",
    "ilike",
    "in",
    "not_in",
    "ne",
    "isnull",
    "startswith",
    "endswith",
    "between",
)

#: Keys that steer ``get_rows`` instead of filtering.
CONTROL_KEYS = ("sort_field", "sort_desc")


@dataclass
class FilterPlan:
    """What a set of filter keys turns into."""

    clauses: list[ColumnElement[bool]] = field(default_factory=list)
    by_attribute: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def model_name(model: Any) -> str:
    """Return a model's class name for messages."""
    return getattr(model, "__name__", str(model))


def column_keys(model: Any) -> dict[str, Any]:
    """Map each mapped column attribute key of ``model`` to its class attribute."""
    return dict(_column_keys(model))


@functools.lru_cache(maxsize=2048)
def _column_keys(model: Any) -> tuple[tuple[str, Any], ...]:
    mapper = sa_inspect(model)
    return tuple((prop.key, getattr(model, prop.key)) for prop in mapper.column_attrs)


def relationship_keys(model: Any) -> list[str]:
    """Return the relationship names of ``model``."""
    return [rel.key for rel in sa_inspect(model).relationships]


def writable_keys(model: Any) -> list[str]:
    """Attribute names ``update_row`` may set: columns, relationships and model fields."""
    return list(_writable_keys(model))


@functools.lru_cache(maxsize=2048)
def _writable_keys(model: Any) -> tuple[str, ...]:
    mapper = sa_inspect(model)
    keys = [prop.key for prop in mapper.attrs]
    keys.extend(name for name in getattr(model, "model_fields", {}) if name not in keys)
    return tuple(keys)


def column_attribute(model: Any, name: str, *, what: str = "column") -> Any:
    """Return the column attribute ``name`` of ``model`` or raise a clear error.

    Raises:
        UnknownColumnError: ``name`` is not a column (an ``AttributeError``).
    """
    for key, attribute in _column_keys(model):
        if key == name:
            return attribute
    columns = column_keys(model)
    raise UnknownColumnError(
        f"{name!r} is not a {what} of {model_name(model)}; valid columns: {', '.join(columns)}",
        field=name,
    )


def merge_filter_sources(
    kwargs: Mapping[str, Any], filters: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Combine ``**kwargs`` filters with the ``filters=`` mapping.

    Raises:
        ValueError: a key is given in both places.
    """
    merged = dict(kwargs)
    if filters:
        clash = sorted(set(merged) & set(filters))
        if clash:
            raise ValueError(
                f"filter key(s) {', '.join(clash)} given both as keyword and in filters=; use one"
            )
        merged.update(filters)
    return merged


_TEXT_OPERATORS = ("like", "ilike", "startswith", "endswith")
_CONTAINERS = (list, tuple, set, frozenset, dict)


def _holds_containers(column: Any) -> bool:
    target = python_type(column)
    return target is not None and issubclass(target, (dict, list))


def _coerce(key: str, column: Any, value: Any) -> Any:
    """Convert a filter value to the column's type, or raise a clear error naming the key."""
    if isinstance(value, _CONTAINERS) and not _holds_containers(column):
        raise InvalidArgumentError(
            "expected a single value; use __in / __not_in for several", field=key, value=value
        )
    try:
        return conform_value(column, value)
    except ValueError as exc:
        raise InvalidArgumentError(str(exc), field=key, value=value) from exc


def _comparable(key: str, column: Any, value: Any) -> Any:
    """A value for ``< <= > >= BETWEEN``: converted, and never ``None``."""
    if value is None or isinstance(value, bool):
        raise InvalidArgumentError(
            "expected a value to order by, not None/True/False", field=key, value=value
        )
    if _holds_containers(column):
        raise InvalidArgumentError("JSON columns cannot be ordered or ranged", field=key)
    return _coerce(key, column, value)


def _text_pattern(key: str, column: Any, value: Any) -> str:
    """The text of a ``LIKE``-family filter; only text columns take one."""
    target = python_type(column)
    if isinstance(getattr(column, "type", None), JSON):
        target = dict
    if target is not None and not issubclass(target, str):
        raise InvalidArgumentError(
            f"this operator needs a text column; the column holds {target.__name__}",
            field=key,
            value=value,
        )
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidArgumentError("expected text to match", field=key, value=value)
    return str(value)


def _iterable_values(
    key: str, value: Any, column: Any, plan: FilterPlan, strict: bool
) -> list[Any] | None:
    if value is None or isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        message = f"expected a list, tuple, set or other iterable of values, got {value!r}"
        if strict:
            raise InvalidArgumentError(message, field=key, value=value)
        plan.warnings.append(f"Ignoring filter {key}: {message}")
        return None
    return [_coerce(key, column, item) for item in value]


def _operator_clause(
    key: str, operator: str, column: Any, value: Any, plan: FilterPlan, strict: bool
) -> ColumnElement[bool] | None:
    if operator in ("in", "not_in"):
        values = _iterable_values(key, value, column, plan, strict)
        if values is None:
            return None
        return column.in_(values) if operator == "in" else column.not_in(values)  # type: ignore[no-any-return]
    if operator == "isnull":
        flag = parse_bool(value)
        if flag is None:
            raise InvalidArgumentError("expected true or false", field=key, value=value)
        return column.is_(None) if flag else column.is_not(None)  # type: ignore[no-any-return]
    if operator == "between":
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise InvalidArgumentError(
                "expected exactly two values (low, high)", field=key, value=value
            )
        bounds = list(value)
        if len(bounds) != 2:
            raise InvalidArgumentError(
                "expected exactly two values (low, high)", field=key, value=value
            )
        low, high = (_comparable(key, column, bound) for bound in bounds)
        return column.between(low, high)  # type: ignore[no-any-return]
    if operator in _TEXT_OPERATORS:
        text = _text_pattern(key, column, value)
        if operator == "like":
            return column.like(f"%{text}%")  # type: ignore[no-any-return]
        if operator == "ilike":
            return column.ilike(f"%{text}%")  # type: ignore[no-any-return]
        if operator == "startswith":
            return column.startswith(text, autoescape=True)  # type: ignore[no-any-return]
        return column.endswith(text, autoescape=True)  # type: ignore[no-any-return]
    if operator == "ne":
        coerced = _coerce(key, column, value)
        return column.is_not(None) if coerced is None else column != coerced  # type: ignore[no-any-return]
    comparisons = {
        "gte": column.__ge__,
        "gt": column.__gt__,
        "lte": column.__le__,
        "lt": column.__lt__,
    }
    return comparisons[operator](_comparable(key, column, value))  # type: ignore[no-any-return]


def _unknown_key(model: Any, key: str) -> UnknownFilterError:
    columns = ", ".join(column_keys(model))
    operators = ", ".join(f"__{op}" for op in OPERATORS)
    return UnknownFilterError(
        f"{key!r} is not a filter of {model_name(model)}: use a column ({columns}) "
        f"optionally followed by an operator ({operators})",
        field=key,
    )


def build_filters(model: Any, items: Mapping[str, Any], *, strict: bool = False) -> FilterPlan:
    """Turn filter keys into WHERE clauses for ``model``.

    Args:
        model: The mapped model class.
        items: Filter keys and values (control keys already removed).
        strict: Raise :class:`InvalidArgumentError` for unusable ``__in`` values
            instead of skipping them with a warning.

    Returns:
        The clauses to AND together, relationship equalities for
        ``filter_by`` and warnings to log.

    Raises:
        UnknownColumnError: a known operator follows an unknown column.
        UnknownFilterError: the key is neither a column, a column with an
            operator, nor a relationship.
        ValidationError: a value does not fit its operator.
    """
    plan = FilterPlan()
    columns = column_keys(model)
    for key, value in items.items():
        if key in columns:
            column = columns[key]
            coerced = _coerce(key, column, value)
            plan.clauses.append(column.is_(None) if coerced is None else column == coerced)
            continue
        prefix, sep, operator = key.rpartition("__")
        if sep and operator in OPERATORS:
            column = column_attribute(model, prefix)
            clause = _operator_clause(key, operator, column, value, plan, strict)
            if clause is not None:
                plan.clauses.append(clause)
            continue
        if key in relationship_keys(model):
            plan.by_attribute[key] = value
            continue
        raise _unknown_key(model, key)
    return plan


def parse_sort_desc(value: Any) -> bool:
    """Read ``sort_desc``: strings ``false/0/no/off/""`` (any case) are false."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS | {""}
    return bool(value)


def order_by_clauses(model: Any, sort_field: str | None, sort_desc: Any) -> list[Any]:
    """ORDER BY for ``get_rows``: the sort field, then the primary key for stable pages."""
    clauses: list[Any] = []
    descending = parse_sort_desc(sort_desc)
    sort_key = None
    if sort_field is not None:
        column = column_attribute(model, sort_field, what="sortable column")
        sort_key = sort_field
        clauses.append(column.desc() if descending else column.asc())
    for pk_column in sa_inspect(model).primary_key:
        attr = sa_inspect(model).get_property_by_column(pk_column).key
        if attr == sort_key:
            continue
        column = getattr(model, attr)
        clauses.append(column.desc() if descending else column.asc())
    return clauses


def as_name_list(names: str | Iterable[str] | None) -> list[str]:
    """A plain string is one name (not its characters); ``None`` is none."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def loader_options(
    model: Any, names: str | Iterable[str] | None, kind: str
) -> tuple[list[_AbstractLoad], list[str]]:
    """Loader options for relationship names; other names become warnings.

    Args:
        model: The mapped model class.
        names: Relationship names.
        kind: ``"selectin"`` or ``"lazy"``.
    """
    loader = selectinload if kind == "selectin" else lazyload
    relationships = relationship_keys(model)
    options: list[_AbstractLoad] = []
    warnings: list[str] = []
    for name in as_name_list(names):
        if name in relationships:
            options.append(loader(getattr(model, name)))
        else:
            warnings.append(
                f"Skipping {kind} loader for {name!r}: not a relationship of {model_name(model)} "
                f"(relationships: {', '.join(relationships) or 'none'})"
            )
    return options, warnings


def strict_loader_options(
    model: Any, names: str | Iterable[str] | None, kind: str
) -> list[_AbstractLoad]:
    """Loader options for ``get_row``: an unknown name raises ``AttributeError``."""
    loader = selectinload if kind == "selectin" else lazyload
    return [loader(getattr(model, name)) for name in as_name_list(names)]


def text_match(model: Any, text_field: str, value: Any) -> ColumnElement[bool]:
    """Full-text ``MATCH`` on ``text_field`` (PostgreSQL ``@@ plainto_tsquery``)."""
    return column_attribute(model, text_field).match(value)  # type: ignore[no-any-return]


__all__ = [
    "CONTROL_KEYS",
    "OPERATORS",
    "FilterPlan",
    "as_name_list",
    "build_filters",
    "column_attribute",
    "column_keys",
    "loader_options",
    "merge_filter_sources",
    "model_name",
    "order_by_clauses",
    "parse_sort_desc",
    "relationship_keys",
    "strict_loader_options",
    "text_match",
    "writable_keys",
]
