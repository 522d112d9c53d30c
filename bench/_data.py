"""Benchmark data: the table, the rows written, and a driver-level admin per database.

The admin connection (``sqlite3`` or ``psycopg``) resets tables between cases and
reads them back for verification, so every path is checked by the same
independent reader and no path verifies itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

UTC = dt.timezone.utc
EPOCH = dt.datetime(2026, 1, 1, tzinfo=UTC)
COLUMNS = ("id", "name", "email", "score", "payload", "created_at")
PAGE_FLOOR = 0.25  # the page cases read rows with score >= PAGE_FLOOR
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_SEED = 20_261_122


class BenchRow(SQLModel, table=True):
    """Six columns: int key, two strings (one unique), float, JSON, aware timestamp."""

    __tablename__ = "bench_rows"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str
    email: str = Field(unique=True)
    score: float = Field(index=True)
    payload: dict[str, Any] = Field(sa_type=_JSON)
    created_at: dt.datetime


class StreamRow(SQLModel, table=True):
    """Same columns as :class:`BenchRow`; the large table the streaming cases read."""

    __tablename__ = "bench_stream"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str
    email: str = Field(unique=True)
    score: float
    payload: dict[str, Any] = Field(sa_type=_JSON)
    created_at: dt.datetime


TABLES = [BenchRow.__table__, StreamRow.__table__]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- rows


def _scores(count: int) -> list[float]:
    rng = random.Random(_SEED)
    return [rng.random() for _ in range(count)]


class Dataset:
    """The deterministic rows of a run, as plain dicts (keys are ``id`` 1..n)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.scores = _scores(n)
        self.rows = [base_row(i, self.scores[i - 1]) for i in range(1, n + 1)]
        ordered = sorted(
            (row for row in self.rows if row["score"] >= PAGE_FLOOR),
            key=lambda row: (row["score"], row["id"]),
        )
        self.page_order = [row["id"] for row in ordered]

    def row(self, key: int) -> dict[str, Any]:
        return self.rows[key - 1]

    def upserted(self, key: int) -> dict[str, Any]:
        """The row an upsert writes for ``key`` (existing keys get new values)."""
        row = dict(self.row(key))
        row["name"] = f"upserted-{key}"
        row["score"] = row["score"] + 1000.0
        row["payload"] = {**row["payload"], "version": 2}
        return row


def base_row(key: int, score: float) -> dict[str, Any]:
    return {
        "id": key,
        "name": f"name-{key}",
        "email": f"user{key}@example.com",
        "score": score,
        "payload": {"n": key, "tags": ["alpha", "beta"], "nested": {"mod": key % 7}},
        "created_at": EPOCH + dt.timedelta(seconds=key, microseconds=key % 1000),
    }


def updated_values(key: int) -> dict[str, Any]:
    """What the update cases set on ``key``."""
    return {"name": f"updated-{key}", "score": -float(key)}


def spread(keys: Sequence[int], count: int) -> list[int]:
    """``count`` keys spread evenly over ``keys`` (deterministic, no repeats)."""
    count = min(count, len(keys))
    step = len(keys) / count
    return [keys[int(i * step)] for i in range(count)]


def sample_keys(n: int, count: int = 200) -> list[int]:
    rng = random.Random(n)
    keys = set(rng.sample(range(1, n + 1), min(count, n)))
    keys.update({1, n})
    return sorted(keys)


# ------------------------------------------------------------------ normalising


def normalise(value: Any) -> tuple[Any, ...]:
    """A comparable tuple for a row from any path: driver tuple, mapping or object."""
    if isinstance(value, Mapping):
        parts = [value[name] for name in COLUMNS]
    elif isinstance(value, (sa.Row, tuple, list)):
        parts = list(value)[: len(COLUMNS)]
    elif callable(getattr(value, "keys", None)):  # asyncpg's Record
        parts = [value[name] for name in COLUMNS]
    elif hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        parts = [getattr(value, name) for name in COLUMNS]
    else:
        raise TypeError(f"cannot read a row from {type(value).__name__}")
    key, name, email, score, payload, created = parts
    if isinstance(payload, (str, bytes)):
        payload = json.loads(payload)
    if isinstance(created, str):
        created = dt.datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (int(key), name, email, float(score), payload, created.astimezone(UTC))


