"""Helpers for the sensor tests: day files, runs on a real instance, a sensor's log lines."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from dagster import (
    DagsterInstance,
    ExecuteInProcessResult,
    build_run_status_sensor_context,
    materialize,
)

from reach_pipeline.defs.alerts import reach_failure_alert_sensor
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.registry import resources as registered
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.faults.corpus import bad_days, copy_bad_days
from reach_pipeline_tests.faults.support import write_sample_day
from reach_pipeline_tests.support.alert_logs import Lines

# Two days of the malformed corpus (2026-01-01: an empty file; 2026-01-04: another defect),
# and good days made from the 2025-09-01 sample.
BAD = {b.day: b for b in bad_days()}
BAD_1, BAD_2 = dt.date(2026, 1, 1), dt.date(2026, 1, 4)
GOOD = (dt.date(2026, 1, 2), dt.date(2026, 1, 3), dt.date(2026, 1, 5))


def fill_input(input_dir: Path, bad=(BAD_1, BAD_2), good=GOOD) -> dict[dt.date, str]:
    """Day files for ``bad`` and ``good`` days; return each bad day's expected phrase."""
    copy_bad_days(input_dir, [BAD[d] for d in bad])
    for day in good:
        write_sample_day(input_dir, day)
    return {d: BAD[d].phrase for d in bad}


def run(
    instance: DagsterInstance,
    settings: ReachSettings,
    *,
    day: dt.date | None = None,
    days: tuple[dt.date, dt.date] | None = None,
    tags: dict | None = None,
    selection=("reach_cdf",),
) -> ExecuteInProcessResult:
    """A real run on ``instance``: one day, or a range (tagged as a ranged backfill run is)."""
    tags = dict(tags or {})
    if days is not None:
        tags["dagster/asset_partition_range_start"] = days[0].isoformat()
        tags["dagster/asset_partition_range_end"] = days[1].isoformat()
    return materialize(
        [*ASSETS],
        selection=list(selection),
        partition_key=day.isoformat() if day else None,
        resources=registered(settings),
        instance=instance,
        tags=tags,
        raise_on_error=False,
    )


def evaluate_failure_sensor(
    instance: DagsterInstance, result: ExecuteInProcessResult, settings: ReachSettings
):
    """The failure sensor on a failed run, as the daemon calls it; returns (what it
    returned, its log lines)."""
    assert not result.success
    context = build_run_status_sensor_context(
        sensor_name="reach_failure_alert_sensor",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"reach": settings},
    )
    lines = Lines()
    context.log.addHandler(lines)
    context.log.setLevel(logging.DEBUG)
    returned = reach_failure_alert_sensor(context)
    return returned, lines.lines
