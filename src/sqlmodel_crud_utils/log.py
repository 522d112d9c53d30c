"""The library's logger.

By default the library logs through the standard :mod:`logging` logger named
``sqlmodel_crud_utils``, which carries a single :class:`logging.NullHandler`,
so nothing is printed until the application configures logging.
:func:`use_loguru` switches every module of the library to loguru's logger.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

LOGGER_NAME = "sqlmodel_crud_utils"

#: Modules whose ``logger`` attribute the library logs through.
_LOGGER_MODULES = (
    "sqlmodel_crud_utils.utils",
    "sqlmodel_crud_utils.sync",
    "sqlmodel_crud_utils.a_sync",
    "sqlmodel_crud_utils.cache",
)


def _stdlib_logger() -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())
    return logger


#: The default logger: stdlib, silent until the application configures logging.
stdlib_logger: logging.Logger = _stdlib_logger()
_current: Any = stdlib_logger


def use_loguru(enabled: bool = True) -> None:
    """Route the library's log records to loguru, or back to the stdlib logger.

    Args:
        enabled: ``True`` binds loguru's logger to every module of the library
            that logs; ``False`` restores the stdlib logger.

    Raises:
        ImportError: loguru is not installed (install the ``loguru`` extra).
    """
    target: Any
    if enabled:
        try:
            from loguru import logger as loguru_logger
        except ImportError as exc:
            raise ImportError(
                "use_loguru() needs loguru: pip install 'sqlmodel-crud-utilities[loguru]'"
            ) from exc
        target = loguru_logger
    else:
        target = stdlib_logger
    global _current
    _current = target
    for name in _LOGGER_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            module.logger = target  # type: ignore[attr-defined]


def current_logger() -> Any:
    """Return the logger the library currently logs through."""
    return _current
