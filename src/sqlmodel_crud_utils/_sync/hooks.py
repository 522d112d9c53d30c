# This file is generated from src/sqlmodel_crud_utils/_async/hooks.py by scripts/unasync.py. Do not edit it by hand.
"""Running lifecycle hooks from the CRUD helpers (the registry is in ``hooks``)."""

from __future__ import annotations

import inspect
from typing import Any

from sqlmodel_crud_utils.hooks import HookContext, hooks_for

#: Whether this is the async twin (coroutine hooks are only usable there).
_ASYNC_TWIN = False


def _settle(result: Any, hook: Any) -> Any:
    if not _ASYNC_TWIN:
        close = getattr(result, "close", None)
        if close is not None:
            close()
        raise TypeError(
            f"hook {getattr(hook, '__qualname__', hook)!r} is a coroutine function; "
            "it can only run from the async helpers (the a_* names)"
        )
    return result


def fire_hooks(
    event: str,
    model: Any,
    session: Any,
    rows: list[Any] | None = None,
    data: dict[str, Any] | None = None,
    ids: list[Any] | None = None,
    **extra: Any,
) -> HookContext | None:
    """Call the hooks registered for ``event`` on ``model``, in registration order.

    Returns:
        The context the hooks saw (so callers pick up modified data), or
        ``None`` when no hook is registered.
    """
    hooks = hooks_for(model, event)
    if not hooks:
        return None
    context = HookContext(
        event=event,
        model=model,
        session=session,
        rows=rows if rows is not None else [],
        data=data,
        ids=ids,
        extra=extra,
    )
    for hook in hooks:
        result = hook(context)
        if result is not None and inspect.isawaitable(result):
            _settle(result, hook)
    return context
