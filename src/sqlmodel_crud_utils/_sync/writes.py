# This file is generated from src/sqlmodel_crud_utils/_async/writes.py by scripts/unasync.py. Do not edit it by hand.
"""Write helpers added by this package: get_or_create, soft_delete_row, restore_row.

They follow the conventions of the upstream helpers in ``sync``: the
caller's session, commit outside a ``transaction()`` block and join it
inside, lifecycle hooks, ``raise_on_error``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlmodel import SQLModel, select

from sqlmodel_crud_utils import utils
from sqlmodel_crud_utils._sync.units import (
    apply_update,
    create_or_find,
    find_or_lock,
    row_by_pk,
)
from sqlmodel_crud_utils.log import current_logger
from sqlmodel_crud_utils.softdelete import INCLUDE_DELETED

if TYPE_CHECKING:
    from sqlmodel import Session

ModelT = TypeVar("ModelT", bound=SQLModel)

__all__ = ["get_or_create", "restore_row", "soft_delete_row"]


def get_or_create(
    session_inst: Session,
    model: type[ModelT],
    defaults: dict[str, Any] | None = None,
    *,
    raise_on_error: bool = False,
    **kwargs: Any,
) -> tuple[ModelT, bool]:
    """Return the row matching ``kwargs``, creating it when there is none.

    Safe under concurrency when a unique constraint covers the lookup keys:
    concurrent callers for the same key get the same row and no error (the
    insert runs under a SAVEPOINT and a lost race selects the winner; on
    SQLite creators are serialised with ``BEGIN IMMEDIATE``).

    Args:
        session_inst: The session to use.
        model: The model class.
        defaults: Extra attributes for a new row (they win over ``kwargs``).
        raise_on_error: Raise typed errors on database failures.
        **kwargs: Equality filters that identify the row.

    Returns:
        ``(row, created)`` — ``created`` is ``True`` when this call inserted it.
    """
    query = select(model).filter_by(**kwargs)
    found = find_or_lock(session_inst, query, raise_on_error)
    if found is not None:
        return found, False
    created = model(**{**kwargs, **(defaults or {})})
    row = create_or_find(session_inst, created, query, raise_on_error)
    return row, row is created


def _set_deleted(
    session: Session,
    model: type[ModelT],
    id_str: Any,
    pk_field: str,
    values: dict[str, Any],
    raise_on_error: bool,
    what: str,
) -> tuple[bool, ModelT | None]:
    utils.validate_soft_delete_args(model, True, None)
    row = row_by_pk(
        session, model, pk_field, id_str, raise_on_error, execution_options={INCLUDE_DELETED: True}
    )
    if row is None:
        return False, None
    return apply_update(
        session,
        model,
        row,
        values,
        raise_on_error,
        current_logger(),
        f"{what} for {model.__name__} {pk_field}={id_str!r}",
    )


def soft_delete_row(
    id_str: Any,
    session_inst: Session,
    model: type[ModelT],
    pk_field: str = "id",
    deleted_by: str | None = None,
    *,
    raise_on_error: bool = False,
) -> tuple[bool, ModelT | None]:
    """Mark one row deleted: ``is_deleted=True``, ``deleted_at`` now (UTC), ``deleted_by``.

    Args:
        id_str: The key value; a string is converted to the column's type.
        session_inst: The session to use.
        model: A model with ``is_deleted``, ``deleted_at`` and ``deleted_by``.
        pk_field: The key column's attribute name.
        deleted_by: Who deleted it.
        raise_on_error: Raise ``RecordNotFoundError`` / typed errors instead
            of returning failure tuples.

    Returns:
        ``(True, row)``; ``(False, None)`` when no row matches; ``(False, row)``
        when saving failed.

    Raises:
        ValueError: ``model`` lacks the soft-delete columns.
    """
    values = {
        "is_deleted": True,
        "deleted_at": utils.soft_delete_timestamp(),
        "deleted_by": deleted_by,
    }
    return _set_deleted(
        session_inst, model, id_str, pk_field, values, raise_on_error, "soft_delete_row"
    )


def restore_row(
    id_str: Any,
    session_inst: Session,
    model: type[ModelT],
    pk_field: str = "id",
    *,
    raise_on_error: bool = False,
) -> tuple[bool, ModelT | None]:
    """Undo a soft delete: ``is_deleted=False``, ``deleted_at`` and ``deleted_by`` cleared.

    Args:
        id_str: The key value; a string is converted to the column's type.
        session_inst: The session to use.
        model: A model with ``is_deleted``, ``deleted_at`` and ``deleted_by``.
        pk_field: The key column's attribute name.
        raise_on_error: Raise ``RecordNotFoundError`` / typed errors instead
            of returning failure tuples.

    Returns:
        ``(True, row)``; ``(False, None)`` when no row matches; ``(False, row)``
        when saving failed.
    """
    values: dict[str, Any] = {"is_deleted": False, "deleted_at": None, "deleted_by": None}
    return _set_deleted(
        session_inst, model, id_str, pk_field, values, raise_on_error, "restore_row"
    )
