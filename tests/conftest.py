"""Shared test configuration.

Hypothesis profiles: ``default`` for local runs, ``ci`` (selected when the ``CI``
environment variable is set, as in ``.ci/run``) runs more examples. Neither uses a
database folder in the repository.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import InMemoryExampleDatabase

settings.register_profile(
    "default",
    database=InMemoryExampleDatabase(),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    derandomize=True,
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
