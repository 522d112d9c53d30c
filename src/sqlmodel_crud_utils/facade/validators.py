"""Field validators (``apply_validators``) shared by both twins."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel_crud_utils.exceptions import ValidationError

__all__ = ["apply_validators", "apply_validators_async"]


def _failed(errors: list[dict[str, Any]]) -> ValidationError:
    return ValidationError("Validation failed", errors=errors)


def apply_validators(
    data: Mapping[str, Any], validators: Mapping[str, Callable[[Any], Any]] | None
) -> dict[str, Any]:
    """Run one validator per field; each returns the value to store.

    ``None`` values are skipped.  Every ``ValueError``/``TypeError`` is
    collected into one :class:`ValidationError`.

    Args:
        data: The record.
        validators: ``{field: callable}``.

    Returns:
        A new dict with the validated values.

    Raises:
        ValidationError: If any validator failed; ``errors`` lists them.
    """
    out = dict(data)
    errors: list[dict[str, Any]] = []
    for name, validator in (validators or {}).items():
        if out.get(name) is None:
            continue
        try:
            out[name] = validator(out[name])
        except (ValueError, TypeError) as exc:
            errors.append({"field": name, "message": str(exc)})
    if errors:
        raise _failed(errors)
    return out


async def apply_validators_async(
    data: Mapping[str, Any], validators: Mapping[str, Callable[[Any], Any]] | None
) -> dict[str, Any]:
    """Like :func:`apply_validators`, and validators may be coroutines functions."""
    out = dict(data)
    errors: list[dict[str, Any]] = []
    for name, validator in (validators or {}).items():
        if out.get(name) is None:
            continue
        try:
            value = validator(out[name])
            if inspect.isawaitable(value):
                value = await value
            out[name] = value
        except (ValueError, TypeError) as exc:
            errors.append({"field": name, "message": str(exc)})
    if errors:
        raise _failed(errors)
    return out


#: The async variant under the name the sync twin's generator maps to ``apply_validators``.
async_apply_validators = apply_validators_async
