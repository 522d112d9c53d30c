"""Statement builders for the CRUD helpers (pure: nothing here executes)."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, tuple_
from sqlalchemy import inspect as sa_inspect
from sqlmodel import select
from sqlmodel.sql.expression import SelectOfScalar

from sqlmodel_crud_utils._core.coerce import coerce_value
from sqlmodel_crud_utils._core.dialects import (
    UPSERT_DIALECTS,
    env_dialect,
    normalise_dialect_name,
    session_dialect_name,
)
from sqlmodel_crud_utils.softdelete import has_soft_delete_columns, not_deleted

#: Accepted values of ``bulk_upsert_mappings(on_conflict=...)``.
ON_CONFLICT_MODES = ("update", "nothing")


def coerce_id(model: Any, pk_field: str, value: Any) -> Any:
    """Convert a string id to the Python type of the ``pk_field`` column."""
    attr = getattr(model, pk_field)
    return coerce_value(attr, value)


def choose_upsert_dialect(session: Any, model: Any) -> tuple[str, str | None]:
    """Pick the dialect whose upsert statement to build.

    ``SQL_DIALECT`` (read now) wins when set; otherwise the session's engine
    decides.  Returns ``(dialect, warning)``; the warning is set when the
    override differs from the engine's dialect.

    Raises:
        ValueError: ``SQL_DIALECT`` names no usable dialect, or neither it nor
            the session tells the dialect.
        NotImplementedError: the dialect has no upsert statement.
    """
    engine_dialect = session_dialect_name(session, model)
    override = env_dialect()
    warning = None
    if override is not None:
        name = normalise_dialect_name(override)
        if name not in UPSERT_DIALECTS:
            raise ValueError(
                f"SQL_DIALECT={override!r} is not a dialect with upsert support; "
                f"valid: {', '.join(UPSERT_DIALECTS)} (aliases postgres, mariadb)"
            )
        if engine_dialect is not None and engine_dialect != name:
            warning = (
                f"SQL_DIALECT={override!r} differs from the session's dialect "
                f"{engine_dialect!r}; building a {name} upsert as SQL_DIALECT says"
            )
        return name, warning
    if engine_dialect is None:
        raise ValueError(
            "Cannot tell the database dialect from the session; bind it to an engine "
            "or set SQL_DIALECT"
        )
    if engine_dialect not in UPSERT_DIALECTS:
        raise NotImplementedError(
            f"bulk_upsert_mappings has no upsert statement for the {engine_dialect!r} dialect; "
            f"supported: {', '.join(UPSERT_DIALECTS)}"
        )
    return engine_dialect, None


def _dialect_insert(dialect: str) -> Any:
    """SQLAlchemy's dialect-specific ``insert`` (``postgresql``, ``sqlite`` or ``mysql``)."""
    return importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert


@dataclass(frozen=True)
class UpsertPlan:
    """How ``bulk_upsert_mappings`` writes: conflict target, SET columns, mode and chunking."""

    pk_fields: list[str]
    set_columns: list[str]
    on_conflict: str = "update"
    chunk_size: int | None = None
    dialect: str | None = None
    resurrect: bool = False


def upsert_statement(model: Any, plan: UpsertPlan) -> Any:
    """One compiled-once upsert for executemany: ``INSERT ... ON CONFLICT``.

    PostgreSQL and SQLite get ``ON CONFLICT (<pk_fields>) DO UPDATE SET`` (or
    ``DO NOTHING``) with ``RETURNING``; MySQL/MariaDB ``ON DUPLICATE KEY
    UPDATE`` without ``RETURNING`` (rows are selected afterwards).  On a
    soft-delete model a conflicting deleted row is left alone unless
    ``plan.resurrect``, which updates and restores it.
    """
    dialect = plan.dialect or "sqlite"
    stmt = _dialect_insert(dialect)(model)
    soft = has_soft_delete_columns(model)
    if dialect == "mysql":
        if plan.on_conflict == "nothing":
            first = plan.pk_fields[0]
            return stmt.on_duplicate_key_update({first: getattr(model, first)})
        return stmt.on_duplicate_key_update(
            {name: stmt.inserted[name] for name in plan.set_columns}
        )
    targets = [getattr(model, name) for name in plan.pk_fields]
    if plan.on_conflict == "nothing":
        return stmt.on_conflict_do_nothing(index_elements=targets).returning(model)
    values: dict[str, Any] = {name: stmt.excluded[name] for name in plan.set_columns}
    where = None
    if soft and plan.resurrect:
        values.update(is_deleted=False, deleted_at=None, deleted_by=None)
    elif soft:
        where = not_deleted(sa_inspect(model).local_table.c)
    stmt = stmt.on_conflict_do_update(index_elements=targets, set_=values, where=where)
    return stmt.returning(model)


