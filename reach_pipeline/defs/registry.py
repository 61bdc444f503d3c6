"""What the code location registers: the one list used by ``definitions.py``, the command
line and the tests, so nothing registered is skipped by one of them."""

from __future__ import annotations

import warnings

from dagster import BetaWarning, Definitions, in_process_executor, with_source_code_references

from .alerts import ALERT_SENSORS
from .assets import reach_csv, reach_day
from .coverage import reach_coverage, reach_coverage_automation
from .input_sensor import reach_input_sensor
from .io_manager import IO_MANAGER_KEY, ReachProductsIOManager
from .jobs import reach_daily_job
from .legacy_import import reach_legacy_import_sensor
from .resources import ReachS3, ReachSettings
from .schedules import reach_daily_schedule
from .watch_sensor import reach_sensor_watch

# Each asset's page links to the code that defines it (reach_csv is external: its code is
# the download tool's). Code references are "beta" in Dagster 1.13; used knowingly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", BetaWarning)
    ASSETS = tuple(with_source_code_references([reach_csv, reach_day, reach_coverage]))
JOBS = (reach_daily_job,)
SCHEDULES = (reach_daily_schedule,)
SENSORS = (
    reach_input_sensor,
    reach_legacy_import_sensor,
    *ALERT_SENSORS,
    reach_sensor_watch,
    reach_coverage_automation,
)


def resources(settings: ReachSettings | None = None, s3: ReachS3 | None = None) -> dict:
    """The resources every asset, check, sensor and schedule asks for, and the IO manager
    that gives other assets the products' paths."""
    settings = settings or ReachSettings()
    return {
        "reach": settings,
        "reach_s3": s3 or ReachS3(),
        IO_MANAGER_KEY: ReachProductsIOManager(reach=settings),
    }


def build_definitions(settings: ReachSettings | None = None, s3: ReachS3 | None = None):
    return Definitions(
        assets=[*ASSETS],
        jobs=[*JOBS],
        schedules=[*SCHEDULES],
        sensors=[*SENSORS],
        resources=resources(settings, s3),
        # One process per run: the processor already runs in its own child process, so a
        # subprocess per step would only add start-up time to every day of a backfill.
        executor=in_process_executor,
    )
