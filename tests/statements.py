"""Count the SQL statements an engine runs (works for sync and async engines)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

#: Transaction-control statements are not counted (they carry no query).
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextlib.contextmanager
def count_statements(bind: Any) -> Iterator[list[str]]:
    """Collect the SQL text of every query ``bind`` executes inside the block.

    ``bind`` is an engine or a session (its bind is used); async engines are
    unwrapped to their sync core.
    """
    engine = getattr(bind, "bind", None) or bind
    engine = getattr(engine, "sync_engine", engine)
    seen: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _record)
