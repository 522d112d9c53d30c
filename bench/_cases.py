"""The case table: what each case prepares, runs and verifies, and the issue's targets.

A case is one operation done one way (``raw``, ``core`` or a library path).
Preparation and verification are shared by the sync and async targets and
run off the clock; only ``run`` is timed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from _data import (
    BenchRow,
    check,
    check_rows,
    expected,
    normalise,
    raw_params,
    sample_keys,
    spread,
    updated_values,
)
from sqlalchemy.dialects import postgresql, sqlite

#: The baseline of helpers whose API returns the written rows (``bulk_upsert_mappings``
#: returns model instances): Core doing the same write and reading the rows back.
RETURNING = "core, RETURNING rows"

#: (operation, library path) -> (limit, what the ratio is taken against).
TARGETS: dict[tuple[str, str], tuple[float, str]] = {
    ("insert", "insert_data_rows"): (1.3, "core"),
    ("insert", "bulk_upsert_mappings"): (1.3, RETURNING),
    ("insert", "bulk_insert_mappings"): (1.3, "core"),
    ("insert", "facade.insert_all"): (1.3, "core"),
    ("upsert", "bulk_upsert_mappings"): (1.3, RETURNING),
    ("upsert", "facade.upsert_all"): (1.3, "core"),
    ("get", "get_row"): (1.2, "core"),
    ("page", "get_rows"): (1.5, "core"),
    ("update", "update_row"): (1.3, "core"),
    ("delete", "delete_row"): (1.3, "core"),
    ("hooks", "write_row + 3 no-op hooks"): (1.05, "write_row, no hooks (same run)"),
    ("get", "facade table[pk]"): (1.3, "core, transaction per call"),
    ("insert1", "facade.insert"): (1.3, "core, transaction per call"),
}

#: Operation -> (title, unit of the per-operation figure).
OPERATIONS: dict[str, tuple[str, str]] = {
    "insert": ("bulk insert into an empty table", "row"),
    "upsert": ("bulk upsert, half the rows existing", "row"),
    "insert1": ("insert one row per call", "call"),
    "get": ("get by primary key", "call"),
    "page": ("filtered, ordered page of 100 (offset)", "page"),
    "keyset": ("filtered, ordered page of 100 (keyset)", "page"),
    "update": ("update by primary key", "call"),
    "delete": ("delete by primary key", "call"),
    "hooks": ("write_row with 3 no-op hooks vs none", "call"),
    "pool": ("get_row in a new session per call", "call"),
    "stream": ("stream the large table", "row"),
}


@dataclasses.dataclass
class Case:
    op: str
    impl: str
    count: int
    state: str  # the table state the case needs: empty, half, full
    prep: Callable[[Any], Any]
    run: Callable[[Any, Any], Any]
    verify: Callable[[Any, Any, Any], None]
    after: str = "dirty"  # the state the table is in after a verified run
    table: str = "bench_rows"
    split: bool = False  # the run reports its own timings (hooks)


# ------------------------------------------------------------------ verifying


def _verify_written(ctx: Any, rows: list[dict[str, Any]], total: int, what: str) -> None:
    admin = ctx.admin
    check(admin.count() == total, f"{what}: {admin.count()} rows in the table, expected {total}")
    keys = sample_keys(len(rows))
    check_rows(admin.fetch(keys), [rows[key - 1] for key in keys], what)


def _returned_count(result: Any) -> int:
    if isinstance(result, int):
        return result
    ok, rows = result
    check(ok is True, f"the call reported failure: {result!r:.200}")
    return len(rows)


def verify_insert(ctx: Any, _inp: Any, result: Any) -> None:
    check(_returned_count(result) == ctx.data.n, "insert returned the wrong number of rows")
    _verify_written(ctx, ctx.data.rows, ctx.data.n, "insert")


def verify_upsert(ctx: Any, _inp: Any, result: Any) -> None:
    check(_returned_count(result) == ctx.data.n, "upsert returned the wrong number of rows")
    wanted = [ctx.data.upserted(key) for key in range(1, ctx.data.n + 1)]
    _verify_written(ctx, wanted, ctx.data.n, "upsert")
    if not isinstance(result, int):  # returned objects carry the written values
        returned = sorted(result[1], key=lambda row: row.id)
        keys = sample_keys(ctx.data.n)
        check_rows([returned[key - 1] for key in keys], [wanted[key - 1] for key in keys], "upsert")


def verify_insert_one(ctx: Any, inp: list[Any], result: list[Any]) -> None:
    """The first ``len(inp)`` rows, each returned by its own call and in the table."""
    wanted = ctx.data.rows[: len(inp)]
    check_rows(result, wanted, "insert one (returned)")
    _verify_written(ctx, wanted, len(wanted), "insert one")


def verify_get(ctx: Any, keys: list[int], result: list[Any]) -> None:
    check_rows(result, [ctx.data.row(key) for key in keys], "get")


def _page_ids(rows: list[Any]) -> list[int]:
    return [normalise(row)[0] for row in rows]


def verify_pages(ctx: Any, pages: list[int], result: list[list[Any]]) -> None:
    order = ctx.data.page_order
    check(len(result) == len(pages), "page: wrong number of pages")
    for index, (page, rows) in enumerate(zip(pages, result, strict=True)):
        want = order[(page - 1) * 100 : page * 100]
        check(_page_ids(rows) == want, f"page {page}: wrong rows or order")
        if index < 3:
            check_rows(rows, [ctx.data.row(key) for key in want], f"page {page}")


def verify_keyset(ctx: Any, count: int, result: list[list[Any]]) -> None:
    order = ctx.data.page_order
    chunks = [order[i : i + 100] for i in range(0, len(order), 100)] or [[]]
    check(len(result) == count, "keyset: wrong number of pages")
    for index, rows in enumerate(result):
        want = chunks[index % len(chunks)]
        check(_page_ids(rows) == want, f"keyset page {index}: wrong rows or order")
        if index < 3:
            check_rows(rows, [ctx.data.row(key) for key in want], f"keyset page {index}")


def _updated(ctx: Any, key: int) -> dict[str, Any]:
    return {**ctx.data.row(key), **updated_values(key)}


def verify_hooks(ctx: Any, objects: list[Any], result: dict[str, Any]) -> None:
    hooked = result["calls"]["hooks"]
    calls, ctx.hook_calls[0] = ctx.hook_calls[0], 0
    check(hooked > 0 and result["calls"]["none"] > 0, "hooks: one side was not measured")
    check(calls == 3 * hooked, f"hooks: {calls} hook calls for {hooked} hooked writes")
    wanted = ctx.data.rows[: len(objects)]
    check_rows(result["rows"], wanted, "hooks (returned)")
    check(ctx.admin.count() == len(objects), "hooks: wrong number of rows written")
    keys = sample_keys(len(objects))
    check_rows(ctx.admin.fetch(keys), [wanted[key - 1] for key in keys], "hooks")


def verify_update(ctx: Any, work: list[tuple[int, dict[str, Any]]], result: Any) -> None:
    rows = result
    keys = [key for key, _ in work]
    check_rows(rows, [_updated(ctx, key) for key in keys], "update (returned)")
    sample = sorted(keys)
    check_rows(ctx.admin.fetch(sample), [_updated(ctx, key) for key in sample], "update")
    check(ctx.admin.count() == ctx.data.n, "update changed the number of rows")


def verify_delete(ctx: Any, keys: list[int], result: list[Any]) -> None:
    check(len(result) == len(keys) and all(r is True for r in result), "delete reported failure")
    check(ctx.admin.count() == ctx.data.n - len(keys), "delete: wrong number of rows left")
    check(ctx.admin.fetch(keys) == [], "delete: deleted rows are still there")
    survivors = [key for key in sample_keys(ctx.data.n) if key not in set(keys)]
    check_rows(ctx.admin.fetch(survivors), [ctx.data.row(k) for k in survivors], "delete")


def verify_stream(ctx: Any, batch: int, result: tuple[int, int, list[Any]]) -> None:
    count, total, first = result
    size = ctx.stream_data.n
    check(count == size, f"stream: {count} rows, expected {size}")
    check(total == size * (size + 1) // 2, "stream: the keys read do not add up")
    check_rows(first, ctx.stream_data.rows[: min(batch, size)], "stream (first batch)")


# ------------------------------------------------------------------- building


def upsert_statement(dialect: str, table: sa.Table) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={c.name: stmt.excluded[c.name] for c in table.c if not c.primary_key},
    )


def build_cases(ctx: Any, impl: Any, sizes: dict[str, int]) -> list[Case]:
    """The cases of one target; ``impl`` is the sync or async case module."""
    data = ctx.data
    driver = ctx.driver
    table = ctx.table
    n = data.n
    upsert_rows = [data.upserted(key) for key in range(1, n + 1)]
    get_keys = spread(list(range(1, n + 1)), sizes["gets"])
    get_keys = get_keys[::2] + get_keys[1::2]  # not in key order
    page_count = max(1, len(data.page_order) // 100)
    pages = [(i * 7) % page_count + 1 for i in range(sizes["pages"])]
    work = [(key, updated_values(key)) for key in spread(list(range(1, n + 1)), sizes["writes"])]
    singles = data.rows[: sizes["writes"]]
    delete_keys = spread(list(range(2, n + 1)), sizes["writes"])
    # The hooks case compares two sides of the same small cost: more, smaller blocks.
    hook_rows = data.rows[: min(n, 3 * sizes["writes"])]
    pool_keys = get_keys[: sizes["pool"]]
    upsert_stmt = upsert_statement(ctx.family, table)

    def raw(rows: list[dict[str, Any]]) -> Callable[[Any], Any]:
        return lambda _ctx: [raw_params(driver, row) for row in rows]

    def dicts(rows: list[dict[str, Any]]) -> Callable[[Any], Any]:
        return lambda _ctx: [dict(row) for row in rows]

    def const(value: Any) -> Callable[[Any], Any]:
        return lambda _ctx: value

    cases = [
        Case("insert", "raw", n, "empty", raw(data.rows),
             lambda c, p: impl.raw_executemany(c, p, "insert"), verify_insert, "full"),
        Case("insert", "core", n, "empty", dicts(data.rows),
             lambda c, p: impl.core_executemany(c, p, sa.insert(table)), verify_insert, "full"),
        Case("insert", "insert_data_rows", n, "empty",
             lambda _c: [BenchRow(**row) for row in data.rows],
             impl.lib_insert_data_rows, verify_insert, "full"),
        Case("insert", RETURNING, n, "empty", dicts(data.rows),
             lambda c, p: impl.core_executemany_returning(c, p, upsert_stmt), verify_insert,
             "full"),
        Case("insert", "bulk_upsert_mappings", n, "empty", dicts(data.rows),
             impl.lib_bulk_upsert, verify_insert, "full"),
        Case("insert", "bulk_insert_mappings", n, "empty", dicts(data.rows),
             impl.lib_bulk_insert, verify_insert, "full"),
        Case("insert", "bulk_insert_mappings(use_copy=True)", n, "empty", dicts(data.rows),
             lambda c, rows: impl.lib_bulk_insert(c, rows, use_copy=True), verify_insert, "full"),
        Case("upsert", "raw", n, "half", raw(upsert_rows),
             lambda c, p: impl.raw_executemany(c, p, "upsert"), verify_upsert),
        Case("upsert", "core", n, "half", dicts(upsert_rows),
             lambda c, p: impl.core_executemany(c, p, upsert_stmt), verify_upsert),
        Case("upsert", RETURNING, n, "half", dicts(upsert_rows),
             lambda c, p: impl.core_executemany_returning(c, p, upsert_stmt), verify_upsert),
        Case("upsert", "bulk_upsert_mappings", n, "half", dicts(upsert_rows),
             impl.lib_bulk_upsert, verify_upsert),
        Case("insert1", "raw", len(singles), "empty", raw(singles), impl.raw_insert_one,
             verify_insert_one),
        Case("insert1", "core", len(singles), "empty", dicts(singles), impl.core_insert_one,
             verify_insert_one),
        Case("get", "raw", len(get_keys), "full", const(get_keys), impl.raw_get,
             verify_get, "full"),
        Case("get", "core", len(get_keys), "full", const(get_keys), impl.core_get,
             verify_get, "full"),
        Case("get", "get_row", len(get_keys), "full", const(get_keys), impl.lib_get_row,
             verify_get, "full"),
        Case("page", "raw", len(pages), "full", const(pages), impl.raw_page, verify_pages, "full"),
        Case("page", "core", len(pages), "full", const(pages), impl.core_page,
             verify_pages, "full"),
        Case("page", "get_rows", len(pages), "full", const(pages), impl.lib_get_rows,
             verify_pages, "full"),
        Case("keyset", "raw", len(pages), "full", const(len(pages)), impl.raw_keyset,
             verify_keyset, "full"),
        Case("keyset", "core", len(pages), "full", const(len(pages)), impl.core_keyset,
             verify_keyset, "full"),
        Case("update", "raw", len(work), "full", const(work), impl.raw_update, verify_update),
        Case("update", "core", len(work), "full", const(work), impl.core_update, verify_update),
        Case("update", "core, transaction per call", len(work), "full", const(work),
             impl.core_update_per_call, verify_update),
        Case("update", "update_row", len(work), "full", const(work), impl.lib_update_row,
             verify_update),
        Case("delete", "raw", len(delete_keys), "full", const(delete_keys), impl.raw_delete,
             verify_delete),
        Case("delete", "core", len(delete_keys), "full", const(delete_keys), impl.core_delete,
             verify_delete),
        Case("delete", "core, transaction per call", len(delete_keys), "full",
             const(delete_keys), impl.core_delete_per_call, verify_delete),
        Case("delete", "delete_row", len(delete_keys), "full", const(delete_keys),
             impl.lib_delete_row, verify_delete),
        Case("hooks", "write_row + 3 no-op hooks", len(hook_rows), "empty",
             lambda _c: [BenchRow(**row) for row in hook_rows],
             impl.hooks_split, verify_hooks, split=True),
        Case("pool", "get_row, pooled connection", len(pool_keys), "full", const(pool_keys),
             lambda c, p: impl.pool_get(c, p, c.engine), verify_get, "full"),
        Case("pool", "get_row, new connection per call", len(pool_keys), "full",
             const(pool_keys), lambda c, p: impl.pool_get(c, p, c.fresh_engine), verify_get,
             "full"),
    ]  # fmt: skip
    if ctx.db is not None:
        cases += [
            Case("insert", "facade.insert_all", n, "empty", dicts(data.rows),
                 impl.facade_insert_all, verify_insert, "full"),
            Case("upsert", "facade.upsert_all", n, "half", dicts(upsert_rows),
                 impl.facade_upsert_all, verify_upsert),
            Case("insert1", "core, transaction per call", len(singles), "empty", dicts(singles),
                 impl.core_insert_one_per_call, verify_insert_one),
            Case("insert1", "facade.insert", len(singles), "empty", dicts(singles),
                 impl.facade_insert_one, verify_insert_one),
            Case("get", "core, transaction per call", len(get_keys), "full", const(get_keys),
                 impl.core_get_per_call, verify_get, "full"),
            Case("get", "facade table[pk]", len(get_keys), "full", const(get_keys),
                 impl.facade_get, verify_get, "full"),
        ]  # fmt: skip
    if ctx.qb is not None:
        cases += [
            Case("page", "QueryBuilder.paginate", len(pages), "full", const(pages),
                 impl.qb_page, verify_pages, "full"),
            Case("keyset", "QueryBuilder.keyset", len(pages), "full", const(len(pages)),
                 impl.qb_keyset, verify_keyset, "full"),
        ]  # fmt: skip
    if sizes["stream"]:
        batch = 1000
        rows = ctx.stream_data.n
        stream = [("raw", impl.raw_stream), ("core", impl.core_stream)]
        if ctx.qb is not None and hasattr(ctx.qb, "stream"):
            stream.append(("QueryBuilder.stream", impl.qb_stream))
        for name, fn in stream:
            cases.append(
                Case("stream", name, rows, "full", const(batch),
                     lambda c, b, fn=fn: fn(c, b, c.probe), verify_stream, "full",
                     table="bench_stream")
            )  # fmt: skip
    order = list(OPERATIONS)
    cases.sort(key=lambda case: order.index(case.op))
    return cases


__all__ = ["OPERATIONS", "TARGETS", "Case", "build_cases", "expected"]
