"""The timed bodies of the async cases (``aiosqlite`` and ``asyncpg`` targets).

Twins of ``_sync_cases.py``.  The raw baselines use each driver's own best
call: ``execute_fetchall`` on aiosqlite (one thread hop per statement) and
``fetchrow``/``fetch`` on asyncpg (prepared, cached statements; a single
statement outside a transaction commits by itself).
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

import sqlalchemy as sa
from _data import BenchRow, StreamRow, chunks
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import hooks as hook_registry


def session(ctx: Any, engine: Any = None) -> AsyncSession:
    return AsyncSession(engine or ctx.engine, expire_on_commit=False)


def _pg(ctx: Any) -> bool:
    return bool(ctx.driver == "asyncpg")


# ----------------------------------------------------------------- bulk writes


async def raw_executemany(ctx: Any, params: list[tuple[Any, ...]], key: str) -> int:
    if _pg(ctx):
        async with ctx.raw.transaction():
            await ctx.raw.executemany(ctx.sql[key], params)
    else:
        await ctx.raw.executemany(ctx.sql[key], params)
        await ctx.raw.commit()
    return len(params)


async def core_executemany(ctx: Any, rows: list[dict[str, Any]], stmt: Any) -> int:
    async with ctx.engine.begin() as conn:
        await conn.execute(stmt, rows)
    return len(rows)


async def core_executemany_returning(ctx: Any, rows: list[dict[str, Any]], stmt: Any) -> Any:
    """``core_executemany`` reading the written rows back with ``RETURNING``."""
    async with ctx.engine.begin() as conn:
        written = (await conn.execute(stmt.returning(*ctx.table.c), rows)).all()
    return True, written


async def lib_insert_data_rows(ctx: Any, objects: list[BenchRow]) -> Any:
    async with session(ctx) as s:
        ok, rows = await ctx.lib.insert_data_rows(objects, s)
    return ok, rows


async def lib_bulk_insert(ctx: Any, rows: list[dict[str, Any]], use_copy: bool = False) -> Any:
    async with session(ctx) as s:
        return (await ctx.lib.bulk_insert_mappings(rows, s, BenchRow, use_copy=use_copy))[1]


async def lib_bulk_upsert(ctx: Any, rows: list[dict[str, Any]]) -> Any:
    async with session(ctx) as s:
        return await ctx.lib.bulk_upsert_mappings(rows, s, BenchRow)


async def facade_insert_all(ctx: Any, rows: list[dict[str, Any]]) -> int:
    return int(await ctx.db.t.bench_rows.insert_all(rows))


async def facade_upsert_all(ctx: Any, rows: list[dict[str, Any]]) -> int:
    return int(await ctx.db.t.bench_rows.upsert_all(rows, pk="id"))


# ----------------------------------------------------------------------- reads


async def raw_get(ctx: Any, keys: list[int]) -> list[Any]:
    sql = ctx.sql["get"]
    if _pg(ctx):
        fetchrow = ctx.raw.fetchrow
        return [await fetchrow(sql, key) for key in keys]
    fetchall = ctx.raw.execute_fetchall
    out = [(await fetchall(sql, (key,)))[0] for key in keys]
    await ctx.raw.commit()
    return out


async def core_get(ctx: Any, keys: list[int]) -> list[Any]:
    table = ctx.table
    stmt = sa.select(table).where(table.c.id == sa.bindparam("key"))
    async with ctx.engine.connect() as conn:
        return [(await conn.execute(stmt, {"key": key})).one() for key in keys]


async def core_get_per_call(ctx: Any, keys: list[int]) -> list[Any]:
    """Core under the facade's execution model: every call its own transaction."""
    table = ctx.table
    stmt = sa.select(table).where(table.c.id == sa.bindparam("key"))
    out = []
    for key in keys:
        async with ctx.engine.begin() as conn:
            out.append((await conn.execute(stmt, {"key": key})).one())
    return out


async def lib_get_row(ctx: Any, keys: list[int]) -> list[Any]:
    get_row = ctx.lib.get_row
    async with session(ctx) as s:
        return [(await get_row(key, s, BenchRow))[1] for key in keys]


async def facade_get(ctx: Any, keys: list[int]) -> list[Any]:
    table = ctx.db.t.bench_rows
    return [await table[key] for key in keys]


async def raw_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    sql = ctx.sql["page"]
    floor = ctx.floor
    if _pg(ctx):
        fetch = ctx.raw.fetch
        return [await fetch(sql, floor, (page - 1) * 100) for page in pages]
    fetchall = ctx.raw.execute_fetchall
    out = [list(await fetchall(sql, (floor, (page - 1) * 100))) for page in pages]
    await ctx.raw.commit()
    return out


