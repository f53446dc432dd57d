"""Hypothesis profiles for the fuzz suite: a short run in ``make test`` (every commit), the full
run of at least 10,000 cases per use case in ``make probe`` (``HYPOTHESIS_PROFILE=probe``)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # bcrypt and the database make single cases slow on a loaded machine
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,  # no example database in the checkout
}
settings.register_profile("default", max_examples=60, **_COMMON)
settings.register_profile(
    "probe", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "10000")), **_COMMON
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
