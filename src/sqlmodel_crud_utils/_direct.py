"""Single statements sent straight to the driver's cursor, for the single-row fast paths.

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

Driver errors are handed to SQLAlchemy's own error handling
(``Connection._handle_dbapi_exception``), so they are wrapped, translated and
(for lost connections) invalidate the pool as they would through Core.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.exc import MultipleResultsFound

__all__ = ["execute_plain", "execute_records", "execute_single"]

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
    positional: tuple[tuple[str, Any], ...] | None  # (name, bind processor) in SQL order
    named: tuple[tuple[str, Any], ...]  # the same for named parameter styles
    sequence: Callable[[Any], Any]  # the dialect's positional parameter container
    results: tuple[Any, ...] | None  # result processors per column (() for none), None: no rows
    asof: bool  # asyncpg: copy the schema-cache stamp to the cursor
    constants: dict[str, Any]  # values fixed in the statement (a LIMIT), by name
    keys: tuple[str, ...]  # the result's column names


#: Statements remembered per dialect; more are not expected (they are built once
#: per model or table shape), so reaching it clears the map rather than growing.
_MAX_STATEMENTS = 4096

#: Marker of a statement not run yet on a dialect.
_UNSEEN: Any = object()

#: dialect -> statement -> plan (``None``: this statement always goes through Core).
_plans: weakref.WeakKeyDictionary[Any, dict[Any, _Plan | None]] = weakref.WeakKeyDictionary()

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


def _plan_from(result: Any, params: Mapping[str, Any]) -> _Plan | None:
    """The plan of the Core run that gave ``result``, or ``None`` when one cannot be kept."""
    context = result.context
    compiled = context.compiled
    if (
        compiled is None
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.schema_translate_map
        or compiled.escaped_bind_names
        or context.statement != compiled.string
    ):
        return None
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
    processors = compiled._bind_processors
    results: tuple[Any, ...] | None = None
    keys: tuple[str, ...] = ()
    if result.returns_rows:
        metadata = result._metadata
        if getattr(metadata, "_tuplefilter", None) is not None:
            return None
        processors_out = tuple(metadata._processors)
        results = processors_out if any(processors_out) else ()
        keys = tuple(result.keys())
    dialect = context.dialect
    order = compiled.positiontup if compiled.positional else None
    return _Plan(
        sql=compiled.string,
        positional=(
            tuple((name, processors.get(name)) for name in order) if order is not None else None
        ),
        named=tuple((name, processors.get(name)) for name in (*params, *fixed)),
        sequence=dialect.execute_sequence_format,
        results=results,
        asof=hasattr(dialect, "_invalidate_schema_cache_asof"),
        constants=constants,
        keys=keys,
    )


def _parameters(plan: _Plan, params: Mapping[str, Any]) -> Any:
    if plan.constants:
        params = {**plan.constants, **params}
    if plan.positional is not None:
        return plan.sequence(
            [proc(params[name]) if proc else params[name] for name, proc in plan.positional]
        )
    return {name: proc(params[name]) if proc else params[name] for name, proc in plan.named}


def _run(conn: Any, plan: _Plan, params: Mapping[str, Any]) -> tuple[list[Any], int]:
    """Execute ``plan`` on the driver's cursor: the processed rows and the row count."""
    parameters = _parameters(plan, params)
    dialect = conn.dialect
    cursor = None
    try:
        cursor = conn.connection.cursor()
        if plan.asof:
            cursor._invalidate_schema_cache_asof = dialect._invalidate_schema_cache_asof
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


def _execute(
    conn: Any, stmt: Any, params: Mapping[str, Any]
) -> tuple[list[Any], int, tuple[str, ...]]:
    """Run ``stmt``: its rows (tuples or ``Row``), its row count and its column names."""
    if _quiet(conn):
        by_statement = _plans.get(conn.dialect)
        if by_statement is None:
            by_statement = _plans[conn.dialect] = {}
        plan = by_statement.get(stmt, _UNSEEN)
        if isinstance(plan, _Plan):
            rows, count = _run(conn, plan, params)
            return rows, count, plan.keys
    else:
        by_statement, plan = None, None
    result = conn.execute(stmt, params)
    returns_rows = result.returns_rows
    rows = list(result.all()) if returns_rows else []
    if plan is _UNSEEN and by_statement is not None:
        if len(by_statement) >= _MAX_STATEMENTS:
            by_statement.clear()
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
