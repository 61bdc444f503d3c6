"""The input sensor: a run for each day file that appears or changes while it watches.

Flood-proof next to an archive of years of files:

- Its first tick (no cursor: a new instance, or the sensor reset) records a baseline: a
  ``reach_csv`` observation with its data version for every day file, and no run.
  Adopting an archive is a backfill an operator launches (README, "The input sensor").
- Afterwards, a day file whose data version (size and mtime) differs from the cursor's is
  decided by the resume rules with the day's latest telemetry row
  (``planning.decide_watched_input``): a done day with an unchanged input gets no run, a
  new or re-downloaded day gets one, a day processed but not uploaded gets an upload-only
  run, a day that FAILED on this very input waits for an operator.
- At most ``REACH_INPUT_SENSOR_MAX_RUNS`` run requests a tick, fewer while runs it
  requested earlier still wait in the queue. The newest days go first, so a fresh download
  is never stuck behind a batch of re-downloaded old days; the others are left out of the
  cursor (not observed yet) and decided again at the next ticks.

Why a sensor with a cursor and not an ``AutomationCondition`` on ``reach_cdf``: on Dagster
1.13 ``eager()`` looks at the latest partition only (``.without(in_latest_time_window())``
does not widen it), it needs ``reach_csv`` as an observable source asset to see new data
versions, and no condition can read the telemetry file, so the resume rules would live
twice and a day done by the command line would run again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from dagster import (
    AssetObservation,
    DagsterInvariantViolationError,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from reach_pipeline.contract import planning
from reach_pipeline.contract.layout import scan_inputs
from reach_pipeline.contract.state import cdf_on_disk
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.settings import Settings, input_sensor_interval_s
from reach_pipeline.stages import REACH_CSV

from .jobs import LIVE_TAGS, daily_selection, reach_daily_job
from .partitions import daily_partitions
from .resources import ReachS3, ReachSettings

SENSOR_NAME = "reach_input_sensor"
BASELINE = "baseline"
_WAITING = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING]


def _version(stat: os.stat_result) -> str:
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def file_version(path) -> str:
    """A cheap data version of an input file: size and modification time."""
    return _version(Path(path).stat())


@dataclass(frozen=True)
class DayFile:
    key: str  # the partition key, YYYY-MM-DD
    path: Path
    version: str
    size: int
    modified: datetime


def day_files(settings: Settings) -> list[DayFile]:
    """The input folder's day files that are partitions, oldest day first."""
    valid = set(daily_partitions.get_partition_keys())
    files = []
    for day, path in scan_inputs(
        settings.input_dir, settings.sensor_id, settings.output_format
    ).items():
        key = day.isoformat()
        if key not in valid:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed since the scan: seen at a later tick, if back
            continue
        modified = datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC)
        files.append(DayFile(key, path, _version(stat), stat.st_size, modified))
    return files


def observation(file: DayFile, action: str) -> AssetObservation:
    return AssetObservation(
        asset_key=REACH_CSV,
        partition=file.key,
        tags={"dagster/data_version": file.version},
        metadata={"path": str(file.path), "size_bytes": file.size, "sensor_action": action},
    )


def waiting_runs(context: SensorEvaluationContext) -> int:
    """Runs this sensor requested that have not started yet (0 for a context built
    without an instance, as in a unit test)."""
    try:
        instance = context.instance
    except DagsterInvariantViolationError:
        return 0
    return instance.get_runs_count(
        RunsFilter(statuses=_WAITING, tags={"dagster/sensor_name": SENSOR_NAME})
    )


def baseline(files: list[DayFile]) -> SensorResult:
    return SensorResult(
        asset_events=[observation(f, BASELINE) for f in files],
        cursor=json.dumps({f.key: f.version for f in files}),
        skip_reason=f"first tick: baseline of {len(files)} day file(s) recorded, no run "
        "(adopting files that were already there is a backfill)",
    )


def decide(settings: Settings, reach_s3: ReachS3, changed: list[DayFile]) -> dict[str, str]:
    """The resume planner's action for each new or changed day file."""
    latest = TelemetryLog(settings.telemetry_path).latest_by_day()
    upload = reach_s3.configured()

    def cdf_exists(path: str) -> bool:
        found = cdf_on_disk(
            path, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
        )
        return found is not None

    return {
        f.key: planning.decide_watched_input(
            latest.get(date.fromisoformat(f.key)),
            input_modified=f.modified,
            upload_to_s3=upload,
            cdf_exists=cdf_exists,
        )
        for f in changed
    }


def run_request(file: DayFile, action: str, reach_s3: ReachS3) -> RunRequest:
    # An upload-only day's L1C is there: not made again.
    selection = daily_selection(reach_s3, upload_only=action == planning.RUN_UPLOAD_ONLY)
    return RunRequest(
        run_key=f"{file.key}:{file.version}",
        partition_key=file.key,
        asset_selection=selection,
        tags={**LIVE_TAGS, "reach/sensor_action": action},
    )


@sensor(
    name=SENSOR_NAME,
    job=reach_daily_job,
    minimum_interval_seconds=input_sensor_interval_s(),
    default_status=DefaultSensorStatus.RUNNING,
    description="Runs days whose input file appears or changes while it watches (its first "
    "tick records a baseline, no runs); skips days the telemetry says are done with an "
    "unchanged input; at most REACH_INPUT_SENSOR_MAX_RUNS runs a tick, newest day first.",
)
def reach_input_sensor(context: SensorEvaluationContext, reach: ReachSettings, reach_s3: ReachS3):
    settings = reach.resolve()
    files = day_files(settings)
    if context.cursor is None:
        return baseline(files)
    seen: dict[str, str] = json.loads(context.cursor)
    changed = sorted(
        (f for f in files if seen.get(f.key) != f.version), key=lambda f: f.key, reverse=True
    )
    if not changed:
        return SkipReason(f"no new or changed day files in {settings.input_dir}")
    actions = decide(settings, reach_s3, changed)
    budget = max(settings.input_sensor_max_runs - waiting_runs(context), 0)
    events, requests, deferred = [], [], 0
    for file in changed:
        action = actions[file.key]
        if action in planning.WORK_ACTIONS:
            if len(requests) >= budget:
                deferred += 1
                continue
            requests.append(run_request(file, action, reach_s3))
        events.append(observation(file, action))
        seen[file.key] = file.version
    skip = None
    if not requests:
        skip = f"{len(events)} new or changed day file(s), none needs a run"
        if deferred:
            skip += f"; {deferred} wait for the queue (REACH_INPUT_SENSOR_MAX_RUNS)"
    elif deferred:
        context.log.info(f"{deferred} day file(s) wait for a later tick")
    return SensorResult(
        run_requests=requests, asset_events=events, cursor=json.dumps(seen), skip_reason=skip
    )
