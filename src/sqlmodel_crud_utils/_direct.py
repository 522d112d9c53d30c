"""Statements sent straight to the driver's cursor, for the single-row and bulk fast paths.

``get_row``, ``update_row`` and ``delete_row`` run one fixed statement per
model (``_core.fastpath`` builds them).  Executing such a statement through
``Connection.execute`` costs more than the database does on a primary-key
lookup: SQLAlchemy computes the statement's cache key, builds an execution
context and a result object every time.  Here the statement goes through
``Connection.execute`` once per dialect; what that run used (the SQL string,
the order of the parameters and their bind processors, the result column
processors) is kept, and later runs call the driver's ``cursor.execute`` with
it directly, then apply the same processors to the fetched rows.

This only happens where nothing could tell the difference; otherwise the
statement goes through ``Connection.execute`` as usual:

* the connection has no listeners, its engine no ``before/after_execute``
  or ``before/after_cursor_execute`` listeners, the dialect no listeners, and
  statements are not logged (``echo``);
* no ``schema_translate_map`` execution option;
* the dialect's execution context does nothing around the execute call that
  is not repeated here, and binds parameters without ``setinputsizes``;
* the statement's compiled form needs no per-call work (no expanding or
  literal parameters, no Python-side column defaults, no escaped names) and
  takes the parameters given plus, at most, values fixed in the statement
  itself (such as a ``LIMIT``), which are kept from the first run.

Bulk writes that Core runs as one plain ``executemany`` (no ``RETURNING``, no
"insertmanyvalues" batches) are kept the same way per statement and set of
row keys (:func:`execute_many`): later runs bind each row with the kept
processors and call ``cursor.executemany``.

Driver errors are handed to SQLAlchemy's own error handling
(``Connection._handle_dbapi_exception``), so they are wrapped, translated and
(for lost connections) invalidate the pool as they would through Core.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy.engine.default import DefaultDialect, DefaultExecutionContext
from sqlalchemy.engine.interfaces import BindTyping, ExecuteStyle
from sqlalchemy.exc import MultipleResultsFound

__all__ = ["execute_many", "execute_plain", "execute_records", "execute_single"]

#: Connection events that see statements (a listener forces the Core path).
_STATEMENT_EVENTS = (
    "before_execute",
    "after_execute",
    "before_cursor_execute",
    "after_cursor_execute",
)


class _Plan(NamedTuple):
    """What a Core run of one statement used, to repeat it on the driver's cursor."""

    sql: str
    bind: Callable[[Mapping[str, Any]], Any]  # parameters by name -> what the driver takes
    results: tuple[Any, ...] | None  # result processors per column (() for none), None: no rows
    asof: bool  # asyncpg: copy the schema-cache stamp to the cursor
    constants: dict[str, Any]  # values fixed in the statement (a LIMIT), by name
    keys: tuple[str, ...]  # the result's column names
    compiled: Any  # the compiled statement (what callers read post-fetch columns from)


#: Statements remembered per dialect; more are not expected (they are built once
#: per model or table shape), so reaching it clears the map rather than growing.
_MAX_STATEMENTS = 4096

#: Marker of a statement not run yet on a dialect.
_UNSEEN: Any = object()

#: dialect -> statement -> plan (``None``: this statement always goes through Core).
_plans: weakref.WeakKeyDictionary[Any, dict[Any, _Plan | None]] = weakref.WeakKeyDictionary()

#: dialect -> (statement, sorted keys of the first row) -> plan (``None``: always Core).
_many_plans: weakref.WeakKeyDictionary[Any, dict[Any, _Plan | None]] = weakref.WeakKeyDictionary()


#: dialect -> whether its execution context allows direct runs at all.
_dialects: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _dialect_allows(dialect: Any) -> bool:
    found = _dialects.get(dialect)
    if found is None:
        ctx = dialect.execution_ctx_cls
        base = DefaultExecutionContext
        asyncpg = getattr(dialect, "driver", None) == "asyncpg"
        found = (
            dialect.bind_typing is not BindTyping.SETINPUTSIZES
            and not getattr(dialect, "server_side_cursors", False)
            and (ctx.pre_exec is base.pre_exec or asyncpg)
            and ctx.post_exec is base.post_exec
            and ctx.create_default_cursor is base.create_default_cursor
        )
        _dialects[dialect] = found
    return found


def _quiet(conn: Any) -> bool:
    """Whether nothing on ``conn`` would see or change a statement run on it.

    A listener on the connection itself marks it ``_has_events``; the
    engine's listeners are looked up on the engine (the connection's joined
    event collections are built on first use, which costs more than the check).
    """
    if conn._has_events or conn._echo or "schema_translate_map" in conn._execution_options:
        return False
    engine = conn.engine
    if engine._has_events:
        dispatch = engine.dispatch
        for name in _STATEMENT_EVENTS:
            if getattr(dispatch, name):
                return False
    dialect = conn.dialect
    return not dialect._has_events and _dialect_allows(dialect)


