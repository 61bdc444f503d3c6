"""Alert sensors: one message per failed day, one summary per backfill, one message for a
day missing at its deadline. Destinations come from ``REACH_*`` variables read when a
sensor evaluates (``settings.resolve_alert_settings``); with none configured every sensor
skips, saying so. Messages are built and posted by ``reach_pipeline.alerts``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from reach_pipeline.alerts.compose import (
    backfill_summary_alert,
    day_failure_alert,
    missing_day_alert,
    more_failures_alert,
)
from reach_pipeline.alerts.destinations import SlackDestination, WebhookDestination
from reach_pipeline.alerts.dispatch import Dispatcher
from reach_pipeline.alerts.facts import due_day, late_stage, tally_backfill
from reach_pipeline.alerts.redact import environment_secrets
from reach_pipeline.contract.layout import find_input
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.defs.cadence import every_five_minutes
from reach_pipeline.settings import AlertSettings, Settings, SettingsError, resolve_alert_settings
from reach_pipeline.stages import REACH_CDF

from .partitions import daily_partitions
from .resources import ReachSettings
from .run_outcomes import ASSET_PREFIX, BACKFILL, is_ours, read_run

NO_DESTINATION = (
    "no alert destination configured: set REACH_ALERT_WEBHOOK_URL, or REACH_SLACK_TOKEN "
    "and REACH_SLACK_CHANNEL (read at each evaluation)"
)
MAX_DAYS_PER_RUN = 20  # a run's failed days past this go in one more message
ENDED = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}


def dispatcher(alerts: AlertSettings, log) -> Dispatcher:
    """The configured destinations, behind one sender that never raises."""
    destinations = []
    if alerts.alert_webhook_url:
        destinations.append(WebhookDestination(alerts.alert_webhook_url))
    if alerts.slack_token and alerts.slack_channel:
        from dagster_slack import SlackResource

        client = SlackResource(token=alerts.slack_token).get_client()
        destinations.append(SlackDestination(client, alerts.slack_channel, alerts.slack_api_url))
    secrets = (*alerts.secrets, *environment_secrets(os.environ))
    return Dispatcher(destinations, secrets, log)


def input_file_text(reach: ReachSettings, day: dt.date) -> str:
    """The day's input file, or where none was found."""
    try:
        settings = reach.resolve()
        path = find_input(settings.input_dir, day, settings.sensor_id, settings.output_format)
    except (SettingsError, OSError, ValueError) as exc:
        return f"unknown ({exc})"
    return str(path) if path else f"none in {settings.input_dir}"


# ----------------------------------------------------------------------------- failed days


