"""The timed bodies of the sync cases (``sqlite3`` and ``psycopg`` targets).

Each function does exactly the measured work and returns what it got back, so
the runner can verify it after the clock stops.  The async twins live in
``_async_cases.py``; the bodies differ only by ``await`` but are kept apart so
no per-call adapter layer skews the baselines.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import sqlalchemy as sa
from _data import BenchRow, StreamRow, chunks
from sqlmodel import Session

from sqlmodel_crud_utils import hooks as hook_registry


def session(ctx: Any, engine: Any = None) -> Session:
    return Session(engine or ctx.engine, expire_on_commit=False)


# ----------------------------------------------------------------- bulk writes


def raw_executemany(ctx: Any, params: list[tuple[Any, ...]], key: str) -> int:
    cur = ctx.raw.cursor()
    cur.executemany(ctx.sql[key], params)
    ctx.raw.commit()
    cur.close()
    return len(params)


def core_executemany(ctx: Any, rows: list[dict[str, Any]], stmt: Any) -> int:
    with ctx.engine.begin() as conn:
        conn.execute(stmt, rows)
    return len(rows)


def core_executemany_returning(ctx: Any, rows: list[dict[str, Any]], stmt: Any) -> Any:
    """``core_executemany`` reading the written rows back with ``RETURNING``."""
    with ctx.engine.begin() as conn:
        written = conn.execute(stmt.returning(*ctx.table.c), rows).all()
    return True, written


def lib_insert_data_rows(ctx: Any, objects: list[BenchRow]) -> Any:
    with session(ctx) as s:
        ok, rows = ctx.lib.insert_data_rows(objects, s)
    return ok, rows


def lib_bulk_insert(ctx: Any, rows: list[dict[str, Any]], use_copy: bool = False) -> Any:
    with session(ctx) as s:
        return ctx.lib.bulk_insert_mappings(rows, s, BenchRow, use_copy=use_copy)[1]


def lib_bulk_upsert(ctx: Any, rows: list[dict[str, Any]]) -> Any:
    with session(ctx) as s:
        return ctx.lib.bulk_upsert_mappings(rows, s, BenchRow)


def facade_insert_all(ctx: Any, rows: list[dict[str, Any]]) -> int:
    return int(ctx.db.t.bench_rows.insert_all(rows))


def facade_upsert_all(ctx: Any, rows: list[dict[str, Any]]) -> int:
    return int(ctx.db.t.bench_rows.upsert_all(rows, pk="id"))


# ----------------------------------------------------------------------- reads


def raw_get(ctx: Any, keys: list[int]) -> list[Any]:
    cur = ctx.raw.cursor()
    sql = ctx.sql["get"]
    out = []
    for key in keys:
        cur.execute(sql, (key,))
        out.append(cur.fetchone())
    ctx.raw.commit()
    cur.close()
    return out


def core_get(ctx: Any, keys: list[int]) -> list[Any]:
    table = ctx.table
    stmt = sa.select(table).where(table.c.id == sa.bindparam("key"))
    with ctx.engine.connect() as conn:
        return [conn.execute(stmt, {"key": key}).one() for key in keys]


def core_get_per_call(ctx: Any, keys: list[int]) -> list[Any]:
    """Core under the facade's execution model: every call its own transaction."""
    table = ctx.table
    stmt = sa.select(table).where(table.c.id == sa.bindparam("key"))
    out = []
    for key in keys:
        with ctx.engine.begin() as conn:
            out.append(conn.execute(stmt, {"key": key}).one())
    return out


def lib_get_row(ctx: Any, keys: list[int]) -> list[Any]:
    get_row = ctx.lib.get_row
    with session(ctx) as s:
        return [get_row(key, s, BenchRow)[1] for key in keys]


def facade_get(ctx: Any, keys: list[int]) -> list[Any]:
    table = ctx.db.t.bench_rows
    return [table[key] for key in keys]


def raw_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    cur = ctx.raw.cursor()
    sql = ctx.sql["page"]
    floor = ctx.floor
    out = []
    for page in pages:
        cur.execute(sql, (floor, (page - 1) * 100))
        out.append(cur.fetchall())
    ctx.raw.commit()
    cur.close()
    return out


def core_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    table = ctx.table
    base = sa.select(table).where(table.c.score >= ctx.floor).order_by(table.c.score, table.c.id)
    with ctx.engine.connect() as conn:
        return [conn.execute(base.offset((page - 1) * 100).limit(100)).all() for page in pages]


