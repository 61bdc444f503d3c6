"""The missing-day alert on a real instance: the day REACH_SCHEDULE_LAG_DAYS ago with no
L1C past the deadline gets one message, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dagster import AssetMaterialization, SkipReason, build_sensor_context

from reach_pipeline.defs.alerts import NO_DESTINATION, reach_missing_day_sensor
from reach_pipeline_tests.faults.support import write_sample_day
from reach_pipeline_tests.support.alert_logs import SENTINEL

LAG = 3


@pytest.fixture
def past_deadline(webhook, monkeypatch):
    """A destination, and a deadline already past whatever the time of day (00:00 UTC)."""
    monkeypatch.setenv("REACH_ALERT_WEBHOOK_URL", webhook.url(f"/services/{SENTINEL}"))
    monkeypatch.setenv("REACH_FRESHNESS_DEADLINE_UTC", "00:00")
    monkeypatch.setenv("REACH_SCHEDULE_LAG_DAYS", str(LAG))
    return webhook


def due_days() -> set[dt.date]:
    """The day the sensor checks; two around midnight UTC (the test does not pick the time)."""
    today = dt.datetime.now(dt.UTC).date()
    return {today - dt.timedelta(days=LAG), today - dt.timedelta(days=LAG - 1)}


def evaluate(instance, settings, cursor=None):
    context = build_sensor_context(instance=instance, cursor=cursor, resources={"reach": settings})
    return reach_missing_day_sensor(context), context.cursor


def test_a_missing_day_is_posted_once(instance, settings, past_deadline):
    candidates = due_days()
    result, cursor = evaluate(instance, settings)
    assert isinstance(result, SkipReason)
    assert "has no L1C: alert posted to 1 destination(s)" in result.skip_message
    day = dt.date.fromisoformat(cursor)
    assert day in candidates
    [body] = past_deadline.bodies()
    assert body["text"].splitlines()[:6] == [
        f"REACH: no L1C for {day} by 00:00 UTC: no input file yet",
        f"Day: {day}",
        "Deadline: 00:00 UTC",
        "Late stage: download (no input file yet)",
        f"Input file: none in {settings.input_dir}",
        f"Telemetry: no row for the day in {settings.input_dir}/download_telemetry.csv",
    ]
    assert f"/assets/reach_cdf?view=partitions&partition={day}" in body["text"]

    again, _ = evaluate(instance, settings, cursor=cursor)
    assert again.skip_message == f"{day} already checked today"
    assert len(past_deadline.requests) == 1


def test_a_day_with_its_l1c_is_not_posted(instance, settings, past_deadline):
    for day in due_days():
        instance.report_runless_asset_event(
            AssetMaterialization("reach_cdf", partition=day.isoformat())
        )
    result, _ = evaluate(instance, settings)
    assert result.skip_message.endswith("has its L1C")
    assert past_deadline.requests == []


def test_the_message_names_an_input_that_is_there(instance, settings, past_deadline):
    files = {day: write_sample_day(Path(settings.input_dir), day) for day in due_days()}
    _, cursor = evaluate(instance, settings)
    [body] = past_deadline.bodies()
    day = dt.date.fromisoformat(cursor)
    assert f"Input file: {files[day]}" in body["text"]
    arrived = dt.datetime.fromtimestamp(files[day].stat().st_mtime, dt.UTC)
    assert body["text"].splitlines()[0].endswith(": input there, not processed")
    assert (
        "Late stage: processing (input there, not processed; "
        f"the input arrived {arrived:%Y-%m-%d %H:%M} UTC)"
    ) in body["text"]


def test_no_destination_skips_saying_so(instance, settings, webhook, monkeypatch):
    monkeypatch.setenv("REACH_FRESHNESS_DEADLINE_UTC", "00:00")
    result, cursor = evaluate(instance, settings)
    assert result.skip_message == NO_DESTINATION
    assert cursor is None and webhook.requests == []
