"""What a finished run did to each of its days, read back from the instance's event log
(for the alerts): days materialized, days with no input, failed days with their errors."""

from __future__ import annotations

import datetime as dt

from dagster import DagsterEventType, DagsterInstance, DagsterRun

from reach_pipeline.alerts.facts import (
    DayFailure,
    RunDays,
    days_between,
    error_parts,
    failures_of,
)
from reach_pipeline.defs.change import report_from

from .events import DAY_FAILURES

PARTITION = "dagster/partition"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
BACKFILL = "dagster/backfill"
ASSET_PREFIX = "reach_"  # the assets of this code location

_EVENTS = {
    DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_OBSERVATION,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.RUN_FAILURE,
}


def days_of_run(run: DagsterRun) -> list[dt.date]:
    """A run's days: its partition, or every day of its range (a ranged backfill run)."""
    tags = run.tags
    try:
        if tags.get(PARTITION):
            return [dt.date.fromisoformat(tags[PARTITION])]
        if tags.get(RANGE_START) and tags.get(RANGE_END):
            first = dt.date.fromisoformat(tags[RANGE_START])
            return days_between(first, dt.date.fromisoformat(tags[RANGE_END]))
    except ValueError:  # not a day: not one of our partitions
        return []
    return []


def is_ours(run: DagsterRun, outcome: RunDays) -> bool:
    """A run of this code location's assets: by its selection (a launched run), else by
    the assets and steps its events name (an in-process run, e.g. `reach-pipeline process`,
    has no selection)."""
    keys = [*(run.asset_selection or ()), *(c.asset_key for c in run.asset_check_selection or ())]
    names = {key.to_user_string() for key in keys} | outcome.assets
    return any(name.startswith(ASSET_PREFIX) for name in names)


def read_run(instance: DagsterInstance, run: DagsterRun) -> RunDays:
    days = days_of_run(run)
    result = RunDays(days=days)
    step_failures, run_failure, planned = [], None, []
    for entry in instance.all_logs(run.run_id, of_type=_EVENTS):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            if event.asset_key is not None:
                planned.append(event.asset_key.to_user_string())
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = entry.asset_materialization
            result.assets.add(materialization.asset_key.to_user_string())
            day = _day(materialization.partition)
            if day is not None:
                result.materialized.add(day)
                remember_change(result, day, materialization)
        elif event.event_type == DagsterEventType.ASSET_OBSERVATION:
            observation = entry.asset_observation
            result.assets.add(observation.asset_key.to_user_string())
            present = observation.metadata.get("present")
            day = _day(observation.partition)
            if present is not None and present.value is False and day is not None:
                result.skipped.add(day)
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            result.assets.add(event.step_key or "")
            step_failures.append(event)
        else:
            run_failure = event
    result.assets.update(planned)
    # A failure that names no asset is the run's: name the assets it was to make.
    assets = ", ".join(sorted(set(planned))) or None
    for event in step_failures:
        result.failures.extend(step_failure_days(event, days, assets))
    if not step_failures and run_failure is not None:
        result.failures.extend(run_failure_days(run_failure, days, assets))
    return result


# Whose change report speaks for the day: its L1C's, else its L2's (a run of the L2 only).
_CHANGE_OF = ("reach_cdf", "reach_geomap")


def remember_change(result: RunDays, day: dt.date, materialization) -> None:
    """Keep the day's change report from a materialization's metadata (``defs.change``)."""
    asset = materialization.asset_key.to_user_string()
    report = report_from(materialization.metadata) if asset in _CHANGE_OF else None
    if report is None:
        return
    if asset == _CHANGE_OF[0] or day not in result.changes:
        result.changes[day] = report


def step_failure_days(event, days: list[dt.date], assets: str | None) -> list[DayFailure]:
    """The failed days of one step failure: those the assets' Failure carries (one record
    per day and asset), else every day of the run with the step's error."""
    data = event.step_failure_data
    user = data.user_failure_data
    asset = assets or event.step_key or "?"
    if user is not None:
        records = user.metadata.get(DAY_FAILURES)
        named = failures_of(records.value if records is not None else None, asset)
        if named:
            return named
        message = user.description or ""
        error_type = "Failure"
    elif data.error is not None:
        error_type, message = error_parts(data.error.cls_name, data.error.message)
    else:
        error_type, message = "StepFailure", event.message or ""
    return [DayFailure(day, asset, error_type, message) for day in days]


def run_failure_days(event, days: list[dt.date], assets: str | None) -> list[DayFailure]:
    """A run that failed before or outside its steps (a launch error, a crashed worker)."""
    error = getattr(event.event_specific_data, "error", None)
    if error is not None:
        error_type, message = error_parts(error.cls_name, error.message)
    else:
        error_type, message = "RunFailure", event.message or "the run failed"
    return [DayFailure(day, assets or "run", error_type, message) for day in days]


def _day(partition: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(partition) if partition else None
    except ValueError:
        return None