def legacy_upsert_statement(
    construct: Any,
    model: Any,
    chunk: Any,
    pk_fields: Sequence[str],
    set_columns: Sequence[str],
    on_conflict: str = "update",
) -> Any:
    """Upstream's call chain on a rebound ``upsert`` construct (kept for patching callers)."""
    stmt = construct(model).values(chunk)
    if on_conflict == "nothing":
        targets = [getattr(model, name) for name in pk_fields]
        return stmt.on_conflict_do_nothing(index_elements=targets).returning(model)
    stmt = stmt.on_conflict_do_update(
        index_elements=[getattr(model, name) for name in pk_fields],
        set_={name: stmt.excluded[name] for name in set_columns},
    )
    return stmt.returning(model)


def key_of(row: Mapping[str, Any], pk_fields: Sequence[str]) -> tuple[Any, ...] | None:
    """The conflict-key values of a payload row (``None`` when one is missing)."""
    try:
        return tuple(row[name] for name in pk_fields)
    except KeyError:
        return None


def select_by_keys(
    model: Any, pk_fields: Sequence[str], keys: Sequence[tuple[Any, ...]]
) -> SelectOfScalar[Any]:
    """``SELECT model WHERE (pk_fields) IN (keys)``: how MySQL reads upserted rows back."""
    columns = [getattr(model, name) for name in pk_fields]
    condition: Any = (
        columns[0].in_([key[0] for key in keys])
        if len(columns) == 1
        else tuple_(*columns).in_(keys)
    )
    statement: SelectOfScalar[Any] = select(model).where(condition)
    return statement


def order_like_payload(
    objects: Sequence[Any], payload: Sequence[Mapping[str, Any]], pk_fields: Sequence[str]
) -> list[Any]:
    """Return ``objects`` in payload order when every row carries its key values."""
    positions: dict[tuple[Any, ...], int] = {}
    for index, row in enumerate(payload):
        key = key_of(row, pk_fields)
        if key is None:
            return list(objects)
        positions.setdefault(key, index)
    try:
        return sorted(
            objects,
            key=lambda obj: positions.get(
                tuple(getattr(obj, name) for name in pk_fields), len(payload)
            ),
        )
    except TypeError:
        return list(objects)


#: Name of the bound parameter of :func:`primary_key_select`.
PK_PARAM = "scu_pk_value"


@functools.lru_cache(maxsize=2048)
def primary_key_select(model: Any, pk_field: str) -> SelectOfScalar[Any]:
    """``SELECT model WHERE <pk_field> = :scu_pk_value``, built once per model and key."""
    statement: SelectOfScalar[Any] = select(model).where(
        getattr(model, pk_field) == bindparam(PK_PARAM)
    )
    return statement


def primary_key_where(model: Any, pk_field: str, value: Any) -> Any:
    """``<pk_field> == value`` with the value converted to the column's type."""
    return getattr(model, pk_field) == coerce_id(model, pk_field, value)


#: model -> its mapper (``inspect()`` walks the class each time; hot paths ask per call).
_MAPPERS: dict[Any, Any] = {}


def mapper_of(model: Any) -> Any:
    """The ORM mapper of ``model``."""
    mapper = _MAPPERS.get(model)
    if mapper is None:
        mapper = _MAPPERS[model] = sa_inspect(model)
    return mapper
