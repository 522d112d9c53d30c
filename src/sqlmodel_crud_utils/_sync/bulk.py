# This file is generated from src/sqlmodel_crud_utils/_async/bulk.py by scripts/unasync.py. Do not edit it by hand.
"""Execution of the bulk helpers' statements: chunked upserts and id-list statements.

The public bulk helpers in ``sync`` validate, fire hooks and shape results;
this module runs their statements inside one unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlmodel import SQLModel

from sqlmodel_crud_utils._core.bulkpath import ModelShape, evaluating_none
from sqlmodel_crud_utils._core.dialects import rows_per_statement, session_dialect_name
from sqlmodel_crud_utils._core.gcpause import gc_paused
from sqlmodel_crud_utils._core.hydrate import load_rows, payload_order, upsert_parameters
from sqlmodel_crud_utils._core.statements import (
    UpsertPlan,
    key_of,
    legacy_upsert_statement,
    order_like_payload,
    select_by_keys,
    upsert_statement,
)
from sqlmodel_crud_utils._sync import bulk_history
from sqlmodel_crud_utils._sync.hooks import fire_hooks
from sqlmodel_crud_utils._sync.units import undo_write, write_unit
from sqlmodel_crud_utils.exceptions import BulkOperationError
from sqlmodel_crud_utils.utils import chunked

if TYPE_CHECKING:
    from sqlmodel import Session

ModelT = TypeVar("ModelT", bound=SQLModel)


def bulk_failure(exc: Exception, total: int) -> BulkOperationError:
    """The ``BulkOperationError`` a bulk helper raises with ``raise_on_error=True``."""
    return BulkOperationError(total=total, failed=total, errors=[exc], successful=[])


def run_upsert_chunks(
    session: Session,
    construct: Any,
    model: type[ModelT],
    payload: Sequence[Mapping[str, Any]],
    plan: UpsertPlan,
) -> list[ModelT]:
    """Execute the upsert chunk by chunk (``plan.dialect`` is ``None`` for a rebound construct)."""
    options = {"populate_existing": True}
    objects: list[ModelT] = []
    if plan.dialect is None:
        budget_dialect = session_dialect_name(session, model)
        size = rows_per_statement(len(payload[0]), budget_dialect, plan.chunk_size)
        chunks = list(chunked(payload, size)) if len(payload) > size else [payload]
        for chunk in chunks:
            stmt = legacy_upsert_statement(
                construct, model, chunk, plan.pk_fields, plan.set_columns, plan.on_conflict
            )
            rows = (session.scalars(stmt, execution_options=options)).all()
            if len(chunks) == 1:
                return cast("list[ModelT]", rows)
            objects.extend(rows)
        return objects
    stmt = upsert_statement(model, plan)
    for chunk in chunked(
        payload, rows_per_statement(len(payload[0]), plan.dialect, plan.chunk_size)
    ):
        params = list(chunk)
        if plan.dialect == "mysql":
            session.exec(stmt, params=params)
            keys = [k for k in (key_of(row, plan.pk_fields) for row in params) if k is not None]
            found = session.exec(
                select_by_keys(model, plan.pk_fields, keys), execution_options=options
            )
            objects.extend(found.all())
        else:
            result = session.exec(stmt, params=params, execution_options=options)
            objects.extend(result.scalars().all())
    return order_like_payload(objects, payload, plan.pk_fields)


def run_upsert_directly(
    session: Session,
    model: type[ModelT],
    payload: Sequence[Mapping[str, Any]],
    plan: UpsertPlan,
    shape: ModelShape,
) -> list[ModelT]:
    """Execute the upsert chunk by chunk and load its rows without the ORM's loader.

    The statement, its chunks and their executemany groups are those of
    ``run_upsert_chunks``; the rows come back as plain rows (``dml_strategy``
    ``"raw"``) and ``_core.hydrate.load_rows`` makes the instances, as the
    ORM's loader would with ``populate_existing`` (see ``_core.bulkpath``).
    """
    assert plan.dialect is not None
    stmt = upsert_statement(model, plan)
    options = {"dml_strategy": "raw"}
    keeps_none = evaluating_none(shape)
    objects: list[ModelT] = []
    size = rows_per_statement(len(payload[0]), plan.dialect, plan.chunk_size)
    for chunk in chunked(payload, size):
        seen: dict[Any, Any] = {}  # one load per statement: its first row of an identity wins
        for params in upsert_parameters(list(chunk), keeps_none):
            with gc_paused():
                result = session.exec(stmt, params=params, execution_options=options)
                objects.extend(load_rows(session, shape, result, seen))
    return payload_order(objects, payload, plan.pk_fields)


def run_bulk_statements(
    session: Session,
    log: Any,
    statements: Iterable[Any],
    what: str,
    ids: list[Any],
    raise_on_error: bool,
    hook_event: str,
    model: Any,
    pk_field: str,
    history: str | None,
    **hook_args: Any,
) -> int:
    """Execute bulk statements in one unit of work and return the affected-row count.

    ``history`` (``"update"`` or ``"delete"``) records the change of a tracked model.
    """
    fire_hooks(f"before_{hook_event}", model, session, ids=ids, **hook_args)
    affected = 0
    try:
        with write_unit(session, (), f"after_{hook_event}", model, ids=ids, **hook_args):
            before = None
            if history is not None and bulk_history.tracked(model):
                keys = [(value,) for value in ids]
                before = bulk_history.read_rows(session, model, [pk_field], keys)
            for stmt in statements:
                result = session.exec(stmt)
                affected += max(getattr(result, "rowcount", 0) or 0, 0)
            if before is not None and history == "update":
                bulk_history.record_update(session, model, before)
            elif before is not None:
                bulk_history.record(session, model, "delete", list(before.values()))
    except Exception as exc:
        undo_write(session)
        log.error(f"{what} failed: {exc!r}")
        if raise_on_error:
            raise bulk_failure(exc, len(ids)) from exc
        raise
    return affected
