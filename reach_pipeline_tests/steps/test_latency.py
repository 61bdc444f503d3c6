"""How late a day is: hours after its last observation, at each stage."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from reach_pipeline.steps.latency import hours_after, l1c_latency, upload_latency

LAST = "2026-01-01T23:59:55+00:00"
T0 = dt.datetime(2026, 1, 1, 23, 59, 55, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("after_s", "hours"),
    [(0, 0.0), (3600, 1.0), (2 * 86400 + 1800, 48.5), (-360, -0.1)],
)
def test_hours_after_the_last_observation(after_s, hours):
    assert hours_after(LAST, T0 + after_s) == hours


def test_input_arrival_is_its_modification_time(tmp_path):
    day_file = tmp_path / "REACH-ALL_20260101T000000_20260102T000000.csv"
    day_file.write_text("x")
    os.utime(day_file, (T0 + 7200, T0 + 7200))
    facts = l1c_latency(LAST, day_file, placed_at=T0 + 9000)
    assert facts == {
        "input_arrived_at": T0 + 7200,
        "l1c_placed_at": T0 + 9000,
        "latency_input_h": 2.0,
        "latency_l1c_h": 2.5,
    }
    assert upload_latency(LAST, uploaded_at=T0 + 10800)["latency_upload_h"] == 3.0
