"""reach_daily_schedule: the day lag_days before the tick's UTC date."""

from __future__ import annotations

import datetime as dt

import pytest
from dagster import build_schedule_context

from reach_pipeline.defs.jobs import LIVE_PRIORITY, PROCESS_AND_UPLOAD, PROCESS_ONLY
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline.defs.schedules import reach_daily_schedule, scheduled_day

UTC = dt.UTC
MINUS_5 = dt.timezone(dt.timedelta(hours=-5))
PLUS_9 = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.parametrize(
    ("tick", "lag", "day"),
    [
        (dt.datetime(2025, 9, 5, 6, 0, tzinfo=UTC), 2, dt.date(2025, 9, 3)),
        (dt.datetime(2025, 9, 5, 0, 0, tzinfo=UTC), 0, dt.date(2025, 9, 5)),
        (dt.datetime(2025, 9, 5, 23, 59, 59, tzinfo=UTC), 1, dt.date(2025, 9, 4)),
        (dt.datetime(2025, 3, 1, 6, 0, tzinfo=UTC), 2, dt.date(2025, 2, 27)),
        (dt.datetime(2024, 3, 1, 6, 0, tzinfo=UTC), 2, dt.date(2024, 2, 28)),
        (dt.datetime(2026, 1, 1, 6, 0, tzinfo=UTC), 2, dt.date(2025, 12, 30)),
        # Local clocks: the UTC date counts, not the local one.
        (dt.datetime(2025, 9, 4, 21, 0, tzinfo=MINUS_5), 2, dt.date(2025, 9, 3)),
        (dt.datetime(2025, 9, 5, 7, 0, tzinfo=PLUS_9), 2, dt.date(2025, 9, 2)),
    ],
)
def test_scheduled_day(tick, lag, day):
    assert scheduled_day(tick, lag) == day


def evaluate(settings, when, reach_s3=None):
    context = build_schedule_context(
        scheduled_execution_time=when,
        resources={"reach": settings, "reach_s3": reach_s3 or ReachS3()},
    )
    return reach_daily_schedule(context)


def test_tick_requests_the_day_before_yesterday(settings):
    now = dt.datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)

    request = evaluate(settings, now)

    expected = (now.date() - dt.timedelta(days=2)).isoformat()
    assert request.partition_key == expected
    assert request.run_key == expected
    assert list(request.asset_selection) == PROCESS_ONLY
    assert request.tags["dagster/priority"] == str(LIVE_PRIORITY)  # before any campaign


def test_lag_is_a_setting(input_dir, output_dir):
    settings = ReachSettings(
        input_dir=str(input_dir), output_dir=str(output_dir), schedule_lag_days=5
    )

    request = evaluate(settings, dt.datetime(2025, 9, 10, 6, 0, tzinfo=UTC))

    assert request.partition_key == "2025-09-05"


def test_lag_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv("REACH_SCHEDULE_LAG_DAYS", "3")

    request = evaluate(settings, dt.datetime(2025, 9, 10, 6, 0, tzinfo=UTC))

    assert request.partition_key == "2025-09-07"


def test_upload_joins_when_a_bucket_is_set(settings):
    request = evaluate(
        settings, dt.datetime(2025, 9, 10, 6, 0, tzinfo=UTC), ReachS3(bucket="some-bucket")
    )

    assert list(request.asset_selection) == PROCESS_AND_UPLOAD


def test_schedule_runs_daily_in_utc():
    assert reach_daily_schedule.cron_schedule == "0 6 * * *"
    assert reach_daily_schedule.execution_timezone == "UTC"
    assert reach_daily_schedule.job_name == "reach_daily_job"
