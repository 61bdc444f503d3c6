"""The sensor watch's rules (silent sensor, dose jump, one message per episode): pure
functions, tested directly."""

from __future__ import annotations

import datetime as dt

import pytest

from reach_pipeline.alerts.compose import sensor_alerts
from reach_pipeline.alerts.watch import (
    Episode,
    Kind,
    Thresholds,
    baseline,
    episodes_from_json,
    episodes_json,
    is_jump,
    is_silent,
    watch,
)
from reach_pipeline.processing.sensor_stats import SensorDay

D0 = dt.date(2026, 1, 1)
TH = Thresholds()
SENSORS = ("REACH-101", "REACH-115", "REACH-133", "REACH-135")


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def sd(sensor: str, records: int = 100, dose: float | None = 1e-7) -> SensorDay:
    return SensorDay(sensor, "", records, 0.0, 0.0, dose)


def history(n_days: int, changes: dict | None = None, first: int = 0) -> dict:
    """``n_days`` days of the four sensors, 100 records and dose 1e-7 each, but for
    ``changes``: {day index: {sensor: (records, dose) or None (absent)}}."""
    changes = changes or {}
    out = {}
    for k in range(first, first + n_days):
        sensors = {}
        for s in SENSORS:
            change = changes.get(k, {}).get(s, (100, 1e-7))
            if change is not None:
                sensors[s] = sd(s, *change)
        out[day(k)] = sensors
    return out


def run_days(full: dict, open_episodes=None):
    """Judge the history as it grows a day at a time; every notice, in order."""
    open_episodes = dict(open_episodes or {})
    notices = []
    for last in sorted(full):
        seen = {d: v for d, v in full.items() if d <= last}
        new, open_episodes = watch(seen, open_episodes, TH)
        notices += new
    return notices, open_episodes


@pytest.mark.parametrize(
    ("records", "usual", "silent"),
    [(0, 100, True), (9, 100, True), (10, 100, False), (100, 100, False), (0, 0, False)],
)
def test_silent_below_ten_percent_of_usual(records, usual, silent):
    assert is_silent(records, usual, TH) is silent


@pytest.mark.parametrize(
    ("dose", "base", "jump"),
    [
        (1e-6, 1e-7, True),
        (9.9e-7, 1e-7, False),
        (1e-8, 1e-7, True),
        (1.1e-8, 1e-7, False),
        (None, 1e-7, False),
        (0.0, 1e-7, False),
        (1e-6, 0.0, False),
    ],
)
def test_dose_jump_tenfold_either_way(dose, base, jump):
    assert is_jump(dose, base, TH) is jump


@pytest.mark.parametrize(
    ("n_days", "absent_days", "judged"),
    [
        (7, (), True),  # seven days with data: judged
        (6, (), False),  # six: too few
        (12, (0, 1, 2, 3, 4, 5), False),  # 6 of 12 with data: not most
        (12, (0, 1, 2, 3, 4), True),  # 7 of 12
        (40, tuple(range(0, 20)), True),  # days before the 30-day window do not count
    ],
)
def test_judged_with_data_on_most_of_the_window_and_seven_days(n_days, absent_days, judged):
    h = history(n_days + 1, {k: {"REACH-101": None} for k in absent_days})
    assert (baseline(h, "REACH-101", day(n_days), TH) is not None) is judged


def test_three_silent_days_give_one_alert_naming_the_first_then_one_when_back():
    h = history(12, {k: {"REACH-135": None} for k in (9, 10, 11)})
    notices, open_episodes = run_days(h)
    [began] = notices
    assert began.began and began.episode.sensor == "REACH-135"
    assert began.episode.kind is Kind.SILENT and began.episode.first_day == day(9)
    assert set(open_episodes) == {(Kind.SILENT, "REACH-135")}

    h[day(12)] = history(1, first=12)[day(12)]
    back, open_episodes = watch(h, open_episodes, TH)
    assert [(n.began, n.day, n.episode.first_day) for n in back] == [(False, day(12), day(9))]
    assert open_episodes == {}


def test_first_silent_day_found_when_first_judged_late():
    """A sensor silent for three days, judged only now (a new instance): its episode
    starts on its first silent day, not today."""
    h = history(12, {k: {"REACH-135": (3, 1e-7)} for k in (9, 10, 11)})
    [began], _ = watch(h, {}, TH)
    assert began.episode.first_day == day(9) and began.value == 3


def test_a_long_silence_stays_one_episode():
    """Silent for 25 days: after 15 the sensor no longer had data on most of its window,
    but the episode stays open (no "back", no second alert) until it has data again."""
    h = history(40, {k: {"REACH-135": None} for k in range(10, 35)})
    notices, _ = run_days(h)
    assert [(n.began, n.episode.first_day, n.day) for n in notices] == [
        (True, day(10), day(10)),
        (False, day(10), day(35)),
    ]


def test_a_dose_jump_is_one_episode():
    h = history(20, {k: {"REACH-115": (100, 2e-6)} for k in (12, 13, 14)})
    notices, _ = run_days(h)
    assert [(n.episode.kind, n.began, n.episode.first_day, n.day) for n in notices] == [
        (Kind.DOSE_JUMP, True, day(12), day(12)),
        (Kind.DOSE_JUMP, False, day(12), day(15)),
    ]


def test_a_backfill_of_old_days_tells_nothing():
    """Only the newest day is judged: old days made later change no episode."""
    h = history(20, {3: {"REACH-101": None}})
    notices, _ = watch(h, {}, TH)
    assert notices == []


def test_cursor_round_trip():
    episodes = {
        (Kind.SILENT, "REACH-135"): Episode(Kind.SILENT, "REACH-135", day(9), 100.0, 0.0),
        (Kind.DOSE_JUMP, "REACH-101"): Episode(Kind.DOSE_JUMP, "REACH-101", day(3), 1e-7, 2e-6),
    }
    assert episodes_from_json(episodes_json(episodes)) == episodes
    assert episodes_from_json(None) == {} and episodes_from_json("") == {}


def test_alert_texts():
    h = history(12, {k: {"REACH-135": None} for k in (9, 10, 11)})
    notices, episodes = watch(h, {}, TH)  # judged once the twelve days are made
    [alert] = sensor_alerts(notices, "https://ui", 30)
    assert alert.title == "REACH REACH-135 on Iridium-126 silent since 2026-01-10"
    assert ("First silent day", "2026-01-10") in alert.fields
    assert ("Latest day", "0 records on 2026-01-12 (usually 100)") in alert.fields
    assert alert.link == ("Open the coverage", "https://ui/assets/reach_coverage")

    h[day(12)] = history(1, first=12)[day(12)]
    back, _ = watch(h, episodes, TH)
    [alert] = sensor_alerts(back, "https://ui", 30)
    assert alert.title == "REACH REACH-135 on Iridium-126 is back on 2026-01-13"


def test_sensors_silent_the_same_day_share_one_alert():
    h = history(12, {k: {s: None for s in SENSORS[:3]} for k in (10, 11)})
    notices, _ = run_days(h)
    assert len(notices) == 3
    [alert] = sensor_alerts(notices, "https://ui", 30)
    assert alert.title == "REACH: 3 sensors silent since 2026-01-11"
    assert "REACH-101 on Iridium-102: 0 records on 2026-01-11 (usually 100)" in alert.detail
