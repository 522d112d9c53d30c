"""Lifecycle hooks: functions called before and after every write the library makes.

Register a hook for one model (or for every model with ``model=None``)::

    @hook(User, "before_create")
    def stamp(ctx: HookContext) -> None:
        for user in ctx.rows:
            user.email = user.email.lower()

``before_*`` hooks run before any SQL of the operation and may modify what is
written (the instances in ``ctx.rows``, the ``ctx.data`` mapping of an update,
the payload mappings of a bulk upsert); one that raises aborts the operation
and nothing is written.  ``after_*`` hooks run after the operation's SQL was
flushed and before its commit, in the same transaction: rows a hook adds to
``ctx.session`` (an audit log, say) commit or roll back together with the
operation, and a hook that raises rolls the operation back.

Hooks may be plain functions or coroutine functions; a coroutine hook is only
usable from the async helpers (the sync helpers raise ``TypeError``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

#: Every event a hook can be registered for.
EVENTS: tuple[str, ...] = (
    "before_create",
    "after_create",
    "before_update",
    "after_update",
    "before_delete",
    "after_delete",
    "before_upsert",
    "after_upsert",
    "before_bulk_insert",
    "after_bulk_insert",
    "before_bulk_update",
    "after_bulk_update",
    "before_bulk_delete",
    "after_bulk_delete",
    "before_bulk_upsert",
    "after_bulk_upsert",
)

HookFn = Callable[["HookContext"], Any]
F = TypeVar("F", bound=HookFn)


@dataclass
class HookContext:
    """What a hook is told about the operation.

    Attributes:
        event: The event name, for example ``"before_update"``.
        model: The model class (or, for the table facade, the table name).
        session: The session (or connection) the operation runs on.
        rows: The instances or mappings written (before hooks may modify them).
        data: For updates, the values being set (before hooks may modify it).
        ids: For id-list operations, the primary-key values.
        extra: Further details, such as ``{"soft": True}`` for a soft delete.
    """

    event: str
    model: Any
    session: Any
    rows: list[Any] = field(default_factory=list)
    data: dict[str, Any] | None = None
    ids: list[Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_lock = threading.Lock()
_registry: dict[tuple[Any, str], list[HookFn]] = {}
#: Resolved hook lists per (model, event); cleared on every registry change.
_resolved: dict[tuple[Any, str], tuple[HookFn, ...]] = {}


def _check_event(event: str) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown hook event {event!r}; valid events: {', '.join(EVENTS)}")


def register_hook(model: Any, event: str, fn: HookFn) -> HookFn:
    """Register ``fn`` for ``event`` on ``model`` (``None``: every model).

    Args:
        model: A model class, a facade table name, or ``None`` for all.
        event: One of :data:`EVENTS`.
        fn: Called with a :class:`HookContext`; may be a coroutine function.

    Returns:
        ``fn`` itself, so the call can decorate.

    Raises:
        ValueError: ``event`` is unknown.
        TypeError: ``fn`` is not callable.
    """
    _check_event(event)
    if not callable(fn):
        raise TypeError(f"hook must be callable, got {fn!r}")
    with _lock:
        _registry.setdefault((model, event), []).append(fn)
        _resolved.clear()
    return fn


def hook(model: Any, *events: str) -> Callable[[F], F]:
    """Decorator form of :func:`register_hook` for one or several events."""
    for event in events:
        _check_event(event)

    def decorate(fn: F) -> F:
        for event in events:
            register_hook(model, event, fn)
        return fn

    return decorate


def unregister_hook(model: Any, event: str, fn: HookFn) -> bool:
    """Remove one registration; returns whether it was registered."""
    _check_event(event)
    with _lock:
        hooks = _registry.get((model, event), [])
        if fn not in hooks:
            return False
        hooks.remove(fn)
        _resolved.clear()
        return True


def clear_hooks(model: Any = ..., event: str | None = None) -> None:
    """Remove hooks: all of them, those of one model, or of one model and event."""
    with _lock:
        for key in list(_registry):
            if (model is ... or key[0] is model or key[0] == model) and (
                event is None or key[1] == event
            ):
                del _registry[key]
        _resolved.clear()


def hooks_for(model: Any, event: str) -> tuple[HookFn, ...]:
    """Hooks for ``model`` and ``event``: global ones, then base classes', then its own."""
    key = (model, event)
    found = _resolved.get(key)
    if found is not None:
        return found
    with _lock:
        ordered: list[HookFn] = list(_registry.get((None, event), ()))
        targets = list(reversed(model.__mro__)) if isinstance(model, type) else [model]
        for target in targets:
            if target is not None:
                ordered.extend(_registry.get((target, event), ()))
        found = tuple(ordered)
        _resolved[key] = found
    return found


def has_hooks(model: Any, *events: str) -> bool:
    """Whether any hook applies to ``model`` for one of ``events``."""
    return any(hooks_for(model, event) for event in events)


__all__ = [
    "EVENTS",
    "HookContext",
    "clear_hooks",
    "has_hooks",
    "hook",
    "hooks_for",
    "register_hook",
    "unregister_hook",
]