def lib_get_rows(ctx: Any, pages: list[int]) -> list[list[Any]]:
    get_rows = ctx.lib.get_rows
    floor = ctx.floor
    with session(ctx) as s:
        return [
            get_rows(s, BenchRow, page_size=100, page=page, score__gte=floor, sort_field="score")[1]
            for page in pages
        ]


def qb_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    with session(ctx) as s:
        builder = ctx.qb(s, BenchRow).where(score__gte=ctx.floor).order_by("score", "id")
        return [builder.paginate(page, 100, with_count=False).items for page in pages]


def raw_keyset(ctx: Any, count: int) -> list[list[Any]]:
    cur = ctx.raw.cursor()
    first, after = ctx.sql["keyset_first"], ctx.sql["keyset_next"]
    floor = ctx.floor
    out: list[list[Any]] = []
    last = None
    for _ in range(count):
        if last is None:
            cur.execute(first, (floor,))
        else:
            cur.execute(after, (floor, last[3], last[0]))
        rows = cur.fetchall()
        out.append(rows[:100])
        last = rows[99] if len(rows) > 100 else None
    ctx.raw.commit()
    cur.close()
    return out


def core_keyset(ctx: Any, count: int) -> list[list[Any]]:
    table = ctx.table
    base = (
        sa.select(table)
        .where(table.c.score >= ctx.floor)
        .order_by(table.c.score, table.c.id)
        .limit(101)
    )
    position = sa.tuple_(table.c.score, table.c.id)
    out: list[list[Any]] = []
    last = None
    with ctx.engine.connect() as conn:
        for _ in range(count):
            stmt = base if last is None else base.where(position > sa.tuple_(last[3], last[0]))
            rows = conn.execute(stmt).all()
            out.append(rows[:100])
            last = rows[99] if len(rows) > 100 else None
    return out


def qb_keyset(ctx: Any, count: int) -> list[list[Any]]:
    out: list[list[Any]] = []
    cursor = None
    with session(ctx) as s:
        builder = ctx.qb(s, BenchRow).where(score__gte=ctx.floor).order_by("score")
        for _ in range(count):
            page = builder.after(cursor).keyset(100)
            out.append(page.items)
            cursor = page.next_cursor
    return out


# ------------------------------------------------------------ single-row writes


def raw_insert_one(ctx: Any, params: list[tuple[Any, ...]]) -> list[Any]:
    cur = ctx.raw.cursor()
    sql = ctx.sql["insert_returning"]
    out = []
    for row in params:
        cur.execute(sql, row)
        out.append(cur.fetchone())
        ctx.raw.commit()
    cur.close()
    return out


