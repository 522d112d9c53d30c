"""Example budgets of the property-based tests.

The normal suite runs a bounded number of examples per test, so each test stays within a few
seconds. Tests marked ``long`` run ``long`` examples instead when ``SCU_LONG_TESTS=1``::

    SCU_LONG_TESTS=1 python -m pytest -m long
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("SCU_LONG_TESTS", "") == "1"


def examples(normal: int, long: int) -> settings:
    """Hypothesis settings with ``normal`` examples, or ``long`` under ``SCU_LONG_TESTS=1``."""
    return settings(
        max_examples=long if LONG else normal,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )
