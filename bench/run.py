"""Benchmark the CRUD helpers against the raw drivers and hand-written SQLAlchemy Core.

Usage::

    python bench/run.py [--n 20000] [--rounds 5] [--backends sqlite,psycopg,asyncpg]
                        [--json out.json] [--chart out.png] [--quick]

Every case runs in this one process.  Each round runs every case once
(round-robin, starting one case later each round) and the figure reported is
the median over the rounds.  Every result is verified (row counts and sampled
rows against what was written) for the library paths and the baselines alike;
a run with an unverified case exits with status 1.  ``--strict`` also fails
the run when a target of the issue is not met.

See ``docs/performance.md`` for the method and the latest figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import _async_cases
import _sync_cases
import sqlalchemy as sa
import sqlmodel
from _cases import OPERATIONS, TARGETS, Case, build_cases
from _data import (
    PAGE_FLOOR,
    TABLES,
    BenchRow,
    Dataset,
    PostgresAdmin,
    SQLiteAdmin,
    raw_sql,
    stream_row,
)
from _report import render_chart, render_tables
from sqlalchemy.pool import NullPool

import sqlmodel_crud_utils
from sqlmodel_crud_utils import create_async_engine_from_config, create_engine_from_config

#: The repository root; run this file as a script so its own folder is importable.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_NAMES = ("sqlite3", "aiosqlite", "psycopg", "asyncpg")
ALIASES = {"sqlite": ("sqlite3", "aiosqlite"), "postgresql": ("psycopg", "asyncpg")}
ASYNC_TARGETS = frozenset({"aiosqlite", "asyncpg"})
BASELINES = ("raw", "core")


# --------------------------------------------------------------------- options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="rows in the table (20000)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per case (5)")
    parser.add_argument(
        "--backends",
        default="sqlite,psycopg,asyncpg",
        help="comma-separated: sqlite (sqlite3 and aiosqlite), sqlite3, aiosqlite, "
        "psycopg, asyncpg, postgresql (both)",
    )
    parser.add_argument("--stream-rows", type=int, default=None, help="rows streamed (200000)")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--chart", type=Path, help="render a PNG chart of the ratios")
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 rounds (smoke)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--from-json", type=Path, help="only render the tables and --chart of an earlier --json"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SCU_TEST_POSTGRES_URL", DEFAULT_PG_URL),
        help="server for the PostgreSQL targets (env SCU_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    targets: list[str] = []
    for item in filter(None, (part.strip().lower() for part in args.backends.split(","))):
        names = ALIASES.get(item, (item,))
        for name in names:
            if name not in TARGET_NAMES:
                parser.error(
                    f"unknown backend {item!r}; choose from sqlite, {', '.join(TARGET_NAMES)}"
                )
            if name not in targets:
                targets.append(name)
    args.targets = targets
    n = args.n or (300 if args.quick else 20_000)
    args.n = n
    args.rounds = args.rounds or (2 if args.quick else 5)
    default_stream = 2_000 if args.quick else 200_000
    stream = args.stream_rows if args.stream_rows is not None else default_stream
    args.sizes = {
        "gets": min(50 if args.quick else 2_000, n),
        "pages": 10 if args.quick else 500,
        "writes": min(30 if args.quick else 1_000, n // 4),
        "pool": min(10 if args.quick else 100, n),
        "stream": stream,
    }
    return args


# --------------------------------------------------------------------- targets


def _noop(*_args: Any) -> None:
    return None


def _hooks(counter: list[int]) -> list[tuple[str, Any]]:
    def first(_ctx: Any) -> None:
        counter[0] += 1

    def second(_ctx: Any) -> None:
        counter[0] += 1

    def third(_ctx: Any) -> None:
        counter[0] += 1

    return [("before_create", first), ("before_create", second), ("after_create", third)]


def _library(is_async: bool) -> Any:
    if is_async:
        from sqlmodel_crud_utils import a_sync

        return a_sync
    from sqlmodel_crud_utils import sync

    return sync


def _facade(is_async: bool) -> Any:
    try:
        from sqlmodel_crud_utils import facade

        return facade.AsyncDatabase if is_async else facade.Database
    except Exception as exc:  # missing or broken: measured when it imports
        print(f"note: the table facade is not importable ({exc!r}); its cases are skipped")
        return None


def _query_builder(is_async: bool) -> Any:
    try:
        if is_async:
            from sqlmodel_crud_utils.a_sync import AsyncQueryBuilder as builder
        else:
            from sqlmodel_crud_utils.sync import QueryBuilder as builder
    except Exception as exc:  # missing or broken: measured when it imports
        print(f"note: QueryBuilder is not importable ({exc!r}); its cases are skipped")
        return None
    return builder


async def open_target(name: str, args: argparse.Namespace, workdir: str) -> Any:
    """Create the tables, the engines, the raw connection and the facade of one target."""
    is_async = name in ASYNC_TARGETS
    ctx = SimpleNamespace(
        name=name,
        is_async=is_async,
        driver=name,
        data=Dataset(args.n),
        stream_data=SimpleNamespace(
            n=args.sizes["stream"],
            rows=[stream_row(k) for k in range(1, min(1000, args.sizes["stream"]) + 1)],
        ),
        table=BenchRow.__table__,  # type: ignore[attr-defined]
        sql=raw_sql(name),
        stream_sql=raw_sql(name, "bench_stream")["stream"],
        floor=PAGE_FLOOR,
        lib=_library(is_async),
        qb=_query_builder(is_async),
        probe=_noop,
        round=0,
        hook_calls=[0],
        hook_block=25 if args.sizes["writes"] >= 400 else max(1, args.sizes["writes"] // 6),
        raw=None,
        db=None,
        engines=[],
    )
    ctx.hook_fns = _hooks(ctx.hook_calls)
    if name in ("sqlite3", "aiosqlite"):
        ctx.family = "sqlite"
        path = os.path.join(workdir, f"{name}.db")
        ctx.admin = SQLiteAdmin(path)
        url = f"sqlite:///{path}"
        options: dict[str, Any] = {}
        sync_url, sync_options = url, {}
    else:
        ctx.family = "postgresql"
        schema = f"scu_bench_{os.getpid()}_{name}"
        ctx.admin = PostgresAdmin(args.postgres_url, schema)
        url = args.postgres_url
        sync_url = url
        sync_options = {"connect_args": {"options": f"-c search_path={schema}"}}
        if name == "asyncpg":
            options = {"connect_args": {"server_settings": {"search_path": schema}}}
        else:
            options = sync_options
        ctx.schema = schema
    ddl_engine = create_engine_from_config(sync_url, **sync_options)
    sqlmodel.SQLModel.metadata.create_all(ddl_engine, tables=TABLES)
    ddl_engine.dispose()
    factory = create_async_engine_from_config if is_async else create_engine_from_config
    ctx.engine = factory(url, **options)
    ctx.fresh_engine = factory(url, poolclass=NullPool, **options)
    ctx.engines = [ctx.engine, ctx.fresh_engine]
    ctx.raw = await _raw_connection(name, ctx, url)
    database = _facade(is_async)
    if database is not None:
        ctx.db = database(ctx.engine)
        if is_async:
            await ctx.db.connect()
        else:
            ctx.db.connect()
    if args.sizes["stream"]:
        ctx.admin.truncate("bench_stream")
        ctx.admin.load("bench_stream", (stream_row(k) for k in range(1, args.sizes["stream"] + 1)))
        ctx.admin.mark("bench_stream", "full")
    return ctx


async def _raw_connection(name: str, ctx: Any, url: str) -> Any:
    pragmas = (
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA busy_timeout = 5000",
        "PRAGMA foreign_keys = ON",
    )
    if name == "sqlite3":
        import sqlite3

        conn = sqlite3.connect(ctx.admin.path)
        for pragma in pragmas:
            conn.execute(pragma)
        return conn
    if name == "aiosqlite":
        import aiosqlite

        conn = await aiosqlite.connect(ctx.admin.path)
        for pragma in pragmas:
            await conn.execute(pragma)
        return conn
    if name == "psycopg":
        import psycopg

        return psycopg.connect(url, options=f"-c search_path={ctx.schema}")
    import asyncpg

    return await asyncpg.connect(url, server_settings={"search_path": ctx.schema})


async def close_target(ctx: Any) -> None:
    if ctx.raw is not None:
        closing = ctx.raw.close()
        if inspect.isawaitable(closing):
            await closing
    if ctx.db is not None:
        closing = ctx.db.close()
        if inspect.isawaitable(closing):
            await closing
    for engine in ctx.engines:
        disposing = engine.dispose()
        if inspect.isawaitable(disposing):
            await disposing
    ctx.admin.close()


def recover(ctx: Any) -> None:
    """Leave the raw connection usable after a failed case."""
    if ctx.driver == "psycopg":
        ctx.raw.rollback()


# ----------------------------------------------------------------------- running


class MemoryProbe:
    """Peak Python allocations (tracemalloc) and resident-set growth during one pass."""

    def __init__(self) -> None:
        self.base_rss = self.peak_rss = 0

    @staticmethod
    def rss() -> int:
        try:
            with open("/proc/self/statm") as handle:
                return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return 0

    def __enter__(self) -> MemoryProbe:
        gc.collect()
        self.base_rss = self.peak_rss = self.rss()
        tracemalloc.start()
        return self

    def __call__(self) -> None:
        self.peak_rss = max(self.peak_rss, self.rss())

    def __exit__(self, *_exc: Any) -> None:
        self.peak_traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    def report(self) -> dict[str, float]:
        return {
            "tracemalloc_peak_mb": round(self.peak_traced / 2**20, 2),
            "rss_growth_mb": round((self.peak_rss - self.base_rss) / 2**20, 2),
        }


async def _call(ctx: Any, case: Case, inp: Any) -> Any:
    result = case.run(ctx, inp)
    if inspect.isawaitable(result):
        result = await result
    return result


async def run_case(ctx: Any, case: Case, record: dict[str, Any], memory: bool) -> None:
    admin = ctx.admin
    try:
        if case.table != "bench_stream":
            admin.ensure(case.table, case.state, ctx.data)
        inp = case.prep(ctx)
        gc.collect()
        start = time.perf_counter()
        result = await _call(ctx, case, inp)
        elapsed = time.perf_counter() - start
        if case.table != "bench_stream":
            admin.mark(case.table, "dirty")
        case.verify(ctx, inp, result)
        if case.table != "bench_stream":
            admin.mark(case.table, case.after)
        if case.split:
            for side, spent in result["split"].items():
                record["split"].setdefault(side, []).append(spent / result["calls"][side])
        record["times"].append(elapsed)
        if os.environ.get("SCU_BENCH_TRACE"):
            print(f"    {case.op} / {case.impl}: {elapsed:.3f}s")
        if memory:
            with MemoryProbe() as probe:
                ctx.probe = probe
                await _call(ctx, case, inp)
            ctx.probe = _noop
            record["memory"] = probe.report()
    except Exception as exc:  # reported, and the run fails at the end
        ctx.probe = _noop
        record["verified"] = False
        record["errors"].append(f"{type(exc).__name__}: {exc}"[:500])
        print(f"  FAILED {ctx.name} {case.op} / {case.impl}: {exc!r:.300}", file=sys.stderr)
        traceback.print_exc(limit=4)
        if case.table != "bench_stream":
            admin.mark(case.table, "dirty")
        recover(ctx)


async def run_target(name: str, args: argparse.Namespace, workdir: str) -> list[dict[str, Any]]:
    ctx = await open_target(name, args, workdir)
    try:
        cases = build_cases(ctx, _async_cases if ctx.is_async else _sync_cases, args.sizes)
        records = {
            (c.op, c.impl): {"times": [], "split": {}, "verified": True, "errors": []}
            for c in cases
        }
        for number in range(args.rounds):
            ctx.round = number
            started = time.perf_counter()
            shift = number % len(cases)
            for case in cases[shift:] + cases[:shift]:
                memory = number == 0 and case.op == "stream"
                await run_case(ctx, case, records[(case.op, case.impl)], memory)
            spent = time.perf_counter() - started
            print(f"  {name}: round {number + 1}/{args.rounds} in {spent:.1f}s")
        return summarise(name, cases, records)
    finally:
        await close_target(ctx)


# ------------------------------------------------------------------- summarising


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(
    name: str, cases: list[Case], records: dict[tuple[str, str], dict[str, Any]]
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    per_op: dict[tuple[str, str], float | None] = {}
    for case in cases:
        record = records[(case.op, case.impl)]
        median = _median(record["times"])
        per_op[(case.op, case.impl)] = None if median is None else median / case.count
        entry = {
            "target": name,
            "op": case.op,
            "impl": case.impl,
            "count": case.count,
            "rounds_s": [round(t, 6) for t in record["times"]],
            "median_s": median,
            "per_op_us": None if median is None else median / case.count * 1e6,
            "verified": record["verified"] and len(record["times"]) > 0,
            "errors": record["errors"],
        }
        if "memory" in record:
            entry["memory"] = record["memory"]
        if case.split:
            hooked = _median(record["split"].get("hooks", []))
            plain = _median(record["split"].get("none", []))
            entry["median_s"] = None if hooked is None else hooked * case.count
            entry["per_op_us"] = None if hooked is None else hooked * 1e6
            entry["rounds_s"] = [round(t * case.count, 6) for t in record["split"].get("hooks", [])]
            per_op[(case.op, case.impl)] = hooked
            entries.append(entry)
            entries.append(
                {
                    **entry,
                    "impl": "write_row, no hooks (same run)",
                    "median_s": None if plain is None else plain * case.count,
                    "per_op_us": None if plain is None else plain * 1e6,
                    "rounds_s": [round(t * case.count, 6) for t in record["split"].get("none", [])],
                }
            )
            per_op[(case.op, "write_row, no hooks (same run)")] = plain
            continue
        entries.append(entry)
    for entry in entries:
        op, impl = entry["op"], entry["impl"]
        mine = per_op.get((op, impl))
        for baseline in BASELINES:
            ref = per_op.get((op, baseline))
            usable = op not in ("pool", "hooks") and mine is not None and bool(ref)
            entry[f"x_{baseline}"] = mine / ref if usable else None  # type: ignore[operator]
        entry["target_limit"] = entry["target_ref"] = entry["ratio"] = entry["met"] = None
        entry["note"] = ""
        goal = TARGETS.get((op, impl))
        if goal is not None:
            limit, ref_name = goal
            if ref_name == "core":
                ratio = entry["x_core"]
            else:
                ref = per_op.get((op, ref_name))
                ratio = mine / ref if mine is not None and ref else None
            entry.update(target_limit=limit, target_ref=ref_name, ratio=ratio)
            entry["met"] = None if ratio is None else ratio <= limit
        if op == "pool" and impl.endswith("new connection per call"):
            pooled = per_op.get((op, "get_row, pooled connection"))
            if mine and pooled:
                entry["ratio"] = mine / pooled
                entry["note"] = f"{mine / pooled:.2f}x the pooled latency"
    return entries


def server_version(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except Exception:
        return None


def write_json(args: argparse.Namespace, meta: dict[str, Any], results: list[Any]) -> None:
    """Write (or rewrite, after each target) the ``--json`` report."""
    if not args.json:
        return
    verified = bool(results) and not meta.get("failed_targets")
    payload = {
        "meta": meta,
        "operations": OPERATIONS,
        "results": results,
        "all_verified": verified and all(entry["verified"] for entry in results),
    }
    args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def source_state() -> dict[str, Any]:
    """The commit measured and whether the work tree differed from it (read-only git)."""
    state: dict[str, Any] = {}
    for key, command in (
        ("commit", ["git", "rev-parse", "--short", "HEAD"]),
        ("changed_files", ["git", "status", "--porcelain", "--", "src"]),
    ):
        try:
            found = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=20, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return state
        text = found.stdout.strip()
        state[key] = len(text.splitlines()) if key == "changed_files" else text
    return state


def rerender(args: argparse.Namespace) -> int:
    """Print the tables (and draw ``--chart``) of an earlier run's JSON."""
    report = json.loads(args.from_json.read_text())
    print(render_tables(report["results"], report["meta"]))
    if args.chart:
        render_chart(report["results"], args.chart, report["meta"])
        print(f"wrote {args.chart}")
    return 0 if report.get("all_verified") else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        return rerender(args)
    import sqlite3

    meta: dict[str, Any] = {
        "n": args.n,
        "rounds": args.rounds,
        "quick": args.quick,
        "sizes": args.sizes,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlalchemy": sa.__version__,
        "sqlmodel": sqlmodel.__version__,
        "library": sqlmodel_crud_utils.__version__,
        "sqlite": sqlite3.sqlite_version,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": source_state(),
        "skipped": [],
    }
    targets = list(args.targets)
    if any(name in ("psycopg", "asyncpg") for name in targets):
        version = server_version(args.postgres_url)
        if version is None:
            reason = f"PostgreSQL unreachable at {args.postgres_url}"
            if os.environ.get("SCU_REQUIRE_POSTGRES") == "1":
                print(f"error: {reason} (SCU_REQUIRE_POSTGRES=1)", file=sys.stderr)
                return 2
            print(f"note: {reason}; the PostgreSQL targets are skipped")
            meta["skipped"].append(reason)
            targets = [t for t in targets if t not in ("psycopg", "asyncpg")]
        meta["postgresql"] = version
    results: list[dict[str, Any]] = []
    failed_targets: list[str] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scu-bench-") as workdir:
        for name in targets:
            print(f"{name}: n={args.n}, {args.rounds} rounds")
            try:
                results.extend(asyncio.run(run_target(name, args, workdir)))
            except Exception as exc:  # a target that cannot run fails the run, not the others
                traceback.print_exc()
                failed_targets.append(f"{name}: {exc!r}"[:500])
            meta["seconds"] = round(time.perf_counter() - began, 1)
            meta["failed_targets"] = failed_targets
            write_json(args, meta, results)
    all_verified = bool(results) and not failed_targets
    all_verified = all_verified and all(entry["verified"] for entry in results)
    missed = [e for e in results if e["met"] is False]
    print()
    print(render_tables(results, meta))
    write_json(args, meta, results)
    if args.json:
        print(f"wrote {args.json}")
    if args.chart:
        render_chart(results, args.chart, meta)
        print(f"wrote {args.chart}")
    if not all_verified:
        print("error: some cases were not verified", file=sys.stderr)
        return 1
    if args.strict and missed:
        print(f"error: {len(missed)} target(s) not met", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
