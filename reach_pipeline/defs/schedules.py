"""Once a day, the day ``schedule_lag_days`` (default 2, the upstream latency) ago."""

import datetime as dt

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    schedule,
)

from .jobs import LIVE_TAGS, daily_selection, reach_daily_job
from .resources import ReachS3, ReachSettings


def scheduled_day(tick_time: dt.datetime, lag_days: int) -> dt.date:
    """The UTC day a tick processes: ``lag_days`` before the tick's UTC date."""
    return tick_time.astimezone(dt.UTC).date() - dt.timedelta(days=lag_days)


@schedule(
    name="reach_daily_schedule",
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    job=reach_daily_job,
    default_status=DefaultScheduleStatus.RUNNING,
    description="At 06:00 UTC, process the day REACH_SCHEDULE_LAG_DAYS (default 2) ago.",
)
def reach_daily_schedule(
    context: ScheduleEvaluationContext, reach: ReachSettings, reach_s3: ReachS3
):
    day = scheduled_day(context.scheduled_execution_time, reach.resolve().schedule_lag_days)
    return RunRequest(
        run_key=day.isoformat(),
        partition_key=day.isoformat(),
        asset_selection=daily_selection(reach_s3),
        tags=LIVE_TAGS,
    )
