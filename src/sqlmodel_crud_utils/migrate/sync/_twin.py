"""The few behaviours of the sync migration runner that differ from the async one.

Hand-written (not generated from ``migrate/aio/_twin.py``): running a
migration's function (``async def`` steps are refused), subprocesses,
sleeping and autogenerate's connection.
"""

from __future__ import annotations

import inspect
import subprocess
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

from sqlmodel_crud_utils.facade.sync import Database

from ..errors import AsyncMigrationError
from ..files import Migration, wants_op
from ..plan import operations

__all__ = ["autogenerate_with", "run_script", "run_step", "run_sync", "sleep"]

T = TypeVar("T")

sleep = time.sleep


def run_sync(conn: Connection, fn: Callable[[Connection], T]) -> T:
    """Run code that needs a sync connection."""
    return fn(conn)


def run_step(conn: Connection, fn: Callable[..., Any], migration: Migration) -> None:
    """Run a migration's ``up``/``down`` with a ``Database`` bound to ``conn``.

    Args:
        conn: The transaction's connection.
        fn: The step.
        migration: Its file.

    Raises:
        AsyncMigrationError: If the step is ``async def`` (use ``AsyncMigrationRunner``).
    """
    if inspect.iscoroutinefunction(fn):
        raise AsyncMigrationError(
            f"{migration.path.name} is async (async def {fn.__name__}): "
            "run it with AsyncMigrationRunner",
            [migration.path],
        )
    args: list[Any] = [Database(conn)]
    if wants_op(fn):
        args.append(operations(conn))
    fn(*args)


def run_script(argv: list[str], env: Mapping[str, str]) -> tuple[int, str]:
    """Run a migration script; return its exit status and its standard error."""
    done = subprocess.run(argv, env=dict(env), capture_output=True, check=False)
    return done.returncode, done.stderr.decode(errors="replace")


def autogenerate_with(
    db: Database, metadata: sa.MetaData, description: str, include_drops: bool
) -> str | None:
    """Autogenerate's source, read on one of the database's connections."""
    from ..autogen import autogenerate_source

    with db.engine.connect() as conn:
        return autogenerate_source(conn, metadata, description, include_drops)
