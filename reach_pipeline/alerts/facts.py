"""What alerts are built from: failed days, and what became of each day of a backfill."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from reach_pipeline.change.report import ChangeReport
from reach_pipeline.steps.outcome import DayFailure


def failures_of(records: object, asset: str) -> list[DayFailure]:
    """The failed days a step's ``Failure`` carries as records (``DayFailure.as_record``,
    under ``defs.events.DAY_FAILURES``), ``asset`` where a record names none; [] when
    there are none or they are not in that form."""
    if not isinstance(records, list) or not records:
        return []
    try:
        failures = [DayFailure.from_record(record) for record in records]
    except (KeyError, TypeError, ValueError):
        return []
    return [f if f.asset else replace(f, asset=asset) for f in failures]


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def error_parts(cls_name: str | None, message: str) -> tuple[str, str]:
    """An error's type and its message without the ``module.Class: `` prefix Dagster adds."""
    text = message.strip()
    head, sep, rest = text.partition(": ")
    if sep and cls_name and head.split(".")[-1] == cls_name:
        text = rest.strip()
    return cls_name or "Error", text


@dataclass
class RunDays:
    """What one run did to each of its days (from its events)."""

    days: list[dt.date]
    assets: set[str] = field(default_factory=set)  # the assets (steps) its events name
    materialized: set[dt.date] = field(default_factory=set)
    skipped: set[dt.date] = field(default_factory=set)
    failures: list[DayFailure] = field(default_factory=list)
    # what a re-made day changed (its L1C's report, else its L2's), from the metadata
    changes: dict[dt.date, ChangeReport] = field(default_factory=dict)


@dataclass(frozen=True)
class BackfillTally:
    backfill_id: str
    status: str
    requested: list[dt.date]
    materialized: list[dt.date]
    failed: list[DayFailure]  # one per day (its latest failure)
    skipped: list[dt.date]
    not_run: list[dt.date]
    changes: dict[dt.date, ChangeReport] = field(default_factory=dict)  # materialized days'


def tally_backfill(
    backfill_id: str, status: str, requested: Iterable[dt.date], runs: Iterable[RunDays]
) -> BackfillTally:
    """Each day's final state across the backfill's runs, oldest run first (a day re-run
    after a failure counts as its last run says). A day is failed, skipped (no input),
    materialized, or not run (its run was canceled, or never launched)."""
    state: dict[dt.date, object] = {}
    changes: dict[dt.date, ChangeReport] = {}
    for run in runs:
        failed = {f.day: f for f in run.failures}
        for day in run.days:
            if day in failed:
                state[day] = failed[day]
            elif day in run.skipped:
                state[day] = "skipped"
            elif day in run.materialized:
                state[day] = "materialized"
                if day in run.changes:
                    changes[day] = run.changes[day]
    all_days = sorted(set(requested) | set(state))
    return BackfillTally(
        backfill_id=backfill_id,
        status=status,
        requested=all_days,
        materialized=[d for d in all_days if state.get(d) == "materialized"],
        failed=[s for d in all_days if isinstance(s := state.get(d), DayFailure)],
        skipped=[d for d in all_days if state.get(d) == "skipped"],
        not_run=[d for d in all_days if d not in state],
        changes={d: r for d, r in sorted(changes.items()) if state.get(d) == "materialized"},
    )


def due_day(now: dt.datetime, lag_days: int, deadline: dt.time) -> dt.date | None:
    """The day whose L1C must exist at ``now`` (UTC): ``lag_days`` before today once
    today's deadline has passed; None before it."""
    now = now.astimezone(dt.UTC)
    if now.time() < deadline:
        return None
    return now.date() - dt.timedelta(days=lag_days)


class LateStage(StrEnum):
    """Which stage a day without its L1C at the deadline waits on."""

    INPUT = "no input file yet"  # the download (not ours) is late
    PROCESSING = "input there, not processed"  # never run, or still pending
    FAILED = "input there, processing failed"


def late_stage(has_input: bool, telemetry_status: str | None) -> LateStage:
    """The late stage of a day with no L1C: the input's, unless its file is there; then
    processing, failed when the day's latest telemetry row says FAILED."""
    if not has_input:
        return LateStage.INPUT
    return LateStage.FAILED if telemetry_status == "FAILED" else LateStage.PROCESSING
