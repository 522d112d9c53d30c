"""Helpers shared by the sync and async CRUD functions (no I/O here).

Everything in this module is pure: argument validation, statement builders,
dialect lookup and chunking.  The I/O functions in ``sync`` and ``a_sync``
only build a statement here, execute it and shape the result.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from dateutil import parser as date_parser
from sqlalchemy import false, or_, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.sql.dml import Update

from sqlmodel_crud_utils._core.dialects import (
    DIALECT_ALIASES,
    UPSERT_DIALECTS,
    env_dialect,
    normalise_dialect_name,
)
from sqlmodel_crud_utils._core.filters import model_name
from sqlmodel_crud_utils.log import current_logger
from sqlmodel_crud_utils.query import QueryBuilderBase, reads_only_table

T = TypeVar("T")

#: The library's logger (stdlib ``logging`` with a ``NullHandler`` by default).
logger: Any = current_logger()

#: Columns a model needs for soft deletes.
SOFT_DELETE_COLUMNS: tuple[str, str, str] = ("is_deleted", "deleted_at", "deleted_by")


def get_val(val: str) -> str | None:
    """Return the environment variable ``val`` (``None`` when unset)."""
    return os.environ.get(val)


def get_sql_dialect_import(dialect: str | None) -> Callable[..., Any]:
    """Return ``sqlalchemy.dialects.<dialect>.insert`` for a dialect name.

    Accepts ``postgres`` and ``mariadb`` as aliases and ignores a ``+driver``
    suffix.

    Raises:
        ValueError: ``dialect`` is blank (set ``SQL_DIALECT``), unknown, or has
            no dialect-specific ``insert``.
    """
    if dialect is None or not str(dialect).strip():
        raise ValueError("SQL_DIALECT is not set: name a dialect such as 'postgresql' or 'sqlite'")
    name = normalise_dialect_name(str(dialect))
    try:
        module = importlib.import_module(f"sqlalchemy.dialects.{name}")
        insert = module.insert
    except (ImportError, AttributeError) as exc:
        valid = ", ".join(UPSERT_DIALECTS)
        aliases = ", ".join(DIALECT_ALIASES)
        raise ValueError(
            f"SQL_DIALECT {dialect!r} has no upsert construct; valid: {valid} (aliases: {aliases})"
        ) from exc
    return insert  # type: ignore[no-any-return]


def default_upsert(model: Any) -> Any:
    """The default ``upsert`` attribute of ``sync`` / ``a_sync``.

    The CRUD helpers recognise this function by identity and then choose the
    insert construct from the session's dialect.  Called directly it returns
    the ``SQL_DIALECT`` insert construct for ``model``.

    Raises:
        ValueError: ``SQL_DIALECT`` is not set or not usable.
    """
    return get_sql_dialect_import(env_dialect())(model)


def is_date(val: str, fuzzy: bool = False) -> bool:
    """Return whether ``val`` parses as a date or datetime."""
    try:
        date_parser.parse(val, fuzzy=fuzzy)
    except (ValueError, OverflowError, TypeError):
        return False
    return True


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements.

    Raises:
        ValueError: ``size`` is smaller than 1 (on first iteration).
    """
    if size < 1:
        raise ValueError("chunk_size must be a positive integer")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_chunk_size(chunk_size: Any) -> int:
    """Validate a ``chunk_size`` argument before any SQL runs."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError("chunk_size must be a positive integer")
    return chunk_size


def soft_delete_timestamp() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.timezone.utc)


def _table_column_keys(model: Any) -> list[str]:
    return list(sa_inspect(model).local_table.columns.keys())


def primary_key_attributes(model: Any) -> list[str]:
    """Attribute names of the primary-key columns of ``model``."""
    mapper = sa_inspect(model)
    return [mapper.get_property_by_column(column).key for column in mapper.primary_key]


def _primary_key_columns(model: Any) -> list[str]:
    return [column.key for column in sa_inspect(model).primary_key]


def validate_primary_key_field(model: Any, pk_field: str) -> None:
    """Check that ``pk_field`` names a primary-key column of ``model``.

    Raises:
        ValueError: naming the field, the model and the valid primary keys.
    """
    valid = primary_key_attributes(model)
    if pk_field not in valid:
        raise ValueError(
            f"pk_field {pk_field!r} is not a primary-key column of {model_name(model)}; "
            f"primary keys: {', '.join(valid)}"
        )


def validate_soft_delete_args(model: Any, soft: bool, deleted_by: str | None) -> None:
    """Check the soft-delete arguments of ``delete_rows_within_id_list``.

    Raises:
        ValueError: ``deleted_by`` without ``soft=True``, or a soft delete on a
            model that lacks ``is_deleted``/``deleted_at``/``deleted_by``.
    """
    if deleted_by is not None and not soft:
        raise ValueError("deleted_by is only valid together with soft=True")
    if soft:
        columns = set(_table_column_keys(model))
        missing = [name for name in SOFT_DELETE_COLUMNS if name not in columns]
        if missing:
            raise ValueError(
                f"soft=True needs the columns {', '.join(SOFT_DELETE_COLUMNS)} on "
                f"{model_name(model)}; missing: {', '.join(missing)}"
            )


def validate_update_columns(model: Any, data: Mapping[str, Any]) -> None:
    """Check the ``data`` of ``bulk_update_rows``.

    Raises:
        ValueError: ``data`` is empty, names an unknown column, or a primary-key
            column.
    """
    if not data:
        raise ValueError("data must name at least one column to update")
    columns = _table_column_keys(model)
    unknown = [key for key in data if key not in columns]
    if unknown:
        raise ValueError(
            f"Unknown column(s) for {model_name(model)}: {', '.join(map(str, unknown))}; "
            f"valid columns: {', '.join(columns)}"
        )
    pks = [key for key in data if key in _primary_key_columns(model)]
    if pks:
        raise ValueError(f"Primary-key column(s) cannot be updated: {', '.join(pks)}")


def validate_upsert_payload(payload: Sequence[Mapping[str, Any]]) -> None:
    """Check that every mapping of ``payload`` has the keys of the first one.

    Raises:
        ValueError: naming the row index and its extra and missing keys.
    """
    if not payload:
        return
    expected = set(payload[0])
    for index, row in enumerate(payload):
        if not isinstance(row, Mapping):
            raise ValueError(f"payload row {index} is not a mapping: {type(row).__name__}")
        keys = set(row)
        if keys != expected:
            extra = sorted(map(str, keys - expected))
            missing = sorted(map(str, expected - keys))
            raise ValueError(
                f"All payload rows must have the same keys; row {index} differs from row 0 "
                f"(extra: {extra}, missing: {missing})"
            )


def validate_upsert_update_columns(
    model: Any,
    payload: Sequence[Mapping[str, Any]],
    pk_fields: Sequence[str],
    update_columns: Sequence[str] | None,
) -> list[str]:
    """Return the columns an upsert sets on conflict, after checking them.

    Without ``update_columns`` that is every key of ``payload[0]`` (conflict
    target included, as upstream).  Duplicates are dropped in order.

    Raises:
        ValueError: ``update_columns`` is a bare string, holds a non-string,
            is empty, names an unknown or primary-key column, a conflict-target
            column, or a column absent from ``payload[0]``.
    """
    if update_columns is None:
        return list(payload[0]) if payload else []
    if isinstance(update_columns, (str, bytes)):
        raise ValueError("update_columns must be a list of column names, not a single string")
    columns: list[str] = []
    for name in update_columns:
        if not isinstance(name, str):
            raise ValueError(f"update_columns entries must be strings, got {name!r}")
        if name not in columns:
            columns.append(name)
    if not columns:
        raise ValueError("update_columns must name at least one column")
    valid = _table_column_keys(model)
    unknown = [name for name in columns if name not in valid]
    if unknown:
        raise ValueError(
            f"Unknown update_columns for {model_name(model)}: {', '.join(unknown)}; "
            f"valid columns: {', '.join(valid)}"
        )
    pks = [name for name in columns if name in _primary_key_columns(model)]
    if pks:
        raise ValueError(f"Primary-key column(s) cannot be in update_columns: {', '.join(pks)}")
    targets = [name for name in columns if name in pk_fields]
    if targets:
        raise ValueError(f"Conflict-target column(s) cannot be updated: {', '.join(targets)}")
    if payload:
        absent = [name for name in columns if name not in payload[0]]
        if absent:
            raise ValueError(f"update_columns not present in the payload: {', '.join(absent)}")
    return columns


def soft_delete_statement(
    model: Any,
    pk_field: str,
    chunk: Collection[Any],
    deleted_at: dt.datetime,
    deleted_by: str | None,
) -> Update:
    """The soft-delete ``UPDATE`` for one chunk of ids (already-deleted rows untouched)."""
    pk = getattr(model, pk_field)
    flag = model.is_deleted
    return (
        update(model)
        .where(pk.in_(list(chunk)), or_(flag.is_(None), flag == false()))
        .values(is_deleted=True, deleted_at=deleted_at, deleted_by=deleted_by)
    )


def materialise(items: Iterable[T]) -> list[T]:
    """Read an iterable once into a list (a list passes through as itself)."""
    return items if isinstance(items, list) else list(items)


__all__ = [
    "QueryBuilderBase",
    "SOFT_DELETE_COLUMNS",
    "chunked",
    "default_upsert",
    "get_sql_dialect_import",
    "get_val",
    "is_date",
    "logger",
    "reads_only_table",
    "soft_delete_statement",
    "soft_delete_timestamp",
    "validate_primary_key_field",
    "validate_soft_delete_args",
    "validate_update_columns",
    "validate_upsert_payload",
    "validate_upsert_update_columns",
]
