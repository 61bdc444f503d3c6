"""The coverage product from per-day numbers: pure functions, tested directly."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from reach_pipeline.coverage import CSV_COLUMNS, coverage, coverage_csv, coverage_png
from reach_pipeline.processing.sensor_stats import SensorDay

LAST = dt.date(2026, 3, 31)


def sd(sensor: str, records: int) -> SensorDay:
    return SensorDay(sensor, "Iridium-102", records, round(100 * records / 34560, 2), 5.0, 1e-7)


HISTORY = {
    LAST: {"REACH-101": sd("REACH-101", 34560)},
    LAST - dt.timedelta(days=2): {"REACH-101": sd("REACH-101", 17280)},
}


@pytest.mark.parametrize(
    ("days_back", "sensor", "availability"),
    [
        (0, "REACH-101", 100.0),
        (2, "REACH-101", 50.0),
        (1, "REACH-101", None),  # no L1C that day: no number (grey)
        (0, "REACH-102", 0.0),  # a pod absent on a made day: 0 (red)
        (89, "REACH-101", None),
    ],
)
def test_grid(days_back, sensor, availability):
    cov = coverage(HISTORY, LAST, 90, ("REACH-101", "REACH-102"))
    value = cov.availability[cov.sensors.index(sensor), 89 - days_back]
    assert (None if math.isnan(value) else value) == availability
    assert cov.days[0] == LAST - dt.timedelta(days=89) and cov.days[-1] == LAST


def test_csv_rows_are_the_made_days_of_every_sensor():
    cov = coverage(HISTORY, LAST, 90, ("REACH-101", "REACH-102"))
    lines = coverage_csv(cov).decode().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[1:] == [
        "2026-03-29,REACH-101,Iridium-102,17280,50.00,5.00,1e-07",
        "2026-03-29,REACH-102,Iridium-113,0,0.00,0.00,",
        "2026-03-31,REACH-101,Iridium-102,34560,100.00,5.00,1e-07",
        "2026-03-31,REACH-102,Iridium-113,0,0.00,0.00,",
    ]


def test_a_sensor_seen_that_is_not_a_pod_is_shown_too():
    history = {LAST: {"REACH-999": sd("REACH-999", 10)}}
    assert coverage(history, LAST, 90, ("REACH-101",)).sensors == ["REACH-101", "REACH-999"]


def test_png():
    png = coverage_png(coverage(HISTORY, LAST))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
