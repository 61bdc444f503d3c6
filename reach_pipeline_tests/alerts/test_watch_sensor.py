"""reach_sensor_watch evaluated as the daemon does (build_sensor_context) on days made on
a real instance: one alert when a sensor goes silent, none on the next evaluations, one
when it is back."""

from __future__ import annotations

import datetime as dt

import pytest
from dagster import SkipReason, build_sensor_context

from reach_pipeline.defs.watch_sensor import reach_sensor_watch
from reach_pipeline_tests.support.sensor_days import FOUR_SENSORS, write_sensor_day

from .sensors import run

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(9)]


@pytest.fixture
def input_dir(tmp_path):
    folder = tmp_path / "in"
    for day in DAYS:
        write_sensor_day(folder, day, FOUR_SENSORS if day < DAYS[7] else FOUR_SENSORS[1:])
    return folder


def evaluate(instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = reach_sensor_watch(context)
    assert isinstance(result, SkipReason)
    return context.cursor, result.skip_message


def test_silent_then_back(monkeypatch, webhook, instance, settings, input_dir):
    monkeypatch.setenv("REACH_ALERT_WEBHOOK_URL", webhook.url("/services/watch"))
    cursor, said = evaluate(instance, None)
    assert said == "no new reach_cdf materialization"
    assert run(instance, settings, days=(DAYS[0], DAYS[-1])).success
    cursor, said = evaluate(instance, cursor)
    assert said == "2026-01-09: 1 notice(s) posted; open: silent REACH-101 since 2026-01-08"
    [silent] = webhook.wait_for(1)
    assert silent.json()["text"].startswith(
        "REACH REACH-101 on Iridium-102 silent since 2026-01-08\n"
    )
    assert evaluate(instance, cursor) == (cursor, "no new reach_cdf materialization")
    assert run(instance, settings, day=DAYS[2]).success  # an old day again: nothing new
    cursor, said = evaluate(instance, cursor)
    assert said.startswith("2026-01-09: 0 notice(s) posted; open: silent REACH-101")

    back = DAYS[-1] + dt.timedelta(days=1)
    write_sensor_day(input_dir, back)
    assert run(instance, settings, day=back).success
    cursor, said = evaluate(instance, cursor)
    assert said == "2026-01-10: 1 notice(s) posted; open: none"
    assert (
        webhook.wait_for(2)[1]
        .json()["text"]
        .startswith("REACH REACH-101 on Iridium-102 is back on 2026-01-10\n")
    )
    assert len(webhook.requests) == 2
