"""A backfill's summary from its real runs on a real instance (the runs tagged as the
backfill daemon tags them): per-day runs and a ranged run give the same summary. The
backfill itself, launched through the UI's API and ended by the daemon, is
test_daemon_alerts.py."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass

import pytest
from dagster import build_sensor_context

from reach_pipeline.alerts.compose import backfill_summary_alert
from reach_pipeline.change.report import Verdict
from reach_pipeline.defs.alerts import (
    NO_DESTINATION,
    backfill_tally,
    next_backfill_cursor,
    reach_backfill_alert_sensor,
)
from reach_pipeline_tests.support.products import udl_with_value

from .sensors import BAD_1, BAD_2, GOOD, fill_input, run

NO_INPUT = dt.date(2026, 1, 6)
DAYS = sorted([BAD_1, BAD_2, *GOOD, NO_INPUT])  # 2026-01-01 .. 2026-01-06


@pytest.fixture
def input_dir(input_dir):
    fill_input(input_dir)
    return input_dir


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


# ------------------------------------------------------------------- the sensor's cursor


@dataclass(frozen=True)
class Status:
    value: str


@dataclass(frozen=True)
class Backfill:  # the three attributes the cursor reads of Dagster's PartitionBackfill
    backfill_id: str
    backfill_timestamp: float
    status: Status


def backfills(*items: tuple[str, float, str]) -> list[Backfill]:
    return [Backfill(i, t, Status(s)) for i, t, s in items]


@pytest.mark.parametrize(
    ("seen", "sent", "expected"),
    [
        # nothing seen: the window stays
        ([], set(), {"after": 100.0, "sent": []}),
        # one still running: the window starts at it, the ended newer one is remembered
        (
            [("a", 110.0, "REQUESTED"), ("b", 120.0, "COMPLETED_FAILED")],
            {"b"},
            {"after": 110.0, "sent": ["b"]},
        ),
        # all ended: the window moves to the newest, only it is remembered
        (
            [("a", 110.0, "COMPLETED_SUCCESS"), ("b", 120.0, "CANCELED")],
            {"a", "b"},
            {"after": 120.0, "sent": ["b"]},
        ),
    ],
)
def test_next_backfill_cursor(seen, sent, expected):
    assert next_backfill_cursor({"after": 100.0, "sent": []}, backfills(*seen), sent) == expected


def test_the_backfill_sensor_without_destination_skips_saying_so(instance):
    context = build_sensor_context(instance=instance)
    result = reach_backfill_alert_sensor(context)
    assert result.skip_message == NO_DESTINATION
    assert context.cursor is None


def test_the_backfill_sensor_watches_backfills_from_its_first_evaluation(
    instance, webhook, monkeypatch
):
    monkeypatch.setenv("REACH_ALERT_WEBHOOK_URL", webhook.url("/services/x/y/z"))
    before = time.time()
    context = build_sensor_context(instance=instance)
    first = reach_backfill_alert_sensor(context)
    assert first.skip_message == "watching backfills created from now on"
    assert json.loads(context.cursor)["after"] >= before
    again = reach_backfill_alert_sensor(context)
    assert again.skip_message == "no backfill ended since the last evaluation"
    assert webhook.requests == []


@pytest.mark.integration
def test_a_backfill_of_days_made_again_counts_what_changed(instance, settings, input_dir):
    """The verdicts come from the materializations' metadata of the backfill's runs."""
    changed, same = GOOD[:2]
    run(instance, settings, days=(changed, same), tags={"dagster/backfill": "bf-1"})
    [day_file] = input_dir.glob(f"REACH-ALL_{changed:%Y%m%d}T000000_*.csv")
    udl_with_value(day_file, day_file, row=2, factor=5.0)

    run(instance, settings, days=(changed, same), tags={"dagster/backfill": "bf-2"})

    tally = backfill_tally(instance, "bf-2", "COMPLETED_SUCCESS", {changed, same})
    assert {d: r.verdict for d, r in tally.changes.items()} == {
        changed: Verdict.DATA_CHANGED,
        same: Verdict.NO_CHANGE,
    }
    alert = backfill_summary_alert(tally, "http://127.0.0.1:3000")
    fields = dict(alert.fields)
    assert (fields["Changed (data)"], fields["Unchanged"], fields["Failed"]) == ("1", "1", "0")
    assert f"Most changed days:\n{changed}  DATA_CHANGED: dose_rate 1/" in alert.detail