async def core_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    table = ctx.table
    base = sa.select(table).where(table.c.score >= ctx.floor).order_by(table.c.score, table.c.id)
    async with ctx.engine.connect() as conn:
        return [
            (await conn.execute(base.offset((page - 1) * 100).limit(100))).all() for page in pages
        ]


async def lib_get_rows(ctx: Any, pages: list[int]) -> list[list[Any]]:
    get_rows = ctx.lib.get_rows
    floor = ctx.floor
    async with session(ctx) as s:
        return [
            (
                await get_rows(
                    s, BenchRow, page_size=100, page=page, score__gte=floor, sort_field="score"
                )
            )[1]
            for page in pages
        ]


async def qb_page(ctx: Any, pages: list[int]) -> list[list[Any]]:
    async with session(ctx) as s:
        builder = ctx.qb(s, BenchRow).where(score__gte=ctx.floor).order_by("score", "id")
        return [(await builder.paginate(page, 100, with_count=False)).items for page in pages]


async def raw_keyset(ctx: Any, count: int) -> list[list[Any]]:
    first, after = ctx.sql["keyset_first"], ctx.sql["keyset_next"]
    floor = ctx.floor
    pg = _pg(ctx)
    out: list[list[Any]] = []
    last = None
    for _ in range(count):
        if pg:
            if last is None:
                rows = await ctx.raw.fetch(first, floor)
            else:
                rows = await ctx.raw.fetch(after, floor, last[3], last[0])
        elif last is None:
            rows = list(await ctx.raw.execute_fetchall(first, (floor,)))
        else:
            rows = list(await ctx.raw.execute_fetchall(after, (floor, last[3], last[0])))
        out.append(rows[:100])
        last = rows[99] if len(rows) > 100 else None
    if not pg:
        await ctx.raw.commit()
    return out


async def core_keyset(ctx: Any, count: int) -> list[list[Any]]:
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
    async with ctx.engine.connect() as conn:
        for _ in range(count):
            stmt = base if last is None else base.where(position > sa.tuple_(last[3], last[0]))
            rows = (await conn.execute(stmt)).all()
            out.append(rows[:100])
            last = rows[99] if len(rows) > 100 else None
    return out


async def qb_keyset(ctx: Any, count: int) -> list[list[Any]]:
    out: list[list[Any]] = []
    cursor = None
    async with session(ctx) as s:
        builder = ctx.qb(s, BenchRow).where(score__gte=ctx.floor).order_by("score")
        for _ in range(count):
            page = await builder.after(cursor).keyset(100)
            out.append(page.items)
            cursor = page.next_cursor
    return out


# ------------------------------------------------------------ single-row writes


async def raw_insert_one(ctx: Any, params: list[tuple[Any, ...]]) -> list[Any]:
    sql = ctx.sql["insert_returning"]
    if _pg(ctx):
        fetchrow = ctx.raw.fetchrow
        return [await fetchrow(sql, *row) for row in params]
    out = []
    for row in params:
        out.append((await ctx.raw.execute_fetchall(sql, row))[0])
        await ctx.raw.commit()
    return out


