# This file is generated from src/sqlmodel_crud_utils/_async/inserts.py by scripts/unasync.py. Do not edit it by hand.
"""Bulk inserts: ``bulk_insert_mappings`` (mappings, optionally by COPY) and new objects.

``insert_objects_directly`` is the direct path of ``insert_data_rows`` for
plain models: one statement per group of alike objects instead of the
session's unit of work, with the same statements and the same end state
(see ``_core.bulkpath`` and ``_core.hydrate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect
from sqlmodel import SQLModel

from sqlmodel_crud_utils._acompat import copy_rows, execute_many
from sqlmodel_crud_utils._core.bulkpath import can_insert_directly
from sqlmodel_crud_utils._core.gcpause import gc_paused
from sqlmodel_crud_utils._core.hydrate import (
    ObjectInsert,
    apply_inserted,
    apply_written,
    plan_object_insert,
    register_inserted,
)
from sqlmodel_crud_utils._core.inserts import (
    DEFAULT_CHUNK_ROWS,
    InsertPlan,
    chunks_of,
    copy_statement,
)
from sqlmodel_crud_utils._sync import bulk_history
from sqlmodel_crud_utils._sync.bulk import bulk_failure
from sqlmodel_crud_utils._sync.hooks import fire_hooks
from sqlmodel_crud_utils._sync.units import undo_write, write_unit
from sqlmodel_crud_utils.cache import record_written
from sqlmodel_crud_utils.exceptions import InvalidArgumentError, ValidationError
from sqlmodel_crud_utils.log import current_logger
from sqlmodel_crud_utils.utils import check_chunk_size

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["bulk_insert_mappings", "insert_objects_directly"]


def bulk_insert_mappings(
    payload: Iterable[Mapping[str, Any]],
    session_inst: Session,
    model: type[SQLModel],
    *,
    use_copy: bool = False,
    chunk_size: int | None = None,
    raise_on_error: bool = False,
) -> tuple[bool, int]:
    """Insert many rows given as mappings, without building model instances.

    The rows are read chunk by chunk (a generator is never held in memory
    whole) and written with one compiled ``INSERT`` executed for all rows of
    a chunk (``executemany``), all chunks in one transaction: a failure keeps
    nothing.  Use it when the caller does not need the rows back; to get model
    instances use ``insert_data_rows`` or ``bulk_upsert_mappings``.

    Each chunk is checked before it is written: every row must be a mapping
    with the keys of the first row, all of them column attributes of
    ``model``.  ``before_bulk_insert`` hooks see each chunk's mappings before
    it is written (and may change their values), ``after_bulk_insert`` hooks
    after.  Audit columns are not filled (the rows bypass the session's flush).

    Args:
        payload: Mappings of attribute names to values (any iterable).
        session_inst: The session to use.
        model: The model class.
        use_copy: On PostgreSQL with psycopg or asyncpg, stream each chunk
            with ``COPY ... FROM STDIN`` instead of ``INSERT``, the fastest way
            to load many rows.  Used only when no column left out of the rows
            has a client-side default; elsewhere the ``INSERT`` is used.
        chunk_size: Rows per chunk (default 5,000); memory is bounded by it.
        raise_on_error: Raise ``BulkOperationError`` instead of the original error.

    Returns:
        ``(True, rows_inserted)``.

    Raises:
        InvalidArgumentError: a row is not a mapping, names an unknown
            attribute or has other keys than the first row (the transaction is
            rolled back, so earlier chunks are not kept either); a tracked model
            whose rows lack their primary key.
        ValueError: a bad ``chunk_size`` (before any SQL).
    """
    size = DEFAULT_CHUNK_ROWS if chunk_size is None else check_chunk_size(chunk_size)
    plan = InsertPlan.for_model(model)
    log = current_logger()
    tracked = bulk_history.tracked(model)
    mapper = sa_inspect(model)
    total = 0
    try:
        with write_unit(session_inst):
            conn = session_inst.connection(bind_arguments={"mapper": mapper})
            for chunk in chunks_of(payload, size):
                params = plan.parameters(chunk, total)
                if fire_hooks("before_bulk_insert", model, session_inst, rows=chunk):
                    params = plan.parameters(chunk, total)  # hooks may have changed the rows
                if tracked:
                    _check_keys_present(model, plan)
                columns = plan.copy_columns() if use_copy else None
                copied = False
                if columns is not None:
                    sql = copy_statement(plan.table, columns, conn.dialect)
                    records = plan.copy_records(params, conn.dialect)
                    copied = copy_rows(conn, sql, plan.table, columns, records)
                if not copied:
                    execute_many(conn, plan.statement(), params)
                if tracked:
                    bulk_history.record(session_inst, model, "insert", chunk)
                fire_hooks("after_bulk_insert", model, session_inst, rows=chunk)
                total += len(params)
    except ValidationError:
        undo_write(session_inst)
        raise
    except Exception as exc:
        undo_write(session_inst)
        log.error(f"bulk_insert_mappings failed for {model.__name__}: {exc!r}")
        if raise_on_error:
            raise bulk_failure(exc, total) from exc
        raise
    return True, total


def insert_objects_directly(session: Session, model: Any, rows: list[Any]) -> ObjectInsert | None:
    """Insert new ``model`` instances without the unit of work, when that is the same.

    The objects are written with the statements a flush would use, grouped
    as a flush groups them, and left persistent in the session as a flush
    leaves them.  Nothing is done (and ``None`` returned) when the model,
    the session's listeners or the objects need the unit of work; a failing
    statement raises with the objects still new (as after the flush's
    rollback).

    Returns:
        The plan the objects were inserted by, or ``None`` when they were not.
    """
    allowed = can_insert_directly(session, model)
    if allowed is None:
        return None
    shape, dialect = allowed
    with gc_paused():  # one pause: the objects are the caller's, already held in memory
        plan = plan_object_insert(model, shape, dialect, rows)
        if plan is None:
            return None
        bind = {"mapper": shape.mapper}
        record_written(session, model)  # groups below skip Session.execute and its cache note
        for group in plan.groups:
            if group.single or group.returning:
                params = group.params[0] if group.single else group.params
                result = session.exec(group.statement, params=params, bind_arguments=bind)
                apply_inserted(plan, group, result)
                continue
            conn = session.connection(bind_arguments=bind)
            compiled, result = execute_many(conn, group.statement, group.params)
            if result is None:
                apply_written(plan, group, compiled)
            else:
                apply_inserted(plan, group, result)
        register_inserted(session, plan)
    return plan


def _check_keys_present(model: Any, plan: InsertPlan) -> None:
    """A tracked model's history needs each row's primary key."""
    mapper = sa_inspect(model)
    keys = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
    missing = [key for key in keys if key not in (plan.keys or ())]
    if missing:
        raise InvalidArgumentError(
            f"{model.__name__} records its changes: bulk_insert_mappings needs the primary "
            f"key ({', '.join(missing)}) in every row; or use insert_data_rows"
        )
