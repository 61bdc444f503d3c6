"""The parts of ``bench/bench_backfill.py`` (a UI backfill through the real daemon).

``workspace`` builds the throw-away instance and day files; ``launch`` starts the servers
through the test harness (``reach_pipeline_tests.support``) and launches the backfill as the
UI does; ``memory`` samples the server trees; ``timeline`` reads every run's events back from
the instance; ``startup`` replays a run worker's start-up; ``machine`` describes the machine,
the code and the instance's settings; ``report`` prints the figures; ``scratch`` runs a bench
in its temporary folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# The benchmark runs from the repository: its test harness is importable from there
# (whether or not the installed distribution ships the tests).
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ASSET = "reach_cdf"  # what the backfill selects
STEP = "reach_day"  # the step that makes it (every day of a ranged run)
POOL = "reach_cdf"  # the step's pool
TARGET_S_PER_DAY = 0.3


class BenchError(RuntimeError):
    """The benchmark could not run (not a bad figure)."""
