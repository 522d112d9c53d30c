"""Suite-wide settings: property-based tests are deterministic under CI."""

import os

from hypothesis import settings

# CI runs the same examples every time, so a red run is reproducible; locally every run
# explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
