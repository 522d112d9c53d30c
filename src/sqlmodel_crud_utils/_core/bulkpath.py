"""When a bulk helper may skip the ORM's per-row work (pure: nothing here executes).

``bulk_upsert_mappings`` runs one ``INSERT ... ON CONFLICT ... RETURNING``
per chunk and ``insert_data_rows`` one ``INSERT`` per group of alike rows.
Around those statements the ORM does general-purpose work for every row: its
bulk path copies and inspects each mapping and loads each returned row
through its loading machinery; its unit of work registers, sorts and
inspects each object.  For a plain model that work comes down to a few
dictionary operations per row (``_core.hydrate`` does them the way the ORM
does), and the checks here decide when that is so.  Anything unusual keeps
the ORM path:

* a model with inheritance, relationships, a version counter, deferred or
  SQL-expression attributes, ORM-level defaults of its own, or (for upserts,
  whose payload keys are column keys) attribute names that differ from
  column keys;
* change tracking; this package's audit listener on a model with
  ``created_by`` / ``updated_by`` columns;
* listeners the ORM path would run and the direct path would not: foreign
  session listeners of the events involved, mapper ``before_insert`` /
  ``after_insert`` listeners, class ``load`` / ``refresh`` /
  ``refresh_flush`` listeners;
* a session double, a sharded session, a session class that overrides how
  objects are added or flushed, or a database without the ``RETURNING``
  forms the statements need;
* for inserts, a session with pending changes (the ORM would flush them
  together with the new rows); the per-object conditions (new objects of
  the model's own class, each listed once, holding no SQL expressions) are
  checked while their parameters are built (``_core.hydrate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy import inspect as sa_inspect

from sqlmodel_crud_utils._core.state import plain_session
from sqlmodel_crud_utils._core.statements import UpsertPlan
from sqlmodel_crud_utils.hooks import has_hooks
from sqlmodel_crud_utils.tracking import is_tracked

_PACKAGE = __name__.split(".", 1)[0]

#: This package's session listeners that leave a plain, untracked model's rows alone
#: (the cache's bookkeeping is kept by the direct paths' own ``do_orm_execute``).
_NEUTRAL_MODULES = frozenset(f"{_PACKAGE}.{name}" for name in ("cache", "softdelete", "tracking"))
_AUDIT_MODULE = f"{_PACKAGE}.audit"
_AUDIT_COLUMNS = ("created_by", "updated_by")

#: Session events that adding and flushing new objects fires.  The direct
#: insert fires only ``do_orm_execute`` (it runs its statement through the
#: session), which the ORM path does not: any foreign listener keeps the ORM path.
INSERT_SESSION_EVENTS = (
    "before_attach",
    "after_attach",
    "transient_to_pending",
    "pending_to_transient",
    "pending_to_persistent",
    "before_flush",
    "after_flush",
    "after_flush_postexec",
    "after_transaction_create",
    "after_transaction_end",
    "do_orm_execute",
)

#: Session methods the unit of work goes through; a session class overriding one
#: of them expects to see the rows pass.
_UNIT_OF_WORK_METHODS = ("add", "add_all", "flush")

#: Dialects whose upsert statement returns its rows (MySQL reads them back).
_RETURNING_UPSERT_DIALECTS = ("postgresql", "sqlite")


@dataclass(frozen=True)
class ModelShape:
    """What the direct paths need of a plain model's mapping, computed once per model.

    Attributes:
        mapper: The model's mapper.
        table: Its single table.
        attributes: The column attribute names, in the mapper's order.
        columns: Their columns, in the same order.
        same_keys: Whether every attribute name is its column's key.
        audited: Whether the table has ``created_by`` or ``updated_by``.
    """

    mapper: Any
    table: Any
    attributes: tuple[str, ...]
    columns: tuple[Any, ...]
    same_keys: bool
    audited: bool


_shapes: dict[Any, ModelShape | None] = {}


def model_shape(model: Any) -> ModelShape | None:
    """The shape of ``model`` when it is plain enough for the direct paths, else ``None``."""
    try:
        return _shapes[model]
    except KeyError:
        pass
    except TypeError:  # unhashable: not a model class
        return None
    try:
        shape = _shape_of(model)
    except Exception:  # not a mapped class, or a mapping this module does not know
        shape = None
    _shapes[model] = shape
    return shape


def _shape_of(model: Any) -> ModelShape | None:
    mapper = sa_inspect(model)
    table = mapper.local_table
    if (
        not isinstance(table, Table)
        or mapper.persist_selectable is not table
        or mapper.inherits is not None
        or mapper.polymorphic_on is not None
        or mapper.polymorphic_map
        or mapper.version_id_col is not None
        or mapper.relationships
        or list(mapper._pks_by_table) != [table]
        or mapper._table_to_equated.get(table)
        or getattr(mapper, "_insert_orm_defaults", {}).get(table)
    ):
        return None
    attributes: list[str] = []
    columns: list[Any] = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if len(prop.columns) != 1 or prop.deferred or getattr(column, "table", None) is not table:
            return None
        attributes.append(prop.key)
        columns.append(column)
    return ModelShape(
        mapper=mapper,
        table=table,
        attributes=tuple(attributes),
        columns=tuple(columns),
        same_keys=all(key == column.key for key, column in zip(attributes, columns, strict=True)),
        audited=any(name in table.columns for name in _AUDIT_COLUMNS),
    )


def session_dialect(session: Any, model: Any) -> Any:
    """The dialect of the engine ``session`` uses for ``model`` (``None`` for session doubles)."""
    try:
        bind = session.get_bind(mapper=model)
    except Exception:
        return None
    dialect = getattr(bind, "dialect", None)
    return dialect if isinstance(getattr(dialect, "name", None), str) else None


def _module(fn: Any) -> str:
    return getattr(fn, "__module__", None) or ""


def _foreign_listeners(dispatch: Any, events: Iterable[str], audited: bool) -> bool:
    """Whether a listener of ``events`` is not one of this package's neutral ones."""
    for name in events:
        for fn in getattr(dispatch, name, ()):
            module = _module(fn)
            if module in _NEUTRAL_MODULES or (module == _AUDIT_MODULE and not audited):
                continue
            return True
    return False


