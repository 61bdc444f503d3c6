"""Watching each sensor over days: a sensor gone silent, a median dose that jumped; no Dagster.

Each rule is judged on the newest day that has an L1C, against the sensor's own previous
``window_days`` days that have one (its baseline): a sensor is judged only when it had data
on most of those days, and on at least ``min_days`` of them.

- silent: fewer records than ``silent_pct`` % of its usual (median) daily records, or none;
- dose jump: its median dose ``dose_factor`` times its baseline median dose, or more (or
  that many times less).

An episode is told once: it opens when the rule first holds on the newest day (its first
day is the earliest day of the unbroken run of days it holds on), stays open while the
rule holds against the baseline it opened with, and closes, told once more, on the first
newest day it no longer holds. The open episodes are the caller's state (the sensor's
cursor: ``episodes_json``).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import Enum

from reach_pipeline.processing.pods import satellite_of
from reach_pipeline.processing.sensor_stats import SensorDay

History = Mapping[dt.date, Mapping[str, SensorDay]]  # the days with an L1C, each sensor's day


class Kind(Enum):
    SILENT = "silent"
    DOSE_JUMP = "dose_jump"


@dataclass(frozen=True)
class Thresholds:
    window_days: int = 30
    min_days: int = 7
    silent_pct: float = 10.0
    dose_factor: float = 10.0


@dataclass(frozen=True)
class Baseline:
    days_with_data: int
    usual_records: float
    median_dose: float | None


@dataclass(frozen=True)
class Episode:
    kind: Kind
    sensor: str
    first_day: dt.date
    baseline: float  # usual records (silent) or baseline median dose (dose jump)
    value: float  # the newest day's records or median dose when it was told

    @property
    def satellite(self) -> str:
        return satellite_of(self.sensor)


@dataclass(frozen=True)
class Notice:
    """An episode that began (``began``) or ended on ``day``."""

    episode: Episode
    began: bool
    day: dt.date
    value: float  # the value on ``day``


def baseline(history: History, sensor: str, day: dt.date, th: Thresholds) -> Baseline | None:
    """The sensor's baseline before ``day``; None when it is not to be judged (data on
    fewer than ``min_days`` or on not most of the window's days with an L1C)."""
    start = day - dt.timedelta(days=th.window_days)
    window = [history[d] for d in history if start <= d < day]
    with_data = [w[sensor] for w in window if sensor in w and w[sensor].records > 0]
    if len(with_data) < th.min_days or 2 * len(with_data) <= len(window):
        return None
    doses = [s.median_dose for s in with_data if s.median_dose is not None]
    return Baseline(
        days_with_data=len(with_data),
        usual_records=statistics.median(s.records for s in with_data),
        median_dose=statistics.median(doses) if doses else None,
    )


def records_on(history: History, sensor: str, day: dt.date) -> int:
    found = history[day].get(sensor)
    return found.records if found else 0


def dose_on(history: History, sensor: str, day: dt.date) -> float | None:
    found = history[day].get(sensor)
    return found.median_dose if found else None


def is_silent(records: int, usual: float, th: Thresholds) -> bool:
    return records < th.silent_pct / 100.0 * usual


def is_jump(dose: float | None, base: float, th: Thresholds) -> bool:
    if dose is None or dose <= 0 or base <= 0:
        return False
    return dose >= th.dose_factor * base or dose <= base / th.dose_factor


def holds(kind: Kind, history: History, sensor: str, day: dt.date, base: float, th) -> bool:
    """Whether ``kind``'s rule holds for ``sensor`` on ``day`` against ``base``."""
    if kind is Kind.SILENT:
        return is_silent(records_on(history, sensor, day), base, th)
    dose = dose_on(history, sensor, day)
    return dose is not None and is_jump(dose, base, th)


def value_on(kind: Kind, history: History, sensor: str, day: dt.date) -> float:
    if kind is Kind.SILENT:
        return float(records_on(history, sensor, day))
    dose = dose_on(history, sensor, day)
    return float("nan") if dose is None else dose


def first_day(kind: Kind, history: History, sensor: str, newest: dt.date, base, th) -> dt.date:
    """The earliest day of the unbroken run of days with an L1C, up to ``newest``, on which
    the rule holds against ``base``."""
    first = newest
    for day in sorted((d for d in history if d < newest), reverse=True):
        if not holds(kind, history, sensor, day, base, th):
            break
        first = day
    return first


def watch(
    history: History, open_episodes: Mapping[tuple[Kind, str], Episode], th: Thresholds
) -> tuple[list[Notice], dict[tuple[Kind, str], Episode]]:
    """The notices of the newest day in ``history``, and the episodes open after it."""
    if not history:
        return [], dict(open_episodes)
    newest = max(history)
    notices: list[Notice] = []
    still_open: dict[tuple[Kind, str], Episode] = {}
    for key, episode in open_episodes.items():
        kind, sensor = key
        if holds(kind, history, sensor, newest, episode.baseline, th):
            still_open[key] = episode
        else:
            value = value_on(kind, history, sensor, newest)
            notices.append(Notice(episode, began=False, day=newest, value=value))
    window_start = newest - dt.timedelta(days=th.window_days)
    sensors = sorted({s for d, day in history.items() if d >= window_start for s in day})
    for sensor in sensors:
        base = baseline(history, sensor, newest, th)
        if base is None:
            continue
        for kind, value in ((Kind.SILENT, base.usual_records), (Kind.DOSE_JUMP, base.median_dose)):
            if (kind, sensor) in still_open or (kind, sensor) in open_episodes or value is None:
                continue
            if not holds(kind, history, sensor, newest, value, th):
                continue
            now = value_on(kind, history, sensor, newest)
            episode = Episode(
                kind, sensor, first_day(kind, history, sensor, newest, value, th), value, now
            )
            still_open[(kind, sensor)] = episode
            notices.append(Notice(episode, began=True, day=newest, value=now))
    return notices, still_open


def episodes_json(episodes: Mapping[tuple[Kind, str], Episode]) -> str:
    """The open episodes as the sensor's cursor."""
    items = [
        {**asdict(e), "kind": e.kind.value, "first_day": e.first_day.isoformat()}
        for e in episodes.values()
    ]
    return json.dumps({"open": items}, sort_keys=True)


def episodes_from_json(text: str | None) -> dict[tuple[Kind, str], Episode]:
    """The open episodes a cursor holds (none for an empty cursor)."""
    if not text:
        return {}
    episodes = {}
    for item in json.loads(text).get("open", []):
        episode = Episode(
            Kind(item["kind"]),
            item["sensor"],
            dt.date.fromisoformat(item["first_day"]),
            float(item["baseline"]),
            float(item["value"]),
        )
        episodes[(episode.kind, episode.sensor)] = episode
    return episodes
