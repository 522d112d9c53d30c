"""Instances from bulk statements, kept the way the ORM keeps them (pure: no I/O).

For plain models (``_core.bulkpath`` decides which) the bulk helpers run
their statements directly and do here, in a few dictionary operations per
row, what the ORM would do around them:

* ``bulk_upsert_mappings``: the payload goes to the statement as the ORM's
  bulk insert sends it (``upsert_parameters``) and the returned rows become
  instances the way the ORM loads them with ``populate_existing``
  (``load_rows``): an identity already in the session is refreshed in place,
  a new one gets a new persistent instance;
* ``insert_data_rows``: the caller's new objects are written in the groups a
  flush would write them in, with the same statements (``plan_object_insert``);
  generated keys, defaults and server values land in the objects as a flush
  puts them there (``apply_inserted``); then the objects become persistent in
  the session, registered with its transaction so that a rollback makes them
  transient again (``register_inserted``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, pairwise, repeat, zip_longest
from operator import is_, itemgetter, methodcaller
from typing import Any
from uuid import UUID

from sqlalchemy import util as sa_util
from sqlalchemy.orm.base import PassiveFlag
from sqlalchemy.orm.exc import FlushError
from sqlalchemy.orm.state import InstanceState
from sqlalchemy.sql import ClauseElement

from sqlmodel_crud_utils._core.bulkpath import ModelShape
from sqlmodel_crud_utils._core.inserts import plain_insert
from sqlmodel_crud_utils._core.state import plain_session
from sqlmodel_crud_utils._core.statements import order_like_payload

#: Value types that are never SQL expressions (checked without attribute lookups).
_PLAIN_TYPES = frozenset(
    (str, int, float, bool, bytes, dict, list, Decimal, UUID, dt.datetime, dt.date, dt.time)
) | {dt.timedelta}

_values = methodcaller("values")


# --------------------------------------------------------------------------- #
# Upserts: parameters and returned rows
# --------------------------------------------------------------------------- #


def upsert_parameters(
    chunk: list[Mapping[str, Any]], evaluating_none: frozenset[str]
) -> list[list[Mapping[str, Any]]]:
    """The executemany parameter lists the ORM's bulk insert sends for ``chunk``.

    The ORM leaves a ``None`` out of a row (so the column default applies),
    except for columns whose type stores ``None`` as a value (JSON), and runs
    consecutive rows with the same keys as one executemany.  Without any
    ``None`` the chunk goes as it is, in one list.
    """
    if not any(map(is_, chain.from_iterable(map(_values, chunk)), repeat(None))):
        return [chunk]
    groups: list[list[Mapping[str, Any]]] = []
    last: Any = None
    for row in chunk:
        params = {k: v for k, v in row.items() if v is not None or k in evaluating_none}
        if groups and params.keys() == last:
            groups[-1].append(params)
        else:
            groups.append([params])
            last = params.keys()
    return groups


@dataclass(frozen=True)
class _RowLayout:
    """How to read an instance from the rows of one result."""

    attributes: tuple[str, ...] | None  # per row position; None: look columns up by object
    key_positions: tuple[int, ...]
    columns: tuple[Any, ...]  # the shape's columns, for the slow lookup


_layouts: dict[tuple[Any, tuple[str, ...]], _RowLayout] = {}


def _layout(shape: ModelShape, names: tuple[str, ...]) -> _RowLayout:
    cache_key = (shape.mapper, names)
    layout = _layouts.get(cache_key)
    if layout is None:
        pairs = zip(shape.attributes, shape.columns, strict=True)
        by_name = {column.name: key for key, column in pairs}
        keys = [shape.mapper.get_property_by_column(c).key for c in shape.mapper.primary_key]
        if set(names) == set(by_name) and len(names) == len(by_name):
            attributes = tuple(by_name[name] for name in names)
            positions = tuple(attributes.index(key) for key in keys)
            layout = _RowLayout(attributes, positions, shape.columns)
        else:  # not one column per mapped attribute: read each row by column
            positions = tuple(shape.attributes.index(key) for key in keys)
            layout = _RowLayout(None, positions, shape.columns)
        _layouts[cache_key] = layout
    return layout


def load_rows(session: Any, shape: ModelShape, result: Any, seen: dict[Any, Any]) -> list[Any]:
    """Instances for the rows of ``result``, as the ORM loads them with ``populate_existing``.

    A row whose identity is in the session's identity map refreshes that
    object (its values become its committed state, pending changes and
    expiry included); otherwise a new persistent instance enters the identity
    map (the session's ``loaded_as_persistent`` listeners run).  Within one
    load (``seen``, shared by the results of one statement) the first row of
    an identity wins and later rows give the same object again.  A row
    without key values gives ``None``, as the ORM's loader does.

    Args:
        session: The session the rows were read through (sync or async).
        shape: The model's shape.
        result: The statement's result, rows holding every mapped column.
        seen: Identity key -> instance, for the rows of this load so far.
    """
    plain = plain_session(session)
    mapper = shape.mapper
    identity_map = plain.identity_map
    held = identity_map._dict  # identities with a state, alive or not (``get`` tells)
    lookup = identity_map.get
    add_new = identity_map._add_unpresent
    new_instance = mapper.class_manager.new_instance
    identity_class = mapper._identity_class
    hash_key = plain.hash_key
    persistent_event = plain.dispatch.loaded_as_persistent
    partial_keys = mapper.allow_partial_pks
    layout = _layout(shape, tuple(result.keys()))
    if layout.attributes is None:
        rows: Iterable[Any] = (
            tuple(row._mapping[column] for column in layout.columns) for row in result
        )
        attributes = shape.attributes
    else:
        rows = result
        attributes = layout.attributes
    key_of = itemgetter(*layout.key_positions)
    single_key = len(layout.key_positions) == 1
    # A new state has nothing to commit unless a listener changed it first.
    committed: list[Any] = []
    out: list[Any] = []
    for row in rows:
        key_values = (key_of(row),) if single_key else key_of(row)
        identity = (identity_class, key_values, None)
        obj = seen.get(identity)
        if obj is not None:
            out.append(obj)
            continue
        obj = lookup(identity) if identity in held else None
        if obj is None:
            if (key_values[0] is None) if single_key else _null_key(key_values, partial_keys):
                out.append(None)
                continue
            obj = new_instance()
            state = obj._sa_instance_state
            state.key = identity
            state.identity_token = None
            state.session_id = hash_key
            add_new(state, identity)
            obj.__dict__.update(zip(attributes, row, strict=True))
            if persistent_event:
                persistent_event(plain, state)
                committed.append(state)
        else:
            state = obj._sa_instance_state
            obj.__dict__.update(zip(attributes, row, strict=True))
            committed.append(state)
        seen[identity] = obj
        out.append(obj)
    if committed:
        InstanceState._commit_all_states(((s, s.dict) for s in committed), identity_map)
    return out


def payload_order(
    objects: list[Any], payload: Sequence[Mapping[str, Any]], pk_fields: Sequence[str]
) -> list[Any]:
    """What ``order_like_payload`` returns, for objects whose key attributes are loaded.

    Objects in the order of the first payload row with their key, those the
    payload has no row for last; no sort at all when the rows came back in
    that order already.  Anything unusual (a payload row without its key, an
    unhashable key, a row that gave no object) is left to
    ``order_like_payload`` itself.
    """
    size = len(payload)
    try:
        if len(pk_fields) == 1:
            name = pk_fields[0]
            keys = [row[name] for row in payload]
            found = [obj.__dict__[name] for obj in objects]
        else:
            read = itemgetter(*pk_fields)
            keys = [read(row) for row in payload]
            found = [read(obj.__dict__) for obj in objects]
        positions = dict(zip(reversed(keys), range(size - 1, -1, -1), strict=True))
        ranks = [positions.get(key, size) for key in found]
    except Exception:  # a row without its key, an unhashable key, no object: its own rules
        return order_like_payload(objects, payload, pk_fields)
    if all(a <= b for a, b in pairwise(ranks)):
        return list(objects)
    order = sorted(range(len(objects)), key=ranks.__getitem__)
    return [objects[index] for index in order]


# --------------------------------------------------------------------------- #
# Inserts of new objects
# --------------------------------------------------------------------------- #


@dataclass
class InsertGroup:
    """Consecutive objects a flush writes with one statement execution.

    Attributes:
        objects: The objects, in flush order.
        params: Their parameters, keyed by column key (a mapping may hold other
            keys too, which no column uses).
        keys: The column keys the parameters give values for.
        statement: The ``INSERT`` (with the flush's ``RETURNING`` of generated values).
        returning: Whether rows come back for the objects (keys, server defaults).
        single: Whether the one object is executed alone (not as an executemany).
    """

    objects: list[Any]
    params: list[Mapping[str, Any]]
    keys: frozenset[str]
    statement: Any = None
    returning: bool = False
    single: bool = False


@dataclass
class ObjectInsert:
    """How ``insert_data_rows`` writes a list of new objects directly.

    Attributes:
        shape: The model's shape.
        groups: The statement executions, in flush order.
        complete: Whether every object will hold every column value afterwards
            (no attribute was left out, no server value has to be read later).
    """

    shape: ModelShape
    groups: list[InsertGroup] = field(default_factory=list)
    complete: bool = True


def _is_sql(value: Any) -> bool:
    return hasattr(value, "__clause_element__") or isinstance(value, ClauseElement)


def _object_parameters(
    obj: Any,
    pairs: Sequence[tuple[str, str, bool]],
    as_none: frozenset[str],
) -> dict[str, Any] | None:
    """One object's INSERT parameters as the flush builds them (``None`` for SQL values).

    Attributes absent from the object are left out; ``None`` is left out
    unless the column type stores it (JSON); columns without any default then
    get an explicit ``None``.
    """
    values = obj.__dict__
    params: dict[str, Any] = {}
    for attribute, column_key, keeps_none in pairs:
        if attribute not in values:
            continue
        value = values[attribute]
        if value is None:
            if keeps_none:
                params[column_key] = None
            continue
        if type(value) not in _PLAIN_TYPES and _is_sql(value):
            return None
        params[column_key] = value
    for column_key in as_none.difference(params):
        params[column_key] = None
    return params


def plan_object_insert(
    model: Any, shape: ModelShape, dialect: Any, objects: list[Any]
) -> ObjectInsert | None:
    """Group new ``objects`` as a flush would, or ``None`` when the unit of work must write them.

    The objects must be new (never in a session), of ``model`` itself, each
    listed once, and hold no SQL expressions.  Consecutive objects with the
    same parameter keys form a group; as in the flush, a group with every key
    and server default given is one plain executemany, otherwise one
    executemany with ``RETURNING`` of the keys and server defaults in
    parameter order (or a lone execution for a single object).
    """
    mapper = shape.mapper
    table = shape.table
    if len({id(obj) for obj in objects}) != len(objects):
        return None
    keeps_none = mapper._insert_cols_evaluating_none[table]
    as_none: frozenset[str] = mapper._insert_cols_as_none[table]
    pairs = [
        (key, column.key, column in keeps_none)
        for key, column in zip(shape.attributes, shape.columns, strict=True)
    ]
    column_keys = tuple(column.key for column in shape.columns)
    every_column = frozenset(column_keys)
    same_keys = shape.same_keys
    read_all = itemgetter(*shape.attributes)
    groups: list[InsertGroup] = []
    last_keys: Any = None
    complete = True
    for obj in objects:
        if type(obj) is not model:
            return None
        state = obj._sa_instance_state
        if state.key is not None or state.session_id is not None:
            return None
        params: Mapping[str, Any] | None = None
        keys: frozenset[str]
        try:
            values = read_all(obj.__dict__)
        except KeyError:
            values = None
        if values is not None:
            if len(column_keys) == 1:
                values = (values,)
            if _PLAIN_TYPES.issuperset(map(type, values)):
                # Every column has a plain value: the object's own attributes serve as
                # the parameters (other keys there are not columns and go unused).
                params = obj.__dict__ if same_keys else dict(zip(column_keys, values, strict=True))
                keys = every_column
        if params is None:
            params = _object_parameters(obj, pairs, as_none)
            if params is None:
                return None
            if values is None:
                complete = False
            keys = frozenset(params)
        if groups and keys == last_keys:
            groups[-1].objects.append(obj)
            groups[-1].params.append(params)
        else:
            groups.append(InsertGroup([obj], [params], keys=keys))
            last_keys = keys
    plan = ObjectInsert(shape, complete=complete)
    for group in groups:
        plan.groups.extend(_finish_group(shape, dialect, group))
    return plan


def _finish_group(shape: ModelShape, dialect: Any, group: InsertGroup) -> list[InsertGroup]:
    """The statement (and executions) of a group, chosen as the flush chooses them."""
    mapper = shape.mapper
    table = shape.table
    keys = group.keys
    has_all_pks = mapper._pk_keys_by_table[table].issubset(keys)
    eager = mapper._prefer_eager_defaults(dialect, table)
    has_all_defaults = mapper._server_default_col_keys[table].issubset(keys) if eager else True
    if has_all_pks and (
        has_all_defaults
        or not eager
        or not table.implicit_returning
        or not dialect.insert_returning
    ):
        group.statement = _statement(shape, False, False)
        return [group]
    many = table.implicit_returning and len(group.objects) > 1
    returning_defaults = not has_all_defaults and eager
    group.statement = _statement(shape, returning_defaults, many)
    if many:
        group.returning = True
        return [group]
    return [
        InsertGroup([obj], [params], keys, group.statement, single=True)
        for obj, params in zip(group.objects, group.params, strict=True)
    ]


_statements: dict[tuple[Any, bool, bool], Any] = {}


def _statement(shape: ModelShape, server_defaults: bool, keys: bool) -> Any:
    """``INSERT INTO <table>`` with the flush's ``return_defaults`` calls, built once."""
    cache_key = (shape.table, server_defaults, keys)
    stmt = _statements.get(cache_key)
    if stmt is None:
        stmt = plain_insert(shape.table)
        if server_defaults:
            stmt = stmt.return_defaults(
                *shape.mapper._server_default_cols[shape.table], sort_by_parameter_order=True
            )
        if keys:
            stmt = stmt.return_defaults(*shape.table.primary_key, sort_by_parameter_order=True)
        _statements[cache_key] = stmt
    return stmt


def apply_inserted(plan: ObjectInsert, group: InsertGroup, result: Any) -> None:
    """Put what the database generated for a group into its objects, as a flush does.

    Generated keys fill key attributes that were ``None``; ``RETURNING``
    values, column defaults computed for the statement and server values the
    statement could not return (expired, read on next access) are handled as
    the flush's post-fetch step handles them.

    Raises:
        FlushError: the database returned fewer keys than rows (as the flush raises).
    """
    shape = plan.shape
    mapper = shape.mapper
    to_attribute = mapper._columntoproperty
    context = result.context
    compiled = context.compiled
    returning = [
        (index, to_attribute[column].key)
        for index, column in enumerate(compiled.effective_returning or ())
        if not (column.primary_key and context.isinsert) and column in to_attribute
    ]
    prefetch = [(c.key, to_attribute[c].key) for c in compiled.prefetch if c in to_attribute]
    postfetch = [to_attribute[c].key for c in compiled.postfetch if c in to_attribute]
    key_attributes = [to_attribute[c].key for c in mapper._pks_by_table[shape.table]]
    if postfetch:
        plan.complete = False
    parameters = context.compiled_parameters
    if group.single:
        obj = group.objects[0]
        _fill_keys(mapper, obj, key_attributes, result.inserted_primary_key)
        returned = result.returned_defaults if not context.executemany else None
        _post_fetch(obj, parameters[0], returned, returning, prefetch, postfetch)
        return
    if not group.returning:
        if returning or prefetch or postfetch:
            for obj, params in zip(group.objects, parameters, strict=True):
                _post_fetch(obj, params, None, returning, prefetch, postfetch)
        return
    for obj, params, key_row, returned in zip_longest(
        group.objects,
        parameters,
        result.inserted_primary_key_rows,
        result.returned_defaults_rows or (),
    ):
        _fill_keys(mapper, obj, key_attributes, key_row)
        _post_fetch(obj, params, returned, returning, prefetch, postfetch)


def apply_written(plan: ObjectInsert, group: InsertGroup, compiled: Any) -> None:
    """:func:`apply_inserted` for a group written by a plain ``executemany`` on the cursor.

    Such a statement returns nothing and computes no values in Python, so
    only the columns the server fills (expired, read on next access) remain.
    """
    to_attribute = plan.shape.mapper._columntoproperty
    postfetch = [to_attribute[c].key for c in compiled.postfetch if c in to_attribute]
    if postfetch:
        plan.complete = False
        for obj in group.objects:
            _post_fetch(obj, {}, None, [], [], postfetch)


def _fill_keys(mapper: Any, obj: Any, attributes: list[str], key_row: Any) -> None:
    """Set generated key values on key attributes that are ``None`` (as the flush does)."""
    if key_row is None:
        raise FlushError(
            f"INSERT statement for {mapper} did not produce the new primary key of every "
            "row.  Ensure there are no triggers or special driver issues preventing INSERT "
            "from functioning properly."
        )
    values = obj.__dict__
    for value, attribute in zip(key_row, attributes, strict=False):
        if values.get(attribute) is None:
            values[attribute] = value


def _post_fetch(
    obj: Any,
    params: Mapping[str, Any],
    returned: Any,
    returning: list[tuple[int, str]],
    prefetch: list[tuple[str, str]],
    postfetch: list[str],
) -> None:
    values = obj.__dict__
    state = obj._sa_instance_state
    if returning and returned is not None:
        for index, attribute in returning:
            values[attribute] = returned[index]
    for column_key, attribute in prefetch:
        if column_key in params:
            values[attribute] = params[column_key]
            state.committed_state.pop(attribute, None)
    if postfetch:
        state._expire_attributes(values, postfetch)


def register_inserted(session: Any, plan: ObjectInsert) -> None:
    """Make the inserted objects persistent in ``session``, as the end of a flush does.

    Each object gets its identity key and the session, enters the identity
    map, has its values committed, and is recorded as new in the session's
    current transaction (a rollback of that transaction or SAVEPOINT makes it
    transient again).

    Raises:
        FlushError: an object has no key values (as the flush raises).
    """
    plain = plain_session(session)
    mapper = plan.shape.mapper
    identity_map = plain.identity_map
    held = identity_map._dict
    map_ref = identity_map._wr
    modified = identity_map._modified
    identity_class = mapper._identity_class
    key_attributes = [prop.key for prop in mapper._identity_key_props]
    read_key = itemgetter(*key_attributes)
    single_key = len(key_attributes) == 1
    partial_keys = mapper.allow_partial_pks
    hash_key = plain.hash_key
    new_in_transaction = plain._transaction._new
    states = []
    order = 0
    for group in plan.groups:
        for obj in group.objects:
            values = obj.__dict__
            try:
                key_values = (read_key(values),) if single_key else read_key(values)
            except KeyError:
                key_values = tuple([values.get(key) for key in key_attributes])
            if (key_values[0] is None) if single_key else _null_key(key_values, partial_keys):
                raise FlushError(
                    f"Instance {obj!r} has a NULL identity key.  If this is an auto-generated "
                    "value, check that the database table allows generation of new primary "
                    "key values, and that the mapped Column object is configured to expect "
                    "these generated values."
                )
            state = obj._sa_instance_state
            order += 1
            state.insert_order = order
            state.session_id = hash_key
            identity = (identity_class, key_values, None)
            state.key = identity
            if identity in held:
                _replace(mapper, identity_map, state, identity)
            else:  # the identity map's own ``_add_unpresent``, inlined
                held[identity] = state
                state._instance_dict = map_ref
            states.append(state)
            # ``InstanceState._commit_all_states``, inlined: the values are now the committed ones.
            state.committed_state.clear()
            state_dict = state.__dict__
            if "_pending_mutations" in state_dict:
                del state_dict["_pending_mutations"]
            expired = state.expired_attributes
            if expired:
                expired.difference_update(values)
            if state.modified:
                modified.discard(state)
            state.modified = state.expired = False
            state._strong_obj = None
    new_in_transaction.update(dict.fromkeys(states, True))


def _replace(mapper: Any, identity_map: Any, state: Any, identity: Any) -> None:
    """Put ``state`` in place of another state of its identity, warning as the flush does."""
    old = identity_map.replace(state)
    if old is None or old.obj() is None:
        return
    if mapper._identity_key_from_state(old, PassiveFlag.PASSIVE_NO_FETCH) == identity:
        sa_util.warn(
            f"Identity map already had an identity for {identity}, replacing it with "
            "newly flushed object.   Are there load operations occurring inside of an "
            "event handler within the flush?"
        )


def _null_key(values: tuple[Any, ...], partial_keys_allowed: bool) -> bool:
    """Whether key values identify no row: all ``None``, or any with partial keys refused."""
    if partial_keys_allowed:
        return all(value is None for value in values)
    return any(value is None for value in values)


__all__ = [
    "InsertGroup",
    "ObjectInsert",
    "apply_inserted",
    "apply_written",
    "load_rows",
    "payload_order",
    "plan_object_insert",
    "register_inserted",
    "upsert_parameters",
]