def _stock_session(session: Any) -> bool:
    """Whether adding and flushing are the ORM's own methods on both session layers."""
    for cls in {type(session), type(plain_session(session))}:
        for name in _UNIT_OF_WORK_METHODS:
            owner = _module(getattr(cls, name, None)).split(".", 1)[0]
            if owner not in ("sqlalchemy", "sqlmodel"):
                return False
    return True


def _real_session(session: Any, model: Any) -> tuple[Any, Any] | None:
    """``(sync session, dialect)`` of a real, unsharded session, else ``None``."""
    dialect = session_dialect(session, model)
    plain = plain_session(session)
    if dialect is None or getattr(plain, "connection_callable", None) is not None:
        return None
    if not hasattr(plain, "identity_map") or not hasattr(plain, "dispatch"):
        return None
    return plain, dialect


def can_upsert_directly(
    session: Any, model: Any, keys: Sequence[str], plan: UpsertPlan
) -> ModelShape | None:
    """The model's shape when ``bulk_upsert_mappings`` may load its rows directly.

    The statement is the same and runs the same way (through the session,
    which autoflushes as before); what changes is that the returned rows are
    turned into instances by ``_core.hydrate.load_rows`` instead of the ORM's
    loader, and the payload goes to the statement as the ORM's bulk path
    would send it (``upsert_parameters``).

    Args:
        session: The caller's session (sync or async).
        model: The model class.
        keys: The payload's keys (every mapping has the same).
        plan: The upsert's plan (its dialect is ``None`` for a rebound construct).
    """
    if plan.dialect not in _RETURNING_UPSERT_DIALECTS:
        return None
    shape = model_shape(model)
    if shape is None or not shape.same_keys or is_tracked(model):
        return None
    if not set(keys).issubset(shape.attributes):
        return None
    found = _real_session(session, model)
    if found is None:
        return None
    plain, dialect = found
    if dialect.name != plan.dialect or not dialect.insert_executemany_returning:
        return None
    manager = shape.mapper.class_manager
    if manager.dispatch.load or manager.dispatch.refresh:
        return None
    if _foreign_listeners(plain.dispatch, ("do_orm_execute",), shape.audited):
        return None
    return shape


def can_insert_directly(session: Any, model: Any) -> tuple[ModelShape, Any] | None:
    """``(shape, dialect)`` when ``insert_data_rows`` may insert new ``model`` rows directly.

    The objects themselves are checked while their parameters are built
    (``_core.hydrate.plan_object_insert``).

    Args:
        session: The caller's session (sync or async).
        model: The class of the rows.
    """
    shape = model_shape(model)
    if shape is None or is_tracked(model) or not shape.table.implicit_returning:
        return None
    found = _real_session(session, model)
    if found is None:
        return None
    plain, dialect = found
    if not (
        dialect.insert_returning and dialect.insert_executemany_returning_sort_by_parameter_order
    ):
        return None
    if plain.new or plain.deleted or plain.identity_map.check_modified():
        return None
    mapper = shape.mapper
    if mapper.dispatch.before_insert or mapper.dispatch.after_insert:
        return None
    if mapper.class_manager.dispatch.refresh_flush:
        return None
    if _foreign_listeners(plain.dispatch, INSERT_SESSION_EVENTS, shape.audited):
        return None
    if not _stock_session(session):
        return None
    return shape, dialect


def keeps_values_through_commit(session: Any, model: Any, after_event: str) -> bool:
    """Whether objects written by a bulk helper need their values restored after its commit.

    They do when the commit expires them (the session's ``expire_on_commit``)
    or when ``after_event`` hooks run between the write and the commit (the
    values written are what the helpers give back).  Otherwise the commit
    leaves them as they are and the snapshot would be wasted work.
    """
    if getattr(plain_session(session), "expire_on_commit", True) is not False:
        return True
    return has_hooks(model, after_event)


def evaluating_none(shape: ModelShape) -> frozenset[str]:
    """Column keys whose ``None`` is a value to send (JSON ``null``), not "use the default"."""
    columns = shape.mapper._insert_cols_evaluating_none[shape.table]
    return frozenset(column.key for column in columns)


__all__ = [
    "INSERT_SESSION_EVENTS",
    "ModelShape",
    "can_insert_directly",
    "can_upsert_directly",
    "evaluating_none",
    "keeps_values_through_commit",
    "model_shape",
    "session_dialect",
]