@run_failure_sensor(
    name="reach_failure_alert_sensor",
    monitor_all_code_locations=True,  # runs of `reach-pipeline process` too (no code location)
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Posts one alert per failed day of a failed run (the day, the asset, the "
    "error, the input file, a link to the run). Runs of a backfill are summarized by "
    "reach_backfill_alert_sensor instead.",
)
def reach_failure_alert_sensor(context: RunFailureSensorContext, reach: ReachSettings):
    alerts = resolve_alert_settings()
    if not alerts.destinations:
        return SkipReason(NO_DESTINATION)
    run = context.dagster_run
    if run.tags.get(BACKFILL):
        context.log.info(
            f"run {run.run_id} failed inside backfill {run.tags[BACKFILL]}: "
            "its days go in the backfill's summary"
        )
        return None
    outcome = read_run(context.instance, run)
    if not is_ours(run, outcome):
        return None
    failures = outcome.failures
    sender = dispatcher(alerts, context.log)
    for failure in failures[:MAX_DAYS_PER_RUN]:
        text = input_file_text(reach, failure.day)
        sender.send(day_failure_alert(failure, run.run_id, text, alerts.ui_base_url))
    if len(failures) > MAX_DAYS_PER_RUN:
        extra = len(failures) - MAX_DAYS_PER_RUN
        sender.send(more_failures_alert(extra, run.run_id, alerts.ui_base_url))
    context.log.info(f"run {run.run_id}: {len(failures)} failed day(s), alerts posted")
    return None


# ------------------------------------------------------------------------------- backfills


def backfill_is_ours(backfill) -> bool:
    keys = backfill.asset_selection or ()
    if any(key.to_user_string().startswith(ASSET_PREFIX) for key in keys):
        return True
    return (backfill.job_name or "").startswith(ASSET_PREFIX)


def requested_days(backfill, repository_def) -> set[dt.date]:
    """The days a backfill targets (empty when they cannot be read: its runs' days count)."""
    keys: set[str] = set(backfill.partition_names or ())
    if backfill.is_asset_backfill and repository_def is not None:
        try:
            data = backfill.get_asset_backfill_data(repository_def.asset_graph)
            subsets = data.target_subset.partitions_subsets_by_asset_key
        except Exception:  # noqa: BLE001 - a backfill of an older code version: runs count
            subsets = {}
        for key, subset in subsets.items():
            if key.to_user_string().startswith(ASSET_PREFIX):
                keys.update(subset.get_partition_keys())
    days = set()
    for key in keys:
        try:
            days.add(dt.date.fromisoformat(key))
        except ValueError:
            continue
    return days


def backfill_tally(instance, backfill_id: str, status: str, requested: set[dt.date]):
    """What became of each day of a backfill, from its runs (oldest first)."""
    records = instance.get_run_records(RunsFilter(tags={BACKFILL: backfill_id}))
    runs = [r.dagster_run for r in sorted(records, key=lambda r: r.create_timestamp)]
    return tally_backfill(backfill_id, status, requested, [read_run(instance, r) for r in runs])


def next_backfill_cursor(cursor: dict, backfills: list, sent: set[str]) -> dict:
    """Watch backfills created at or after ``after``; remember the ones summarized. The
    window moves up to the oldest backfill still running (or the newest seen)."""
    running = [b.backfill_timestamp for b in backfills if b.status.value not in ENDED]
    newest = max((b.backfill_timestamp for b in backfills), default=cursor["after"])
    after = min(running) if running else newest
    kept = {b.backfill_id for b in backfills if b.backfill_timestamp >= after} & sent
    return {"after": after, "sent": sorted(kept)}


@sensor(
    name="reach_backfill_alert_sensor",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Posts one summary when a backfill of these assets ends: days "
    "materialized, failed (listed, at most 20), skipped for want of input.",
)
def reach_backfill_alert_sensor(context: SensorEvaluationContext):
    alerts = resolve_alert_settings()
    if not alerts.destinations:
        return SkipReason(NO_DESTINATION)
    if not context.cursor:  # the first evaluation: backfills from now on
        context.update_cursor(json.dumps({"after": time.time(), "sent": []}))
        return SkipReason("watching backfills created from now on")
    cursor = json.loads(context.cursor)
    backfills = [
        b
        for b in context.instance.get_backfills(limit=200)
        if b.backfill_timestamp >= cursor["after"] and backfill_is_ours(b)
    ]
    sent = set(cursor["sent"])
    ended = [b for b in backfills if b.status.value in ENDED and b.backfill_id not in sent]
    sender = dispatcher(alerts, context.log) if ended else None
    for backfill in sorted(ended, key=lambda b: b.backfill_timestamp):
        requested = requested_days(backfill, context.repository_def)
        tally = backfill_tally(
            context.instance, backfill.backfill_id, backfill.status.value, requested
        )
        sender.send(backfill_summary_alert(tally, alerts.ui_base_url))
        sent.add(backfill.backfill_id)
    context.update_cursor(json.dumps(next_backfill_cursor(cursor, backfills, sent)))
    if not ended:
        return SkipReason("no backfill ended since the last evaluation")
    names = ", ".join(b.backfill_id for b in ended)
    return SkipReason(f"summary posted for backfill(s) {names}")


# ------------------------------------------------------------------------------ missing day


def telemetry_text(row, telemetry_path: Path) -> str:
    """The day's latest telemetry row in a few words (``row`` None: no row)."""
    if row is None:
        return f"no row for the day in {telemetry_path}"
    error = f" ({row.error_type}: {row.error_message})" if row.error_type else ""
    return f"{row.status}{error}"


def day_input(settings: Settings, day: dt.date) -> tuple[Path | None, dt.datetime | None]:
    """The day's input file and its arrival (modification time); None, None when there is
    none (or it cannot be told: the day's own run reports that)."""
    try:
        path = find_input(settings.input_dir, day, settings.sensor_id, settings.output_format)
        mtime = path.stat().st_mtime if path else None
    except (OSError, ValueError):
        return None, None
    return path, (dt.datetime.fromtimestamp(mtime, dt.UTC) if mtime else None)


def has_l1c(instance, day: dt.date) -> bool:
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(REACH_CDF), asset_partitions=[day.isoformat()]),
        limit=1,
    ).records
    return bool(records)


@every_five_minutes(
    "reach_missing_day_sensor",
    "Once a day after REACH_FRESHNESS_DEADLINE_UTC (default 08:00): if the day "
    "REACH_SCHEDULE_LAG_DAYS ago has no reach_cdf materialization, posts one alert.",
)
def reach_missing_day_sensor(context: SensorEvaluationContext, reach: ReachSettings):
    settings = reach.resolve()  # a malformed REACH_* variable shows here, destination or not
    alerts = resolve_alert_settings()
    if not alerts.destinations:
        return SkipReason(NO_DESTINATION)
    deadline = alerts.freshness_deadline_utc
    day = due_day(dt.datetime.now(dt.UTC), settings.schedule_lag_days, deadline)
    if day is None:
        return SkipReason(f"before today's deadline, {deadline:%H:%M} UTC")
    key = day.isoformat()
    if context.cursor == key:
        return SkipReason(f"{key} already checked today")
    context.update_cursor(key)  # once a day, delivered or not
    if not daily_partitions.has_partition_key(key):
        return SkipReason(f"{key} is not a partition")
    if has_l1c(context.instance, day):
        return SkipReason(f"{key} has its L1C")
    sender = dispatcher(alerts, context.log)
    row = TelemetryLog(settings.telemetry_path).latest_by_day().get(day)
    path, arrived = day_input(settings, day)
    late = late_stage(path is not None, row.status if row else None)
    alert = missing_day_alert(
        day,
        deadline,
        input_file_text(reach, day),
        telemetry_text(row, settings.telemetry_path),
        alerts.ui_base_url,
        late,
        arrived,
    )
    took = sender.send(alert)
    return SkipReason(f"{key} has no L1C: alert posted to {took} destination(s)")


ALERT_SENSORS = (reach_failure_alert_sensor, reach_backfill_alert_sensor, reach_missing_day_sensor)