def core_insert_one(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    table = ctx.table
    stmt = sa.insert(table).returning(*table.c)
    out = []
    with ctx.engine.connect() as conn:
        for row in rows:
            with conn.begin():
                out.append(conn.execute(stmt, row).one())
    return out


def core_insert_one_per_call(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Core under the facade's execution model: every call its own transaction."""
    table = ctx.table
    stmt = sa.insert(table).returning(*table.c)
    out = []
    for row in rows:
        with ctx.engine.begin() as conn:
            out.append(conn.execute(stmt, row).one())
    return out


def facade_insert_one(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    table = ctx.db.t.bench_rows
    return [table.insert(row) for row in rows]


def raw_update(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    cur = ctx.raw.cursor()
    sql = ctx.sql["update"]
    out = []
    for key, values in work:
        cur.execute(sql, (values["name"], values["score"], key))
        out.append(cur.fetchone())
        ctx.raw.commit()
    cur.close()
    return out


def _update_statement(table: Any) -> Any:
    """``UPDATE ... SET name = :name, score = :score WHERE id = :key RETURNING *``, built once."""
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("key"))
        .values(name=sa.bindparam("name"), score=sa.bindparam("score"))
        .returning(*table.c)
    )


def core_update(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    stmt = _update_statement(ctx.table)
    out = []
    with ctx.engine.connect() as conn:
        for key, values in work:
            with conn.begin():
                out.append((conn.execute(stmt, {"key": key, **values})).one())
    return out


def core_update_per_call(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    """Core committing each update on a connection of its own, as ``update_row`` does."""
    stmt = _update_statement(ctx.table)
    out = []
    for key, values in work:
        with ctx.engine.begin() as conn:
            out.append((conn.execute(stmt, {"key": key, **values})).one())
    return out


def lib_update_row(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    update_row = ctx.lib.update_row
    with session(ctx) as s:
        return [update_row(key, values, s, BenchRow)[1] for key, values in work]


def raw_delete(ctx: Any, keys: list[int]) -> list[bool]:
    cur = ctx.raw.cursor()
    sql = ctx.sql["delete"]
    out = []
    for key in keys:
        cur.execute(sql, (key,))
        out.append(cur.rowcount == 1)
        ctx.raw.commit()
    cur.close()
    return out


def core_delete(ctx: Any, keys: list[int]) -> list[bool]:
    table = ctx.table
    stmt = sa.delete(table).where(table.c.id == sa.bindparam("key"))
    out = []
    with ctx.engine.connect() as conn:
        for key in keys:
            with conn.begin():
                out.append(conn.execute(stmt, {"key": key}).rowcount == 1)
    return out


def core_delete_per_call(ctx: Any, keys: list[int]) -> list[bool]:
    """Core committing each delete on a connection of its own, as ``delete_row`` does."""
    table = ctx.table
    stmt = sa.delete(table).where(table.c.id == sa.bindparam("key"))
    out = []
    for key in keys:
        with ctx.engine.begin() as conn:
            out.append((conn.execute(stmt, {"key": key})).rowcount == 1)
    return out


def lib_delete_row(ctx: Any, keys: list[int]) -> list[bool]:
    delete_row = ctx.lib.delete_row
    with session(ctx) as s:
        return [delete_row(key, s, BenchRow) for key in keys]


# ------------------------------------------------------- hooks, pool, streaming


def hooks_split(ctx: Any, objects: list[BenchRow]) -> dict[str, Any]:
    """``write_row`` in alternating blocks with three no-op hooks and with none.

    Blocks are timed in the process's CPU time: hooks add work in this process
    only, and the database's share of a write (a commit's flush to disk) varies
    between blocks by more than three no-op hooks cost.
    """
    write_row = ctx.lib.write_row
    blocks: dict[str, list[float]] = {"hooks": [], "none": []}  # seconds per call, per block
    calls = {"hooks": 0, "none": 0}
    rows = []
    with session(ctx) as s:
        for index, block in enumerate(chunks(objects, ctx.hook_block)):
            hooked = (index + ctx.round) % 2 == 0
            if hooked:
                for event, fn in ctx.hook_fns:
                    hook_registry.register_hook(BenchRow, event, fn)
            gc.collect()  # each block starts from the same collector state, off the clock
            start = time.process_time()  # CPU: what hooks add, without the server's time
            for obj in block:
                rows.append((write_row(obj, s))[1])
            blocks["hooks" if hooked else "none"].append((time.process_time() - start) / len(block))
            calls["hooks" if hooked else "none"] += len(block)
            if hooked:
                hook_registry.clear_hooks(BenchRow)
    # Each side counts as its median block: a WAL checkpoint or a collection that lands in a
    # few blocks (at the same positions every round) does not decide the comparison.
    spent = {
        side: statistics.median(times) * calls[side] for side, times in blocks.items() if times
    }
    return {"split": spent, "calls": calls, "rows": rows}


def pool_get(ctx: Any, keys: list[int], engine: Any) -> list[Any]:
    get_row = ctx.lib.get_row
    out = []
    for key in keys:
        with session(ctx, engine) as s:
            out.append(get_row(key, s, BenchRow)[1])
    return out


def raw_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    if ctx.driver == "psycopg":
        cur = ctx.raw.cursor(name="bench_stream_cursor")
    else:
        cur = ctx.raw.cursor()
    cur.execute(ctx.stream_sql)
    count = total = 0
    first: list[Any] = []
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        if not first:
            first = list(rows)
        count += len(rows)
        total += sum(row[0] for row in rows)
        probe()
    cur.close()
    ctx.raw.commit()
    return count, total, first


def core_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    table = StreamRow.__table__  # type: ignore[attr-defined]
    count = total = 0
    first: list[Any] = []
    with ctx.engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(
            sa.select(table).order_by(table.c.id)
        )
        for rows in result.partitions():
            if not first:
                first = list(rows)
            count += len(rows)
            total += sum(row[0] for row in rows)
            probe()
    return count, total, first


def qb_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    count = total = 0
    first: list[Any] = []
    with session(ctx) as s:
        for rows in ctx.qb(s, StreamRow).order_by("id").stream(batch):
            if not first:
                first = list(rows)
            count += len(rows)
            total += sum(row.id for row in rows)
            probe()
    return count, total, first