async def core_insert_one(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    table = ctx.table
    stmt = sa.insert(table).returning(*table.c)
    out = []
    async with ctx.engine.connect() as conn:
        for row in rows:
            async with conn.begin():
                out.append((await conn.execute(stmt, row)).one())
    return out


async def core_insert_one_per_call(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Core under the facade's execution model: every call its own transaction."""
    table = ctx.table
    stmt = sa.insert(table).returning(*table.c)
    out = []
    for row in rows:
        async with ctx.engine.begin() as conn:
            out.append((await conn.execute(stmt, row)).one())
    return out


async def facade_insert_one(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    table = ctx.db.t.bench_rows
    return [await table.insert(row) for row in rows]


async def raw_update(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    sql = ctx.sql["update"]
    out = []
    if _pg(ctx):
        fetchrow = ctx.raw.fetchrow
        for key, values in work:
            out.append(await fetchrow(sql, values["name"], values["score"], key))
        return out
    for key, values in work:
        out.append((await ctx.raw.execute_fetchall(sql, (values["name"], values["score"], key)))[0])
        await ctx.raw.commit()
    return out


def _update_statement(table: Any) -> Any:
    """``UPDATE ... SET name = :name, score = :score WHERE id = :key RETURNING *``, built once."""
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("key"))
        .values(name=sa.bindparam("name"), score=sa.bindparam("score"))
        .returning(*table.c)
    )


async def core_update(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    stmt = _update_statement(ctx.table)
    out = []
    async with ctx.engine.connect() as conn:
        for key, values in work:
            async with conn.begin():
                out.append((await conn.execute(stmt, {"key": key, **values})).one())
    return out


async def core_update_per_call(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    """Core committing each update on a connection of its own, as ``update_row`` does."""
    stmt = _update_statement(ctx.table)
    out = []
    for key, values in work:
        async with ctx.engine.begin() as conn:
            out.append((await conn.execute(stmt, {"key": key, **values})).one())
    return out


async def lib_update_row(ctx: Any, work: list[tuple[int, dict[str, Any]]]) -> list[Any]:
    update_row = ctx.lib.update_row
    async with session(ctx) as s:
        return [(await update_row(key, values, s, BenchRow))[1] for key, values in work]


async def raw_delete(ctx: Any, keys: list[int]) -> list[bool]:
    sql = ctx.sql["delete"]
    out = []
    if _pg(ctx):
        execute = ctx.raw.execute
        for key in keys:
            out.append(await execute(sql, key) == "DELETE 1")
        return out
    for key in keys:
        cursor = await ctx.raw.execute(sql, (key,))
        out.append(cursor.rowcount == 1)
        await ctx.raw.commit()
    return out


async def core_delete(ctx: Any, keys: list[int]) -> list[bool]:
    table = ctx.table
    stmt = sa.delete(table).where(table.c.id == sa.bindparam("key"))
    out = []
    async with ctx.engine.connect() as conn:
        for key in keys:
            async with conn.begin():
                out.append((await conn.execute(stmt, {"key": key})).rowcount == 1)
    return out


async def core_delete_per_call(ctx: Any, keys: list[int]) -> list[bool]:
    """Core committing each delete on a connection of its own, as ``delete_row`` does."""
    table = ctx.table
    stmt = sa.delete(table).where(table.c.id == sa.bindparam("key"))
    out = []
    for key in keys:
        async with ctx.engine.begin() as conn:
            out.append((await conn.execute(stmt, {"key": key})).rowcount == 1)
    return out


async def lib_delete_row(ctx: Any, keys: list[int]) -> list[bool]:
    delete_row = ctx.lib.delete_row
    async with session(ctx) as s:
        return [await delete_row(key, s, BenchRow) for key in keys]


# ------------------------------------------------------- hooks, pool, streaming


async def hooks_split(ctx: Any, objects: list[BenchRow]) -> dict[str, Any]:
    """``write_row`` in alternating blocks with three no-op hooks and with none.

    Blocks are timed in the process's CPU time: hooks add work in this process
    only, and the database's share of a write (a commit's flush to disk) varies
    between blocks by more than three no-op hooks cost.
    """
    write_row = ctx.lib.write_row
    blocks: dict[str, list[float]] = {"hooks": [], "none": []}  # seconds per call, per block
    calls = {"hooks": 0, "none": 0}
    rows = []
    async with session(ctx) as s:
        for index, block in enumerate(chunks(objects, ctx.hook_block)):
            hooked = (index + ctx.round) % 2 == 0
            if hooked:
                for event, fn in ctx.hook_fns:
                    hook_registry.register_hook(BenchRow, event, fn)
            gc.collect()  # each block starts from the same collector state, off the clock
            start = time.process_time()  # CPU: what hooks add, without the server's time
            for obj in block:
                rows.append((await write_row(obj, s))[1])
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


async def pool_get(ctx: Any, keys: list[int], engine: Any) -> list[Any]:
    get_row = ctx.lib.get_row
    out = []
    for key in keys:
        async with session(ctx, engine) as s:
            out.append((await get_row(key, s, BenchRow))[1])
    return out


async def raw_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    count = total = 0
    first: list[Any] = []
    if _pg(ctx):
        async with ctx.raw.transaction():
            cursor = await ctx.raw.cursor(ctx.stream_sql)
            while rows := await cursor.fetch(batch):
                if not first:
                    first = list(rows)
                count += len(rows)
                total += sum(row[0] for row in rows)
                probe()
        return count, total, first
    async with ctx.raw.execute(ctx.stream_sql) as cursor:
        while rows := await cursor.fetchmany(batch):
            if not first:
                first = list(rows)
            count += len(rows)
            total += sum(row[0] for row in rows)
            probe()
    await ctx.raw.commit()
    return count, total, first


async def core_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    table = StreamRow.__table__  # type: ignore[attr-defined]
    count = total = 0
    first: list[Any] = []
    async with ctx.engine.connect() as conn:
        result = await conn.stream(
            sa.select(table).order_by(table.c.id).execution_options(yield_per=batch)
        )
        async for rows in result.partitions():
            if not first:
                first = list(rows)
            count += len(rows)
            total += sum(row[0] for row in rows)
            probe()
    return count, total, first


async def qb_stream(ctx: Any, batch: int, probe: Any) -> tuple[int, int, list[Any]]:
    count = total = 0
    first: list[Any] = []
    async with session(ctx) as s:
        async for rows in ctx.qb(s, StreamRow).order_by("id").stream(batch):
            if not first:
                first = list(rows)
            count += len(rows)
            total += sum(row.id for row in rows)
            probe()
    return count, total, first