def expected(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return normalise(row)


class VerificationError(AssertionError):
    """A path returned or wrote something other than what the benchmark expects."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise VerificationError(message)


def check_rows(found: Iterable[Any], wanted: Iterable[Mapping[str, Any]], what: str) -> None:
    got = [normalise(row) for row in found]
    want = [expected(row) for row in wanted]
    check(len(got) == len(want), f"{what}: {len(got)} rows, expected {len(want)}")
    for a, b in zip(got, want, strict=True):
        check(a == b, f"{what}: row {a!r} != expected {b!r}")


# ----------------------------------------------------------------- driver params


def sqlite_text_time(value: dt.datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` stores (UTC, no offset)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def raw_params(driver: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """One row as the raw driver takes it (JSON and timestamps encoded as the driver needs)."""
    payload: Any = row["payload"]
    created: Any = row["created_at"]
    if driver in ("sqlite3", "aiosqlite"):
        payload = json.dumps(payload)
        created = sqlite_text_time(created)
    elif driver == "psycopg":
        from psycopg.types.json import Jsonb

        payload = Jsonb(payload)
    else:  # asyncpg: jsonb is sent as text by default
        payload = json.dumps(payload)
    return (row["id"], row["name"], row["email"], row["score"], payload, created)


def placeholders(driver: str, sql: str) -> str:
    """Rewrite ``?`` placeholders for the driver's paramstyle."""
    if driver in ("sqlite3", "aiosqlite"):
        return sql
    if driver == "psycopg":
        return sql.replace("?", "%s")
    counter = iter(range(1, 1000))
    return re.sub(r"\?", lambda _m: f"${next(counter)}", sql)


_SELECT = "SELECT id, name, email, score, payload, created_at FROM {table}"
_INSERT = (
    "INSERT INTO {table} (id, name, email, score, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)"
)
_UPSERT = _INSERT + (
    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
    " score = excluded.score, payload = excluded.payload, created_at = excluded.created_at"
)


def raw_sql(driver: str, table: str = "bench_rows") -> dict[str, str]:
    """The hand-written statements of the raw-driver baselines."""
    select = _SELECT.format(table=table)
    texts = {
        "insert": _INSERT.format(table=table),
        "insert_returning": _INSERT.format(table=table) + f" RETURNING {', '.join(COLUMNS)}",
        "upsert": _UPSERT.format(table=table),
        "get": f"{select} WHERE id = ?",
        "page": f"{select} WHERE score >= ? ORDER BY score, id LIMIT 100 OFFSET ?",
        "keyset_first": f"{select} WHERE score >= ? ORDER BY score, id LIMIT 101",
        "keyset_next": (
            f"{select} WHERE score >= ? AND (score, id) > (?, ?) ORDER BY score, id LIMIT 101"
        ),
        "update": (
            f"UPDATE {table} SET name = ?, score = ? WHERE id = ? "
            "RETURNING id, name, email, score, payload, created_at"
        ),
        "delete": f"DELETE FROM {table} WHERE id = ?",
        "stream": f"{select} ORDER BY id",
    }
    return {key: placeholders(driver, text) for key, text in texts.items()}


# ----------------------------------------------------------------------- admins


class Admin:
    """Resets and reads the benchmark tables through the sync driver."""

    family = ""
    driver = ""
    state: dict[str, str]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def load(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        raise NotImplementedError

    def truncate(self, table: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------

    def count(self, table: str = "bench_rows") -> int:
        return int(self.rows(f"SELECT count(*) FROM {table}")[0][0])

    def fetch(self, keys: Sequence[int], table: str = "bench_rows") -> list[tuple[Any, ...]]:
        marks = ", ".join("?" for _ in keys)
        sql = placeholders(self.driver, _SELECT.format(table=table) + f" WHERE id IN ({marks})")
        return sorted(self.rows(sql, list(keys)), key=lambda row: row[0])

    def ensure(self, table: str, state: str, data: Dataset) -> None:
        """Bring ``table`` to ``empty``, ``half`` (first n/2 keys) or ``full``."""
        if self.state.get(table) == state:
            return
        self.truncate(table)
        if state == "half":
            self.load(table, data.rows[: data.n // 2])
        elif state == "full":
            self.load(table, data.rows)
        self.state[table] = state

    def mark(self, table: str, state: str) -> None:
        self.state[table] = state


class SQLiteAdmin(Admin):
    family = "sqlite"
    driver = "sqlite3"

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA busy_timeout = 5000",
        ):
            self.conn.execute(pragma)
        self.state = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql, params).fetchall())

    def truncate(self, table: str) -> None:
        self.conn.execute(f"DELETE FROM {table}")

    def load(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany(
            raw_sql("sqlite3", table)["insert"], (raw_params("sqlite3", r) for r in rows)
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class PostgresAdmin(Admin):
    family = "postgresql"
    driver = "psycopg"

    def __init__(self, url: str, schema: str) -> None:
        import psycopg

        self.schema = schema
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute(f'CREATE SCHEMA "{schema}"')
        self.conn.execute(f'SET search_path TO "{schema}"')
        self.state = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql, params).fetchall())

    def truncate(self, table: str) -> None:
        self.conn.execute(f"TRUNCATE {table}")

    def load(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
        with self.conn.transaction(), self.conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(raw_params("psycopg", row))
        self.conn.execute(f"ANALYZE {table}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.conn.close()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def stream_row(key: int) -> dict[str, Any]:
    """Row ``key`` of the streaming table (cheap to regenerate, never all held at once)."""
    return base_row(key, (key * 7919 % 10007) / 10007)
