# This file is generated from src/sqlmodel_crud_utils/_async/units.py by scripts/unasync.py. Do not edit it by hand.
"""Units of work shared by the CRUD helpers: commit or join, roll back, keep results readable.

Outside a ``transaction()`` block a write is flushed, its ``after_*`` hooks
run, and it is committed; the written objects keep their values as committed
state so they stay readable without I/O.  Inside a block the write runs under
a SAVEPOINT of its own and is only flushed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from sqlalchemy.exc import MultipleResultsFound
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import SQLModel

from sqlmodel_crud_utils._acompat import execute_committed, execute_in_session
from sqlmodel_crud_utils._core.dialects import session_dialect_name
from sqlmodel_crud_utils._core.errors import bind_error, translate_error
from sqlmodel_crud_utils._core.fastpath import (
    FAST_PK_PARAM,
    commit_alone_bind,
    primary_key_delete,
    primary_key_row_select,
    primary_key_update,
)
from sqlmodel_crud_utils._core.filters import column_attribute
from sqlmodel_crud_utils._core.state import (
    attach_loaded,
    in_block,
    restore,
    snapshot,
    unloaded_columns,
)
from sqlmodel_crud_utils._core.statements import (
    PK_PARAM,
    coerce_id,
    mapper_of,
    primary_key_select,
)
from sqlmodel_crud_utils._sync.hooks import fire_hooks
from sqlmodel_crud_utils.cache import invalidate_written
from sqlmodel_crud_utils.exceptions import RecordNotFoundError, SchemaError, SQLModelCRUDError
from sqlmodel_crud_utils.log import current_logger

if TYPE_CHECKING:
    from sqlmodel import Session

ModelT = TypeVar("ModelT", bound=SQLModel)


def failure(exc: BaseException) -> SQLModelCRUDError:
    """The typed error ``raise_on_error=True`` raises for a database failure."""
    return translate_error(exc)


def reraise_read(session: Session, exc: Exception, raise_on_error: bool) -> NoReturn:
    """Raise the right error for a failed read, leaving the session usable.

    A value the column type refused while binding (no SQL was sent) becomes an
    ``InvalidArgumentError``; a database error is re-raised as it is, or
    translated with ``raise_on_error``.
    """
    after_read_error(session)
    rejected = bind_error(exc)
    if rejected is not None:
        raise rejected from exc
    if raise_on_error:
        raise failure(exc) from exc
    raise exc


def rollback(session: Session) -> None:
    """Roll the whole session back; a failing rollback is logged, not raised."""
    try:
        session.rollback()
    except Exception as exc:
        current_logger().error(f"Rollback failed: {exc!r}")


def after_read_error(session: Session) -> None:
    """Leave the session usable after a failed read (reads in a block never roll back)."""
    if not in_block(session):
        rollback(session)


def undo_write(session: Session) -> None:
    """After a failed write outside a block, roll everything back.

    Inside a block the failed write's SAVEPOINT is already rolled back.
    """
    if not in_block(session):
        rollback(session)


def commit_keeping(session: Session, objects: Sequence[Any]) -> None:
    """Commit while keeping ``objects`` readable without I/O afterwards."""
    session.flush()
    for obj in objects:
        missing = unloaded_columns(obj)
        if missing:
            session.refresh(obj, attribute_names=missing)
    taken = snapshot(objects)
    session.commit()
    restore(taken)
    invalidate_written(session)


@contextmanager
def write_unit(
    session: Session,
    objects: Sequence[Any] = (),
    after: str | None = None,
    model: Any = None,
    **hook_args: Any,
) -> Iterator[None]:
    """Run one write: in a block under its own SAVEPOINT (flush only), else committed.

    Args:
        session: The caller's session.
        objects: Instances to keep readable after the commit.
        after: The ``after_*`` hook event to fire once the write is flushed.
        model: The model the hooks are registered for.
        **hook_args: ``rows``, ``data``, ``ids`` or extra details for the hooks.
    """
    if in_block(session):
        with session.begin_nested():
            yield
            session.flush()
            if after is not None:
                fire_hooks(after, model, session, **hook_args)
                session.flush()
    else:
        yield
        if after is not None:
            session.flush()
            fire_hooks(after, model, session, **hook_args)
        commit_keeping(session, objects)


def begin_writer(session: Session) -> bool:
    """Start the session's transaction as a writer on SQLite (``BEGIN IMMEDIATE``).

    Only when the session has no transaction yet and is outside a block;
    returns whether it did.  Other databases are left alone.
    """
    if in_block(session) or session_dialect_name(session) != "sqlite":
        return False
    if session.in_transaction():
        return False
    session.connection(execution_options={"sqlite_begin": "immediate"})
    return True


def row_by_pk(
    session: Session,
    model: type[ModelT],
    pk_field: str,
    id_str: Any,
    raise_on_error: bool,
    options: Sequence[Any] = (),
    execution_options: dict[str, Any] | None = None,
) -> ModelT | None:
    """One ``session.exec(select ... WHERE pk = id)`` and one ``.one_or_none()``."""
    column_attribute(model, pk_field)
    params = {PK_PARAM: coerce_id(model, pk_field, id_str)}
    stmt = primary_key_select(model, pk_field)
    if options:
        stmt = stmt.options(*options)
    if execution_options:
        stmt = stmt.execution_options(**execution_options)
    try:
        row: ModelT | None = (session.exec(stmt, params=params)).one_or_none()
    except Exception as exc:
        reraise_read(session, exc, raise_on_error)
    if row is None and raise_on_error:
        raise RecordNotFoundError(model, id_str, pk_field)
    return row


def first_result(session: Session, query: Any, raise_on_error: bool) -> Any:
    """``.one_or_none()`` of ``query``; the first row when several match; ``None`` when none."""
    try:
        try:
            return (session.exec(query)).one_or_none()
        except MultipleResultsFound:
            return (session.exec(query)).first()
    except Exception as exc:
        reraise_read(session, exc, raise_on_error)


def _fresh_sqlite(session: Session) -> bool:
    """A real SQLite session with no transaction and nothing pending, outside any block."""
    if in_block(session) or session_dialect_name(session) != "sqlite":
        return False
    pending = session.new or session.dirty or session.deleted
    return not session.in_transaction() and not pending


def _release(session: Session, found: Any) -> None:
    """End a transaction that only read ``found``, keeping ``found`` readable."""
    taken = snapshot([found])
    session.rollback()
    restore(taken)


def find_or_lock(session: Session, query: Any, raise_on_error: bool) -> Any:
    """Look a row up; when it is missing, get ready to create it without a race.

    On SQLite the lookup of a session that had no transaction is repeated
    under ``BEGIN IMMEDIATE`` (the write lock), so two creators cannot both
    miss; the lock is released again when the row turns up after all.
    """
    fresh = _fresh_sqlite(session)
    found = first_result(session, query, raise_on_error)
    if found is not None or not fresh:
        return found
    session.rollback()  # only the read snapshot just taken
    begin_writer(session)
    found = first_result(session, query, raise_on_error)
    if found is not None:
        _release(session, found)
    return found


def create_or_find(session: Session, created: Any, query: Any, raise_on_error: bool) -> Any:
    """Insert ``created``; when a concurrent creator won, return the winner's row instead.

    The insert runs under a SAVEPOINT, so losing the race on a unique
    constraint rolls back the insert only; the row is then selected again.

    Returns:
        ``created`` when it was inserted, else the row that already existed.
    """
    model = type(created)
    fire_hooks("before_create", model, session, rows=[created])
    if session_dialect_name(session) is None:  # a session double: upstream's add + commit
        with write_unit(session, [created], "after_create", model, rows=[created]):
            session.add(created)
        return created
    try:
        with session.begin_nested():
            session.add(created)
            session.flush()
            fire_hooks("after_create", model, session, rows=[created])
            session.flush()
    except Exception as exc:
        winner = first_result(session, query, raise_on_error)
        if winner is None and not in_block(session):
            rollback(session)
            winner = first_result(session, query, raise_on_error)
        if winner is not None:
            if not in_block(session) and session.in_transaction():
                _release(session, winner)
            return winner
        undo_write(session)
        if raise_on_error:
            raise failure(exc) from exc
        raise
    if not in_block(session):
        commit_keeping(session, [created])
    return created


def apply_update(
    session: Session,
    model: Any,
    row: Any,
    data: dict[str, Any],
    raise_on_error: bool,
    log: Any,
    what: str,
) -> tuple[bool, Any]:
    """Set ``data`` on a loaded row as one unit of work, with the update hooks.

    On failure the row shows its stored values again (or is expired after a
    version conflict, so the next read reloads it), the error is logged once
    through ``log`` and ``(False, row)`` returned (raised with ``raise_on_error``).
    """
    context = fire_hooks("before_update", model, session, rows=[row], data=dict(data))
    values = context.data if context is not None and context.data is not None else data
    before = snapshot([row])
    try:
        with write_unit(session, [row], "after_update", model, rows=[row], data=dict(values)):
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
    except Exception as exc:
        undo_write(session)
        if isinstance(exc, StaleDataError):
            session.expire(row)
        else:
            restore(before)
        log.error(f"{what} failed: {exc!r}")
        if raise_on_error:
            raise failure(exc) from exc
        return False, row
    return True, row


class _NoMatch(Exception):
    """No row matched a direct write: end its transaction without writing."""


def _committed_alone(session: Session, model: Any) -> None:
    """Leave the session as committing a direct write through it would have."""
    plain: Any = getattr(session, "sync_session", session)
    if plain.expire_on_commit:
        plain.expire_all()
    invalidate_written(session, model)


def _end_miss(session: Session) -> None:
    """Roll back a direct write that matched nothing, keeping loaded objects loaded."""
    kept = [] if in_block(session) else snapshot(list(session.identity_map.values()))
    undo_write(session)
    restore(kept)


def delete_directly(
    session: Session,
    model: Any,
    pk_value: Any,
    id_str: Any,
    pk_field: str,
    raise_on_error: bool,
    log: Any,
) -> bool:
    """``delete_row`` as one ``DELETE ... WHERE pk = :value`` (see ``_core.fastpath``).

    Outcomes match the load-then-delete path: ``True`` when a row went, ``False``
    (or ``RecordNotFoundError``) when none matched, and a failure handled like
    the load (a missing table, a refused value) or like the delete (anything else).
    """
    stmt = primary_key_delete(model)
    params = {FAST_PK_PARAM: pk_value}
    mapper = mapper_of(model)
    alone = commit_alone_bind(session, mapper)
    try:
        if alone is not None:
            if not execute_committed(session, alone, stmt, params):
                raise _NoMatch
            _committed_alone(session, model)
            return True
        with write_unit(session):
            if not execute_in_session(session, mapper, stmt, params):
                raise _NoMatch
    except _NoMatch:
        if alone is None:
            _end_miss(session)
        if raise_on_error:
            raise RecordNotFoundError(model, id_str, pk_field) from None
        return False
    except Exception as exc:
        if bind_error(exc) is not None or isinstance(translate_error(exc), SchemaError):
            reraise_read(session, exc, raise_on_error)
        undo_write(session)
        log.error(f"delete_row failed for {model.__name__} {pk_field}={id_str!r}: {exc!r}")
        if raise_on_error:
            raise failure(exc) from exc
        return False
    return True


def update_directly(
    session: Session,
    model: Any,
    pk_value: Any,
    id_str: Any,
    pk_field: str,
    data: dict[str, Any],
    raise_on_error: bool,
    log: Any,
    what: str,
) -> tuple[bool, Any]:
    """``update_row`` as one ``UPDATE ... RETURNING`` (see ``_core.fastpath``).

    The returned object is what the load-then-update path returns: persistent
    in the session, holding the stored row with ``data`` applied, readable after
    the commit.  On failure the row is read again, so the outcome matches that
    path too: ``(False, row)`` with its stored values, ``(False, None)`` when it
    is gone, and the lookup's own error when the lookup cannot run.
    """
    stmt, names = primary_key_update(model, tuple(data))
    params = {names[key]: value for key, value in data.items()}
    params[FAST_PK_PARAM] = pk_value
    written: list[Any] = []
    mapper = mapper_of(model)
    alone = commit_alone_bind(session, mapper)
    try:
        if alone is not None:
            row = execute_committed(session, alone, stmt, params)
            if row is None:
                raise _NoMatch
            _committed_alone(session, model)
            return True, attach_loaded(session, model, row, data)
        with write_unit(session, written):
            row = execute_in_session(session, mapper, stmt, params)
            if row is None:
                raise _NoMatch
            written.append(attach_loaded(session, model, row, data))
    except _NoMatch:
        if alone is None:
            _end_miss(session)
        if raise_on_error:
            raise RecordNotFoundError(model, id_str, pk_field) from None
        return False, None
    except Exception as exc:
        undo_write(session)
        stored = row_by_pk(session, model, pk_field, id_str, raise_on_error)
        if not in_block(session):
            (_release(session, stored) if stored is not None else rollback(session))
        if stored is None:
            return False, None
        log.error(f"{what} failed: {exc!r}")
        if raise_on_error:
            raise failure(exc) from exc
        return False, stored
    return True, written[0]


def read_directly(
    session: Session,
    model: Any,
    pk_value: Any,
    id_str: Any,
    pk_field: str,
    raise_on_error: bool,
) -> Any:
    """``get_row`` as a plain ``SELECT``, its row attached to the session (see ``_core.fastpath``).

    Returns:
        The persistent instance, or ``None`` (``RecordNotFoundError`` with
        ``raise_on_error``); failures are raised like the ORM read's.
    """
    stmt = primary_key_row_select(model)
    try:
        row = execute_in_session(session, mapper_of(model), stmt, {FAST_PK_PARAM: pk_value})
    except Exception as exc:
        reraise_read(session, exc, raise_on_error)
    if row is None:
        if raise_on_error:
            raise RecordNotFoundError(model, id_str, pk_field)
        return None
    return attach_loaded(session, model, row, {})