def _plain_compiled(context: Any) -> bool:
    """Whether the compiled form of a Core run needs no per-call work besides binding values."""
    compiled = context.compiled
    return not (
        compiled is None
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.schema_translate_map
        or compiled.escaped_bind_names
        or context.statement != compiled.string
    )


def _plan_from(result: Any, params: Mapping[str, Any]) -> _Plan | None:
    """The plan of the Core run that gave ``result``, or ``None`` when one cannot be kept."""
    context = result.context
    if not _plain_compiled(context):
        return None
    compiled = context.compiled
    names = set(compiled.bind_names.values())
    if not names.issuperset(params):
        return None
    constants: dict[str, Any] = {}
    fixed = names.difference(params)
    if fixed:
        # Values the statement carries itself (``LIMIT 2``): the same on every
        # run of this statement object, unless computed per call.
        binds = compiled.binds
        values = context.compiled_parameters[0]
        for name in fixed:
            if binds[name].callable is not None:
                return None
            constants[name] = values[name]
    results: tuple[Any, ...] | None = None
    keys: tuple[str, ...] = ()
    if result.returns_rows:
        metadata = result._metadata
        if getattr(metadata, "_tuplefilter", None) is not None:
            return None
        processors_out = tuple(metadata._processors)
        results = processors_out if any(processors_out) else ()
        keys = tuple(result.keys())
    return _build(context, (*params, *fixed), results, constants, keys)


def _build(
    context: Any,
    names: Sequence[str],
    results: tuple[Any, ...] | None,
    constants: dict[str, Any],
    keys: tuple[str, ...],
) -> _Plan:
    """The plan of a Core run's compiled statement, binding ``names``."""
    compiled = context.compiled
    dialect = context.dialect
    return _Plan(
        sql=compiled.string,
        bind=_binder(compiled, names, dialect.execute_sequence_format, constants),
        results=results,
        asof=hasattr(dialect, "_invalidate_schema_cache_asof"),
        constants=constants,
        keys=keys,
        compiled=compiled,
    )


def _binder(
    compiled: Any, names: Sequence[str], sequence: Callable[[Any], Any], constants: dict[str, Any]
) -> Callable[[Mapping[str, Any]], Any]:
    """What turns parameters by name into the driver's parameters, as Core binds them.

    Each value goes through its bind processor; positional styles take them in
    the SQL's order, in the dialect's container.  A missing name raises ``KeyError``.
    """
    processors = compiled._bind_processors
    order = compiled.positiontup if compiled.positional else names
    pairs = tuple((name, processors.get(name)) for name in order)
    if compiled.positional:

        def bind(params: Mapping[str, Any]) -> Any:
            if constants:
                params = {**constants, **params}
            return sequence([proc(params[name]) if proc else params[name] for name, proc in pairs])

    else:

        def bind(params: Mapping[str, Any]) -> Any:
            if constants:
                params = {**constants, **params}
            return {name: proc(params[name]) if proc else params[name] for name, proc in pairs}

    return bind


def _cursor(conn: Any, plan: _Plan) -> Any:
    """A new cursor of the connection's driver connection, ready for ``plan``."""
    cursor = conn.connection.cursor()
    if plan.asof:
        cursor._invalidate_schema_cache_asof = conn.dialect._invalidate_schema_cache_asof
    return cursor


def _run(conn: Any, plan: _Plan, params: Mapping[str, Any]) -> tuple[list[Any], int]:
    """Execute ``plan`` on the driver's cursor: the processed rows and the row count."""
    parameters = plan.bind(params)
    cursor = None
    try:
        cursor = _cursor(conn, plan)
        cursor.execute(plan.sql, parameters)
        rows: list[Any] = []
        results = plan.results
        if results is not None:
            fetched = cursor.fetchall()
            if results:
                rows = [
                    tuple(
                        proc(value) if proc else value
                        for proc, value in zip(results, row, strict=True)
                    )
                    for row in fetched
                ]
            else:
                rows = [tuple(row) for row in fetched]
        count = cursor.rowcount
        cursor.close()
    except BaseException as exc:
        conn._handle_dbapi_exception(exc, plan.sql, parameters, cursor, None)
    return rows, count


def _known(registry: weakref.WeakKeyDictionary[Any, dict[Any, _Plan | None]], dialect: Any) -> Any:
    """The plans of ``dialect`` in ``registry`` (emptied when full: statements are built once)."""
    by_key = registry.get(dialect)
    if by_key is None:
        by_key = registry[dialect] = {}
    elif len(by_key) >= _MAX_STATEMENTS:
        by_key.clear()
    return by_key


def _execute(
    conn: Any, stmt: Any, params: Mapping[str, Any]
) -> tuple[list[Any], int, tuple[str, ...]]:
    """Run ``stmt``: its rows (tuples or ``Row``), its row count and its column names."""
    by_statement = _known(_plans, conn.dialect) if _quiet(conn) else None
    plan = _UNSEEN if by_statement is None else by_statement.get(stmt, _UNSEEN)
    if isinstance(plan, _Plan):
        rows, count = _run(conn, plan, params)
        return rows, count, plan.keys
    result = conn.execute(stmt, params)
    returns_rows = result.returns_rows
    rows = list(result.all()) if returns_rows else []
    if plan is _UNSEEN and by_statement is not None:
        by_statement[stmt] = _plan_from(result, params)
    return rows, result.rowcount, tuple(result.keys()) if returns_rows else ()


