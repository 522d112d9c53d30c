"""CRUD helpers for SQLModel sessions.

Every helper takes the caller's session.  Outside a ``transaction()`` block a
write helper commits its own work; inside one it joins the block under a
SAVEPOINT of its own and only flushes, so the whole block commits or rolls
back as one.  Objects returned by write helpers stay readable after the
commit, without further I/O and after the session closes.

Module attributes read at call time (patch them to change behaviour):
``logger`` (what the helpers log through), ``upsert`` (the insert construct
of ``bulk_upsert_mappings``) and ``soft_delete_timestamp``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, update
from sqlalchemy.orm import selectinload
from sqlmodel import SQLModel, select

from sqlmodel_crud_utils import cache, utils
from sqlmodel_crud_utils._async import bulk_history
from sqlmodel_crud_utils._async.bulk import (
    bulk_failure,
    run_bulk_statements,
    run_upsert_chunks,
    run_upsert_directly,
)
from sqlmodel_crud_utils._async.hooks import fire_hooks
from sqlmodel_crud_utils._async.inserts import bulk_insert_mappings, insert_objects_directly
from sqlmodel_crud_utils._async.query import AsyncQueryBuilder
from sqlmodel_crud_utils._async.units import (
    apply_update,
    create_or_find,
    delete_directly,
    failure,
    find_or_lock,
    first_result,
    read_directly,
    reraise_read,
    row_by_pk,
    undo_write,
    update_directly,
    write_unit,
)
from sqlmodel_crud_utils._async.writes import get_or_create, restore_row, soft_delete_row
from sqlmodel_crud_utils._core.bulkpath import can_upsert_directly, keeps_values_through_commit
from sqlmodel_crud_utils._core.dialects import rows_per_statement, session_dialect_name
from sqlmodel_crud_utils._core.fastpath import (
    can_delete_directly,
    can_read_directly,
    can_update_directly,
)
from sqlmodel_crud_utils._core.filters import (
    build_filters,
    column_attribute,
    loader_options,
    merge_filter_sources,
    order_by_clauses,
    strict_loader_options,
    text_match,
    writable_keys,
)
from sqlmodel_crud_utils._core.state import (
    Snapshot,
    in_block,
    restore,
    snapshot,
)
from sqlmodel_crud_utils._core.statements import (
    ON_CONFLICT_MODES,
    UpsertPlan,
    choose_upsert_dialect,
    coerce_id,
    key_of,
)
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
)
from sqlmodel_crud_utils.log import current_logger
from sqlmodel_crud_utils.results import AllRowsFailed, ResultList
from sqlmodel_crud_utils.tracking import history_dicts, history_select
from sqlmodel_crud_utils.utils import (
    check_chunk_size,
    chunked,
    default_upsert,
    materialise,
    validate_primary_key_field,
    validate_soft_delete_args,
    validate_update_columns,
    validate_upsert_payload,
    validate_upsert_update_columns,
)

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

ModelT = TypeVar("ModelT", bound=SQLModel)

#: The logger the helpers of this module log through (looked up at call time).
logger: Any = current_logger()

#: Insert construct used by ``bulk_upsert_mappings``.  The default chooses the
#: statement from the session's dialect (or ``SQL_DIALECT``); rebind it to a
#: construct such as ``sqlalchemy.dialects.postgresql.insert`` to force one.
upsert: Any = default_upsert

#: Whether this is the async twin: upstream's async ``get_rows_within_id_list``
#: reported ``True`` even for an empty result, the sync one ``False``; both kept.
_ASYNC_TWIN = True

#: Zero-argument callable giving the soft-delete timestamp (aware UTC now).
soft_delete_timestamp: Any = utils.soft_delete_timestamp

__all__ = [
    "AsyncQueryBuilder",
    "bulk_insert_mappings",
    "bulk_update_rows",
    "bulk_upsert_mappings",
    "delete_row",
    "delete_rows_within_id_list",
    "get_change_history",
    "get_one_or_create",
    "get_or_create",
    "get_result_from_query",
    "get_row",
    "get_rows",
    "get_rows_within_id_list",
    "insert_data_rows",
    "logger",
    "restore_row",
    "soft_delete_row",
    "soft_delete_timestamp",
    "update_row",
    "upsert",
    "write_row",
]


# --------------------------------------------------------------------------- #
# Reads
# --------------------------------------------------------------------------- #


async def get_result_from_query(
    query: Any, session: AsyncSession, *, raise_on_error: bool = False
) -> Any:
    """Run a select and return its single row, the first of several, or ``None``.

    Args:
        query: A ``select()`` statement.
        session: The session to run it on.
        raise_on_error: Raise the package's typed error instead of the
            original one when the database fails.

    Returns:
        The row (not a tuple), the first row when several match, or ``None``.
    """
    return await first_result(session, query, raise_on_error)


async def get_row(
    id_str: Any,
    session_inst: AsyncSession,
    model: type[ModelT],
    selectin: bool = False,
    select_in_keys: list[str] | None = None,
    lazy: bool = False,
    lazy_load_keys: list[str] | None = None,
    pk_field: str = "id",
    use_cache: bool = False,
    cache_ttl: float | None = None,
    *,
    raise_on_error: bool = False,
) -> tuple[bool, ModelT | None]:
    """Fetch one row by primary key.

    Args:
        id_str: The key value; a string is converted to the column's type.
        session_inst: The session to read with.
        model: The model class.
        selectin: Load ``select_in_keys`` relationships with ``selectinload``.
        select_in_keys: Relationship names (a plain string is one name).
        lazy: Load ``lazy_load_keys`` relationships with ``lazyload``.
        lazy_load_keys: Relationship names (a plain string is one name).
        pk_field: The key column's attribute name.
        use_cache: Answer from the read cache (see ``configure_cache``) when
            no loader is active; a hit is a detached copy without relationships.
        cache_ttl: Time-to-live of a cached entry, in seconds (default: the backend's).
        raise_on_error: Raise ``RecordNotFoundError`` when no row matches and
            typed errors on database failures.

    Returns:
        ``(True, row)`` or ``(False, None)``.

    Raises:
        AttributeError: ``pk_field`` or a loader name is not an attribute of
            ``model`` (the error lists the valid columns).
    """
    options: list[Any] = []
    if selectin:
        options.extend(strict_loader_options(model, select_in_keys, "selectin"))
    if lazy:
        options.extend(strict_loader_options(model, lazy_load_keys, "lazy"))
    slot = None
    if use_cache and not options:
        slot = cache.row_slot(session_inst, model, pk_field, id_str)
    if slot is not None:
        hit = await cache.async_cached_row(slot, model)
        if hit is not None:
            return True, hit
    column_attribute(model, pk_field)
    pk_value = coerce_id(model, pk_field, id_str)
    if not options and can_read_directly(session_inst, model, pk_field, pk_value):
        row = await read_directly(session_inst, model, pk_value, id_str, pk_field, raise_on_error)
    else:
        row = await row_by_pk(session_inst, model, pk_field, id_str, raise_on_error, options)
    if row is None:
        return False, None
    if slot is not None:
        await cache.async_keep_row(slot, row, cache_ttl)
    return True, row


async def get_rows(
    session_inst: AsyncSession,
    model: type[ModelT],
    selectin: bool = False,
    select_in_keys: list[str] | None = None,
    lazy: bool = False,
    lazy_load_keys: list[str] | None = None,
    page_size: int | None = 100,
    page: int = 1,
    text_field: str | None = None,
    stmnt: Any = None,
    use_cache: bool = False,
    cache_ttl: float | None = None,
    *,
    raise_on_error: bool = False,
    filters: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> tuple[bool, list[Any]]:
    """Read a filtered, sorted page of rows.

    Filter keys (as keywords or in ``filters=``): ``col=v`` (equality,
    ``None`` is ``IS NULL``), and ``col__<op>=v`` with ``op`` one of ``gte gt
    lte lt like ilike in not_in ne isnull startswith endswith between``.
    String values are converted to the column's type.  ``sort_field`` and
    ``sort_desc`` sort; the primary key is appended for stable pages.

    Args:
        session_inst: The session to read with.
        model: The model class.
        selectin: Load ``select_in_keys`` relationships with ``selectinload``.
        select_in_keys: Relationship names; unknown names are skipped with a warning.
        lazy: Load ``lazy_load_keys`` relationships with ``lazyload``.
        lazy_load_keys: Relationship names; unknown names are skipped with a warning.
        page_size: Rows per page; ``None`` or a negative number reads every row.
        page: 1-based page number (values below 1 act as 1).
        text_field: Column searched with full-text ``MATCH`` for the value
            given under the same key.
        stmnt: A ready statement, executed as given (all other options ignored).
        use_cache: Answer from the read cache (see ``configure_cache``) when
            there is no ``stmnt`` and no active loader; only non-empty results
            are stored; hits are detached copies without relationships.
        cache_ttl: Time-to-live of a cached entry, in seconds (default: the backend's).
        raise_on_error: Raise ``ValidationError`` for unusable ``__in``
            values and typed errors on database failures.
        filters: Filters as a mapping (keys never clash with parameter names).
        **kwargs: Filters and the ``sort_field`` / ``sort_desc`` controls.

    Returns:
        ``(True, rows)`` or ``(False, [])``.

    Raises:
        AttributeError: an unknown column before an operator or as ``sort_field``.
        sqlalchemy.exc.InvalidRequestError: an unknown filter key.
        ValueError: a key given both as keyword and in ``filters``.
    """
    slot = None
    if stmnt is None:
        criteria = merge_filter_sources(kwargs, filters)
        if use_cache and not (selectin and select_in_keys) and not (lazy and lazy_load_keys):
            slot = cache.rows_slot(session_inst, model, page, page_size, text_field, criteria)
        if slot is not None:
            hits = await cache.async_cached_rows(slot, model)
            if hits is not None:
                return len(hits) > 0, hits
        sort_field = criteria.pop("sort_field", None)
        sort_desc = criteria.pop("sort_desc", False)
        text_value = criteria.pop(text_field, None) if text_field else None
        plan = build_filters(model, criteria, strict=raise_on_error)
        for message in plan.warnings:
            logger.warning(message)
        stmnt = select(model).where(*plan.clauses)
        if plan.by_attribute:
            stmnt = stmnt.filter_by(**plan.by_attribute)
        if text_field and text_value is not None:
            stmnt = stmnt.where(text_match(model, text_field, text_value))
        for kind, active, names in (
            ("selectin", selectin, select_in_keys),
            ("lazy", lazy, lazy_load_keys),
        ):
            if active:
                options, warnings = loader_options(model, names, kind)
                for message in warnings:
                    logger.warning(message)
                stmnt = stmnt.options(*options)
        stmnt = stmnt.order_by(*order_by_clauses(model, sort_field, sort_desc))
        if page_size is not None and page_size >= 0:
            stmnt = stmnt.offset(max(0, (page - 1) * page_size)).limit(page_size)
    try:
        rows = list((await session_inst.exec(stmnt)).all())
    except Exception as exc:
        await reraise_read(session_inst, exc, raise_on_error)
    if slot is not None:
        await cache.async_keep_rows(slot, rows, cache_ttl)
    return len(rows) > 0, rows


async def get_rows_within_id_list(
    id_str_list: Iterable[Any],
    session_inst: AsyncSession,
    model: type[ModelT],
    pk_field: str = "id",
    *,
    raise_on_error: bool = False,
) -> tuple[bool, ResultList[ModelT]]:
    """Read the rows whose ``pk_field`` is in ``id_str_list`` (no particular order).

    Args:
        id_str_list: Key values (any iterable); strings are converted to the
            column's type; long lists are read in chunks under the driver's
            bind-parameter limit.
        session_inst: The session to read with.
        model: The model class.
        pk_field: The key column's attribute name.
        raise_on_error: Raise typed errors on database failures.

    Returns:
        ``(found, rows)`` where ``rows`` is a reusable :class:`ResultList`.
        The async twin reports ``True`` even when nothing matches (as before).
    """
    column = column_attribute(model, pk_field)
    ids = [coerce_id(model, pk_field, value) for value in id_str_list]
    rows: ResultList[ModelT] = ResultList()
    size = rows_per_statement(1, session_dialect_name(session_inst, model))
    try:
        for chunk in chunked(ids, size):
            result = await session_inst.exec(select(model).where(column.in_(list(chunk))))
            rows.extend(result.all())
    except Exception as exc:
        await reraise_read(session_inst, exc, raise_on_error)
    return (True if _ASYNC_TWIN else len(rows) > 0), rows


async def get_change_history(
    session_inst: AsyncSession,
    model: type[SQLModel],
    id_str: Any,
    *,
    raise_on_error: bool = False,
) -> tuple[bool, list[dict[str, Any]]]:
    """Read the recorded changes of one row, oldest first.

    Args:
        session_inst: The session to read with.
        model: The tracked model class.
        id_str: The row's primary-key value (tuples for composite keys).
        raise_on_error: Raise a typed error instead of returning ``(False, [])``.

    Returns:
        ``(True, [dict, ...])`` (possibly empty) or ``(False, [])`` on failure.
    """
    stmt = history_select(model, id_str)
    try:
        if in_block(session_inst):
            async with session_inst.begin_nested():
                conn = await session_inst.connection(bind_arguments={"mapper": model})
                rows = (await conn.execute(stmt)).all()
        else:
            conn = await session_inst.connection(bind_arguments={"mapper": model})
            rows = (await conn.execute(stmt)).all()
    except Exception as exc:
        logger.error(f"get_change_history failed for {model.__name__} {id_str!r}: {exc!r}")
        await undo_write(session_inst)
        if raise_on_error:
            raise failure(exc) from exc
        return False, []
    return True, history_dicts(rows)


# --------------------------------------------------------------------------- #
# Single-row writes
# --------------------------------------------------------------------------- #


async def get_one_or_create(
    session_inst: AsyncSession,
    model: type[ModelT],
    create_method_kwargs: dict[str, Any] | None = None,
    selectin: bool = False,
    select_in_key: str | None = None,
    *,
    raise_on_error: bool = False,
    **kwargs: Any,
) -> tuple[ModelT, bool]:
    """Return the row matching ``kwargs``, creating it when there is none.

    Note the flag: ``True`` means the row already **existed**, ``False`` that
    it was created (upstream's convention, kept).  A concurrent creator that
    wins the race on a unique constraint is detected and its row returned.

    Args:
        session_inst: The session to use.
        model: The model class.
        create_method_kwargs: Extra attributes for a new row (they win over
            ``kwargs``).
        selectin: Reload a found row with ``select_in_key`` eagerly loaded.
        select_in_key: One relationship name.
        raise_on_error: Raise typed errors on database failures.
        **kwargs: Equality filters that identify the row.

    Returns:
        ``(row, existed)``.
    """
    query = select(model).filter_by(**kwargs)
    found = await find_or_lock(session_inst, query, raise_on_error)
    if found is not None:
        if selectin and select_in_key:
            query = query.options(selectinload(getattr(model, select_in_key)))
            found = await get_result_from_query(query, session_inst, raise_on_error=raise_on_error)
        return found, True
    created = model()
    for source in (kwargs, create_method_kwargs or {}):
        for key, value in source.items():
            setattr(created, key, value)
    winner = await create_or_find(session_inst, created, query, raise_on_error)
    if winner is not created:
        return winner, True
    return created, False


async def write_row(
    data_row: ModelT, session_inst: AsyncSession, *, raise_on_error: bool = False
) -> tuple[bool, ModelT | None]:
    """Insert (or save) one model instance.

    Args:
        data_row: The instance to save.
        session_inst: The session to use.
        raise_on_error: Raise a typed error (for example
            ``DuplicateKeyError``) instead of returning ``(False, None)``.

    Returns:
        ``(True, data_row)`` with the row's values loaded, or ``(False, None)``.
    """
    model = type(data_row)
    await fire_hooks("before_create", model, session_inst, rows=[data_row])
    try:
        async with write_unit(session_inst, [data_row], "after_create", model, rows=[data_row]):
            session_inst.add(data_row)
    except Exception as exc:
        await undo_write(session_inst)
        logger.error(f"write_row failed for {model.__name__}: {exc!r}")
        if raise_on_error:
            raise failure(exc) from exc
        return False, None
    return True, data_row


async def insert_data_rows(
    data_rows: Iterable[ModelT], session_inst: AsyncSession, *, raise_on_error: bool = False
) -> tuple[Any, Any]:
    """Insert many instances at once, falling back to one by one on failure.

    A non-list iterable (a generator, say) is read into a list first, so no
    row is lost when the fallback runs.

    Args:
        data_rows: The instances to save.
        session_inst: The session to use.
        raise_on_error: Raise ``BulkOperationError`` when rows fail after the
            fallback (the saved rows stay saved).

    Returns:
        ``(True, data_rows)`` when all are saved in one go;
        ``(True, {"success": [...], "failed": [...]})`` when some are saved;
        ``(AllRowsFailed(), {"success": [], "failed": [...]})`` when none is
        (that flag equals ``(False,)`` and is falsy).
    """
    rows = materialise(data_rows)
    model = type(rows[0]) if rows else SQLModel
    await fire_hooks("before_bulk_insert", model, session_inst, rows=rows)
    readable: list[ModelT] = []  # what the commit keeps readable (filled once rows are written)
    try:
        async with write_unit(session_inst, readable, "after_bulk_insert", model, rows=rows):
            direct = await insert_objects_directly(session_inst, model, rows)
            if direct is None:
                session_inst.add_all(rows)
            if (
                direct is None
                or not direct.complete
                or keeps_values_through_commit(session_inst, model, "after_bulk_insert")
            ):
                readable.extend(rows)
    except Exception as exc:
        logger.error(f"insert_data_rows bulk insert failed: {exc!r}")
        logger.info("insert_data_rows: inserting rows one by one")
        await undo_write(session_inst)
    else:
        return True, rows
    saved: list[ModelT] = []
    failed: list[ModelT] = []
    errors: list[str | Exception] = []
    kept: Snapshot = []
    for row in rows:
        try:
            async with write_unit(session_inst, [row], "after_bulk_insert", model, rows=[row]):
                session_inst.add(row)
        except Exception as exc:
            await undo_write(session_inst)
            logger.error(f"insert_data_rows failed for a {type(row).__name__} row: {exc!r}")
            failed.append(row)
            errors.append(exc)
        else:
            saved.append(row)
            kept.extend(snapshot([row]))
    # Later commits and rollbacks expired the rows saved earlier: make them readable again.
    restore(kept)
    if failed and raise_on_error:
        raise BulkOperationError(
            total=len(rows),
            failed=len(failed),
            errors=errors,
            successful=saved,
            failed_records=failed,
        ) from (errors[-1] if isinstance(errors[-1], BaseException) else None)
    outcome = {"success": saved, "failed": failed}
    if not saved:
        return AllRowsFailed(), outcome
    return True, outcome


async def update_row(
    id_str: Any,
    data: dict[str, Any],
    session_inst: AsyncSession,
    model: type[ModelT],
    pk_field: str = "id",
    *,
    raise_on_error: bool = False,
) -> tuple[bool, ModelT | None]:
    """Update one row by primary key with the values in ``data``.

    Args:
        id_str: The key value; a string is converted to the column's type.
        data: Attribute names and new values.
        session_inst: The session to use.
        model: The model class.
        pk_field: The key column's attribute name.
        raise_on_error: Raise ``RecordNotFoundError`` / typed errors instead
            of returning failure tuples.

    Returns:
        ``(True, row)``; ``(False, None)`` when no row matches; ``(False, row)``
        when saving failed.

    Raises:
        ValueError: ``data`` names an attribute ``model`` does not have
            (checked before anything changes).
    """
    writable = writable_keys(model)
    unknown = [key for key in data if key not in writable]
    if unknown:
        raise ValueError(
            f"{model.__name__} has no attribute(s) {', '.join(map(repr, unknown))}; "
            f"valid: {', '.join(writable)}"
        )
    what = f"update_row for {model.__name__} {pk_field}={id_str!r}"
    column_attribute(model, pk_field)
    pk_value = coerce_id(model, pk_field, id_str)
    if can_update_directly(session_inst, model, pk_field, pk_value, data):
        return await update_directly(
            session_inst, model, pk_value, id_str, pk_field, data, raise_on_error, logger, what
        )
    row = await row_by_pk(session_inst, model, pk_field, id_str, raise_on_error)
    if row is None:
        return False, None
    return await apply_update(
        session_inst,
        model,
        row,
        data,
        raise_on_error,
        logger,
        what,
    )


async def delete_row(
    id_str: Any,
    session_inst: AsyncSession,
    model: type[SQLModel],
    pk_field: str = "id",
    *,
    raise_on_error: bool = False,
) -> bool:
    """Delete one row by primary key.

    Args:
        id_str: The key value; a string is converted to the column's type.
        session_inst: The session to use.
        model: The model class.
        pk_field: The key column's attribute name.
        raise_on_error: Raise ``RecordNotFoundError`` / typed errors instead
            of returning ``False``.

    Returns:
        ``True`` when the row was deleted, ``False`` when none matched or the
        delete failed.
    """
    column_attribute(model, pk_field)
    pk_value = coerce_id(model, pk_field, id_str)
    if can_delete_directly(session_inst, model, pk_field, pk_value):
        return await delete_directly(
            session_inst, model, pk_value, id_str, pk_field, raise_on_error, logger
        )
    row = await row_by_pk(session_inst, model, pk_field, id_str, raise_on_error)
    if row is None:
        return False
    await fire_hooks("before_delete", model, session_inst, rows=[row])
    try:
        async with write_unit(session_inst, (), "after_delete", model, rows=[row]):
            await session_inst.delete(row)
    except Exception as exc:
        logger.error(f"delete_row failed for {model.__name__} {pk_field}={id_str!r}: {exc!r}")
        await undo_write(session_inst)
        if raise_on_error:
            raise failure(exc) from exc
        return False
    return True


# --------------------------------------------------------------------------- #
# Bulk writes
# --------------------------------------------------------------------------- #


async def bulk_upsert_mappings(
    payload: Sequence[Mapping[str, Any]],
    session_inst: AsyncSession,
    model: type[ModelT],
    pk_fields: list[str] | None = None,
    update_columns: Sequence[str] | None = None,
    *,
    raise_on_error: bool = False,
    chunk_size: int | None = None,
    on_conflict: str = "update",
    resurrect: bool = False,
) -> tuple[bool, list[ModelT]]:
    """Insert rows or update the existing ones, in one transaction.

    One native statement per chunk: ``INSERT ... ON CONFLICT DO UPDATE``
    (PostgreSQL, SQLite) or ``ON DUPLICATE KEY UPDATE`` (MySQL/MariaDB),
    executed with one compiled statement for all rows.  Chunks stay below the
    driver's bind-parameter limit; any failing chunk keeps nothing.

    Args:
        payload: Mappings of column keys to values, all with the same keys.
        session_inst: The session to use.
        model: The model class.
        pk_fields: Attribute names of the conflict target (default ``["id"]``).
        update_columns: Columns to set on conflict (default: every key of
            ``payload[0]``).
        raise_on_error: Raise ``BulkOperationError`` instead of the original error.
        chunk_size: Rows per statement (default: as many as the bind limit allows).
        on_conflict: ``"update"`` (default) or ``"nothing"`` to keep existing rows.
        resurrect: For soft-delete models, let a conflicting soft-deleted row be
            updated and restored.  By default such rows are left untouched (and
            not returned): a plain upsert never brings a deleted row back.

    Returns:
        ``(True, [instances])`` with the inserted or updated rows;
        ``(True, [])`` for an empty payload.

    Raises:
        ValueError: inconsistent payload keys, bad ``update_columns``,
            ``chunk_size`` or ``on_conflict`` (before any SQL).
        NotImplementedError: the database has no upsert statement.
    """
    pk_fields = list(pk_fields) if pk_fields else ["id"]
    payload = materialise(payload)  # a list stays the caller's own list (hooks may edit it)
    for name in pk_fields:
        column_attribute(model, name, what="conflict-target column")
    if on_conflict not in ON_CONFLICT_MODES:
        raise ValueError(
            f"on_conflict must be one of {', '.join(ON_CONFLICT_MODES)}; got {on_conflict!r}"
        )
    if chunk_size is not None:
        check_chunk_size(chunk_size)
    validate_upsert_payload(payload)
    set_columns = validate_upsert_update_columns(model, payload, pk_fields, update_columns)
    if not payload:
        return True, []
    if await fire_hooks("before_bulk_upsert", model, session_inst, rows=payload) is not None:
        validate_upsert_payload(payload)  # hooks may have changed the rows
        set_columns = validate_upsert_update_columns(model, payload, pk_fields, update_columns)
    dialect = None
    if upsert is default_upsert:
        dialect, warning = choose_upsert_dialect(session_inst, model)
        if warning:
            logger.warning(warning)
    returned: list[ModelT] = []
    plan = UpsertPlan(pk_fields, set_columns, on_conflict, chunk_size, dialect, resurrect)
    shape = can_upsert_directly(session_inst, model, list(payload[0]), plan)
    try:
        async with write_unit(session_inst, (), "after_bulk_upsert", model, rows=returned):
            before = None
            if bulk_history.tracked(model):
                keys = [k for k in (key_of(row, pk_fields) for row in payload) if k is not None]
                before = await bulk_history.read_rows(session_inst, model, pk_fields, keys)
            if shape is not None:
                objects = await run_upsert_directly(session_inst, model, payload, plan, shape)
            else:
                objects = await run_upsert_chunks(session_inst, upsert, model, payload, plan)
            if before is not None:
                await bulk_history.record_upsert(session_inst, model, before, objects)
            returned.extend(objects)
            keep = keeps_values_through_commit(session_inst, model, "after_bulk_upsert")
            taken = snapshot(objects) if keep else []
    except Exception as exc:
        await undo_write(session_inst)
        logger.error(f"bulk_upsert_mappings failed for {model.__name__}: {exc!r}")
        if raise_on_error:
            raise bulk_failure(exc, len(payload)) from exc
        raise
    restore(taken)
    return True, objects


async def bulk_update_rows(
    id_str_list: Iterable[Any],
    data: dict[str, Any],
    session_inst: AsyncSession,
    model: type[SQLModel],
    pk_field: str = "id",
    chunk_size: int = 500,
    *,
    raise_on_error: bool = False,
) -> tuple[bool, int]:
    """Set the same values on every row whose ``pk_field`` is in ``id_str_list``.

    Args:
        id_str_list: Key values (any iterable); strings are converted.
        data: Column keys and new values (primary-key columns not allowed).
        session_inst: The session to use.
        model: The model class.
        pk_field: A primary-key attribute name.
        chunk_size: Ids per ``UPDATE`` statement.
        raise_on_error: Raise ``BulkOperationError`` instead of the original error.

    Returns:
        ``(True, matched_rows)``.

    Raises:
        ValueError: bad ``pk_field``, ``data`` or ``chunk_size`` (before any SQL).
    """
    validate_primary_key_field(model, pk_field)
    validate_update_columns(model, data)
    check_chunk_size(chunk_size)
    ids = [coerce_id(model, pk_field, value) for value in id_str_list]
    if not ids:
        return True, 0
    column = getattr(model, pk_field)
    statements = (
        update(model).where(column.in_(list(chunk))).values(**data)
        for chunk in chunked(ids, chunk_size)
    )
    count = await run_bulk_statements(
        session_inst,
        logger,
        statements,
        "bulk_update_rows",
        ids,
        raise_on_error,
        "bulk_update",
        model,
        pk_field,
        "update",
        data=data,
    )
    return True, count


async def delete_rows_within_id_list(
    id_str_list: Iterable[Any],
    session_inst: AsyncSession,
    model: type[SQLModel],
    pk_field: str = "id",
    chunk_size: int = 500,
    soft: bool = False,
    deleted_by: str | None = None,
    *,
    raise_on_error: bool = False,
) -> tuple[bool, int]:
    """Delete (or soft-delete) every row whose ``pk_field`` is in ``id_str_list``.

    A soft delete sets ``is_deleted``, ``deleted_at`` (one
    ``soft_delete_timestamp()`` per call) and ``deleted_by`` on rows not yet
    deleted; already-deleted rows are neither touched nor counted.

    Args:
        id_str_list: Key values (any iterable); strings are converted.
        session_inst: The session to use.
        model: The model class.
        pk_field: A primary-key attribute name.
        chunk_size: Ids per statement.
        soft: Mark rows deleted instead of removing them.
        deleted_by: Who deleted them (only with ``soft=True``).
        raise_on_error: Raise ``BulkOperationError`` instead of the original error.

    Returns:
        ``(True, affected_rows)``.

    Raises:
        ValueError: bad ``pk_field``, soft-delete arguments or ``chunk_size``
            (before any SQL).
    """
    validate_primary_key_field(model, pk_field)
    validate_soft_delete_args(model, soft, deleted_by)
    check_chunk_size(chunk_size)
    ids = [coerce_id(model, pk_field, value) for value in id_str_list]
    if not ids:
        return True, 0
    column = getattr(model, pk_field)
    statements: Iterable[Any]
    if soft:
        deleted_at = soft_delete_timestamp()
        statements = (
            utils.soft_delete_statement(model, pk_field, chunk, deleted_at, deleted_by)
            for chunk in chunked(ids, chunk_size)
        )
    else:
        statements = (
            delete(model).where(column.in_(list(chunk))) for chunk in chunked(ids, chunk_size)
        )
    count = await run_bulk_statements(
        session_inst,
        logger,
        statements,
        "delete_rows_within_id_list",
        ids,
        raise_on_error,
        "bulk_delete",
        model,
        pk_field,
        "update" if soft else "delete",
        soft=soft,
    )
    return True, count
