"""The few I/O primitives that differ between the sync and async twins.

Generated sync code calls the plain name where the async source calls the
``async_`` one (``scripts/unasync.py`` drops the prefix).  Keep this module
tiny: anything that can be written once belongs elsewhere.
"""

from __future__ import annotations

from typing import Any


async def async_open_stream(session: Any, stmt: Any, options: dict[str, Any]) -> Any:
    """Execute ``stmt`` with a streaming (server-side where possible) result."""
    return await session.stream(stmt, execution_options=options)


def open_stream(session: Any, stmt: Any, options: dict[str, Any]) -> Any:
    """Execute ``stmt`` with a streaming (server-side where possible) result."""
    return session.exec(stmt, execution_options=options)


__all__ = ["async_open_stream", "open_stream"]
