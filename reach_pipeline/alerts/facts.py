"""What alerts are built from: failed days, and what became of each day of a backfill."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reach_pipeline.steps.outcome import DayFailure

# One line per failed day (and asset) in the description of the Failure the assets raise
# (reach_pipeline.defs.events.failure_text): "YYYY-MM-DD reach_cdf: ErrorType: message";
# the asset may be left out: "YYYY-MM-DD: ErrorType: message".
_FAILURE_LINE = re.compile(r"(\d{4}-\d{2}-\d{2})(?: ([^:\s]+))?: ([^:\s]+): (.*)")


def parse_failure_lines(text: str, asset: str) -> list[DayFailure]:
    """The failed days a Failure's description names (``asset`` where a line names none);
    [] when it is not in that form."""
    failures = []
    for line in text.splitlines():
        match = _FAILURE_LINE.fullmatch(line.strip())
        if match is None:
            return []
        try:
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            return []
        failures.append(DayFailure(day, match[2] or asset, match[3], match[4]))
    return failures


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


@dataclass(frozen=True)
class BackfillTally:
    backfill_id: str
    status: str
    requested: list[dt.date]
    materialized: list[dt.date]
    failed: list[DayFailure]  # one per day (its latest failure)
    skipped: list[dt.date]
    not_run: list[dt.date]


def tally_backfill(
    backfill_id: str, status: str, requested: Iterable[dt.date], runs: Iterable[RunDays]
) -> BackfillTally:
    """Each day's final state across the backfill's runs, oldest run first (a day re-run
    after a failure counts as its last run says). A day is failed, skipped (no input),
    materialized, or not run (its run was canceled, or never launched)."""
    state: dict[dt.date, object] = {}
    for run in runs:
        failed = {f.day: f for f in run.failures}
        for day in run.days:
            if day in failed:
                state[day] = failed[day]
            elif day in run.skipped:
                state[day] = "skipped"
            elif day in run.materialized:
                state[day] = "materialized"
    all_days = sorted(set(requested) | set(state))
    return BackfillTally(
        backfill_id=backfill_id,
        status=status,
        requested=all_days,
        materialized=[d for d in all_days if state.get(d) == "materialized"],
        failed=[s for d in all_days if isinstance(s := state.get(d), DayFailure)],
        skipped=[d for d in all_days if state.get(d) == "skipped"],
        not_run=[d for d in all_days if d not in state],
    )


def due_day(now: dt.datetime, lag_days: int, deadline: dt.time) -> dt.date | None:
    """The day whose L1C must exist at ``now`` (UTC): ``lag_days`` before today once
    today's deadline has passed; None before it."""
    now = now.astimezone(dt.UTC)
    if now.time() < deadline:
        return None
    return now.date() - dt.timedelta(days=lag_days)
