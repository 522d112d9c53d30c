"""Session scopes and session dependencies, sync and async.

The sync names are imported eagerly.  The async names
(``async_session_scope``, ``get_async_session``, ...) are loaded on first
access, so importing this module needs neither greenlet nor
``sqlalchemy.ext.asyncio``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlmodel_crud_utils._sync.session import (
    get_default_engine,
    get_session,
    session_dependency,
    session_scope,
    set_default_engine,
)

if TYPE_CHECKING:
    from sqlmodel_crud_utils._async.session import (
        async_session_dependency,
        async_session_scope,
        get_async_session,
        get_default_async_engine,
        set_default_async_engine,
    )

_ASYNC_NAMES = frozenset(
    {
        "async_session_dependency",
        "async_session_scope",
        "get_async_session",
        "get_default_async_engine",
        "set_default_async_engine",
    }
)


def __getattr__(name: str) -> Any:
    if name not in _ASYNC_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("sqlmodel_crud_utils._async.session"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _ASYNC_NAMES)


__all__ = [
    "async_session_dependency",
    "async_session_scope",
    "get_async_session",
    "get_default_async_engine",
    "get_default_engine",
    "get_session",
    "session_dependency",
    "session_scope",
    "set_default_async_engine",
    "set_default_engine",
]