def execute_single(conn: Any, stmt: Any, params: Mapping[str, Any]) -> Any:
    """Run a single-row statement on ``conn``: its one row (or ``None``), or the row count.

    A ``SELECT`` or a write with ``RETURNING`` gives its row (``None`` for
    none; ``MultipleResultsFound`` for more, as ``one_or_none()`` does); a
    write without ``RETURNING`` gives the number of rows it matched.

    Args:
        conn: A sync ``Connection`` (for an async engine: the one ``run_sync`` gives).
        stmt: A statement built once and reused (its identity keys the plan).
        params: Every bound parameter of the statement, by name.
    """
    rows, count, _keys = _execute(conn, stmt, params)
    if stmt.is_dml and not stmt._returning:
        return count
    if len(rows) > 1:
        raise MultipleResultsFound("Multiple rows were found when one or none was required")
    return rows[0] if rows else None


def execute_records(conn: Any, stmt: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run a statement that returns a few rows on ``conn``: each row as a dict by column name.

    Args:
        conn: A sync ``Connection`` (for an async engine: the one ``run_sync`` gives).
        stmt: A statement built once and reused (its identity keys the plan).
        params: The statement's bound parameters by name; values fixed in the
            statement itself (a ``LIMIT``) need not be given.
    """
    rows, _count, keys = _execute(conn, stmt, params)
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _many_plan_from(result: Any, keys: Sequence[str]) -> _Plan | None:
    """The plan of the Core ``executemany`` that gave ``result``, or ``None``."""
    context = result.context
    if (
        result.returns_rows
        or context.execute_style is not ExecuteStyle.EXECUTEMANY
        or not _plain_compiled(context)
    ):
        return None
    names = set(context.compiled.bind_names.values())
    if not names.issubset(keys):
        return None
    return _build(context, tuple(names), None, {}, ())


def _run_many(conn: Any, plan: _Plan, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Execute ``plan`` for ``rows`` on the driver's cursor (``False``: a row lacks a value)."""
    bind = plan.bind
    try:
        parameters = [bind(row) for row in rows]
    except KeyError:
        return False  # Core raises its own error for the missing value
    except BaseException as exc:  # a value its type cannot bind: wrapped as Core wraps it
        conn._handle_dbapi_exception(exc, plan.sql, rows, None, None)
    cursor = None
    try:
        cursor = _cursor(conn, plan)
        cursor.executemany(plan.sql, parameters)
        cursor.close()
    except BaseException as exc:
        conn._handle_dbapi_exception(exc, plan.sql, parameters, cursor, None)
    return True


def execute_many(conn: Any, stmt: Any, rows: Sequence[Mapping[str, Any]]) -> tuple[Any, Any | None]:
    """Run a statement without result rows once per row of ``rows``, as one ``executemany``.

    The first run of a statement (for one set of row keys) on a dialect goes
    through ``Connection.execute``; later runs bind the values with the
    processors that run used and call the driver's ``cursor.executemany``,
    under the same conditions as :func:`execute_single`, inside a
    transaction already begun, and only where Core itself would call
    ``executemany`` (not for ``RETURNING`` or "insertmanyvalues" batches).

    Args:
        conn: A sync ``Connection`` with a transaction begun.
        stmt: A statement built once and reused (its identity keys the plan).
        rows: Two or more parameter mappings with the same keys (extra keys
            that no parameter uses are ignored, as Core ignores them).

    Returns:
        The compiled statement, and the Core result when the statement went
        through ``Connection.execute`` (``None`` when it went to the cursor).
    """
    dialect = conn.dialect
    if (
        len(rows) > 1
        and conn._transaction is not None
        and _quiet(conn)
        and type(dialect).do_executemany is DefaultDialect.do_executemany
    ):
        by_key = _known(_many_plans, dialect)
        keys = tuple(sorted(rows[0]))
        plan = by_key.get((stmt, keys), _UNSEEN)
        if isinstance(plan, _Plan) and _run_many(conn, plan, rows):
            return plan.compiled, None
        result = conn.execute(stmt, rows)
        if plan is _UNSEEN:
            by_key[stmt, keys] = _many_plan_from(result, keys)
        return result.context.compiled, result
    result = conn.execute(stmt, rows)
    return result.context.compiled, result


def execute_plain(conn: Any, sql: str) -> None:
    """Run ``sql`` (a statement without parameters or rows, such as ``BEGIN``) on ``conn``.

    Args:
        conn: A sync ``Connection``.
        sql: The statement's text.
    """
    if not _quiet(conn):
        conn.exec_driver_sql(sql)
        return
    cursor = None
    try:
        cursor = conn.connection.cursor()
        cursor.execute(sql)
        cursor.close()
    except BaseException as exc:
        conn._handle_dbapi_exception(exc, sql, (), cursor, None)
