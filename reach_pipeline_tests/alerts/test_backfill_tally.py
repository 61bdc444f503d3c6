"""A backfill's summary from its real runs on a real instance (the runs tagged as the
backfill daemon tags them): per-day runs and a ranged run give the same summary. The
backfill itself, launched through the UI's API and ended by the daemon, is
test_daemon_alerts.py."""

from __future__ import annotations

import datetime as dt

import pytest
from dagster import DagsterInstance

from reach_pipeline.alerts.compose import backfill_summary_alert
from reach_pipeline.defs.alerts import backfill_tally
from reach_pipeline.defs.resources import ReachSettings

from .sensors import BAD_1, BAD_2, GOOD, fill_input, run

NO_INPUT = dt.date(2026, 1, 6)
DAYS = sorted([BAD_1, BAD_2, *GOOD, NO_INPUT])  # 2026-01-01 .. 2026-01-06


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def settings(tmp_path):
    fill_input(tmp_path / "in")
    return ReachSettings(input_dir=str(tmp_path / "in"), output_dir=str(tmp_path / "out"))


def check_summary(tally):
    assert tally.requested == DAYS
    assert tally.materialized == list(GOOD)
    assert [f.day for f in tally.failed] == [BAD_1, BAD_2]
    assert {f.error_type for f in tally.failed} == {"ReachInputError"}
    assert tally.skipped == [NO_INPUT]
    assert tally.not_run == []
    alert = backfill_summary_alert(tally, "http://127.0.0.1:3000")
    assert alert.title == "REACH backfill bf-1 ended: 2 of 6 days failed"
    assert dict(alert.fields)["Skipped (no input)"] == "1"
    assert alert.detail.splitlines() == [
        "Failed days:",
        "2026-01-01  reach_cdf  ReachInputError",
        "2026-01-04  reach_cdf  ReachInputError",
    ]


@pytest.mark.integration
def test_one_run_per_day(instance, settings):
    for day in DAYS:
        run(instance, settings, day=day, tags={"dagster/backfill": "bf-1"})
    check_summary(backfill_tally(instance, "bf-1", "COMPLETED_FAILED", set()))


@pytest.mark.integration
def test_one_ranged_run(instance, settings):
    run(instance, settings, days=(DAYS[0], DAYS[-1]), tags={"dagster/backfill": "bf-1"})
    check_summary(backfill_tally(instance, "bf-1", "COMPLETED_FAILED", set()))


@pytest.mark.integration
def test_days_never_run_count_as_not_run(instance, settings):
    run(instance, settings, day=GOOD[0], tags={"dagster/backfill": "bf-1"})
    tally = backfill_tally(instance, "bf-1", "CANCELED", set(DAYS))
    assert tally.materialized == [GOOD[0]]
    assert tally.not_run == [d for d in DAYS if d != GOOD[0]]
