"""``MigrationRunner``, kept importable from its first home.

The runner is generated into ``migrate/sync/runner.py`` from the async source
``migrate/aio/runner.py``; the shared logic lives in ``plan.py`` and ``files.py``.
"""

from __future__ import annotations

from .plan import LOCK_KEY, PY_TEMPLATE
from .sync.runner import MigrationRunner

__all__ = ["LOCK_KEY", "PY_TEMPLATE", "MigrationRunner"]
