"""The three alerts: a failed day, a finished backfill, a missing day."""

from __future__ import annotations

import datetime as dt

from reach_pipeline.change.report import Verdict, tally_changes
from reach_pipeline.stages import REACH_CDF

from .facts import BackfillTally, DayFailure
from .message import Alert, listed

MESSAGE_MAX = 1500


def run_url(ui_base_url: str, run_id: str) -> str:
    return f"{ui_base_url}/runs/{run_id}"


def backfill_url(ui_base_url: str, backfill_id: str) -> str:
    return f"{ui_base_url}/runs/b/{backfill_id}"


def partition_url(ui_base_url: str, asset: str, day: dt.date) -> str:
    return f"{ui_base_url}/assets/{asset}?view=partitions&partition={day.isoformat()}"


def day_failure_alert(failure: DayFailure, run_id: str, input_file: str, ui_base_url: str) -> Alert:
    """One failed day of one run."""
    message = (
        failure.message
        if len(failure.message) <= MESSAGE_MAX
        else (failure.message[: MESSAGE_MAX - 1] + "…")
    )
    return Alert(
        title=f"REACH {failure.asset} failed for {failure.day.isoformat()}",
        fields=(
            ("Day", failure.day.isoformat()),
            ("Asset", failure.asset),
            ("Error", failure.error_type),
            ("Input file", input_file),
        ),
        detail=message,
        link=("Open the run", run_url(ui_base_url, run_id)),
        kind="day failure",
    )


def more_failures_alert(count: int, run_id: str, ui_base_url: str) -> Alert:
    """The days of one run past the per-run limit, in one message."""
    return Alert(
        title=f"REACH: {count} more failed days in run {run_id[:8]}",
        detail="Not posted one by one; the run lists every failed day.",
        link=("Open the run", run_url(ui_base_url, run_id)),
        kind="day failure",
    )


def backfill_summary_alert(tally: BackfillTally, ui_base_url: str, limit: int = 20) -> Alert:
    """One message for a backfill that ended: its counts and its failed days."""
    total = len(tally.requested)
    if tally.failed:
        title = (
            f"REACH backfill {tally.backfill_id} ended: {len(tally.failed)} of {total} days failed"
        )
    else:
        title = f"REACH backfill {tally.backfill_id} ended: no day failed ({total} days)"
    fields = [
        ("Materialized", str(len(tally.materialized))),
        ("Failed", str(len(tally.failed))),
        ("Skipped (no input)", str(len(tally.skipped))),
    ]
    if tally.not_run:
        fields.append(("Not run", str(len(tally.not_run))))
    changes = change_fields(tally)
    fields += changes
    fields.append(("Status", tally.status))
    lines = [f"{f.day.isoformat()}  {f.asset}  {f.error_type}" for f in tally.failed]
    detail = "Failed days:\n" + "\n".join(listed(lines, limit)) if lines else ""
    if changes:
        detail = "\n\n".join(part for part in (detail, most_changed_text(tally)) if part)
    return Alert(
        title=title,
        fields=tuple(fields),
        detail=detail,
        link=("Open the backfill", backfill_url(ui_base_url, tally.backfill_id)),
        kind="backfill summary",
    )


MOST_CHANGED = 5


def change_fields(tally: BackfillTally) -> list[tuple[str, str]]:
    """How the re-made days changed (none when every day was made for the first time)."""
    if not any(r.verdict != Verdict.NEW for r in tally.changes.values()):
        return []
    counts = tally_changes({d.isoformat(): r for d, r in tally.changes.items()}).counts
    return [
        ("Changed (data)", str(counts[Verdict.DATA_CHANGED])),
        ("Changed (metadata only)", str(counts[Verdict.METADATA_ONLY])),
        ("Unchanged", str(counts[Verdict.NO_CHANGE])),
        ("New", str(counts[Verdict.NEW])),
    ]


def most_changed_text(tally: BackfillTally) -> str:
    """The days whose data changed most, at most five, each with its report's line."""
    reports = {d.isoformat(): r for d, r in tally.changes.items()}
    most = tally_changes(reports, MOST_CHANGED).most_changed
    if not most:
        return ""
    return "Most changed days:\n" + "\n".join(f"{day}  {r.line()}" for day, r in most)


def missing_day_alert(
    day: dt.date, deadline: dt.time, input_file: str, telemetry: str, ui_base_url: str
) -> Alert:
    """The day that should have its L1C by now has none."""
    return Alert(
        title=f"REACH: no L1C for {day.isoformat()} by {deadline:%H:%M} UTC",
        fields=(
            ("Day", day.isoformat()),
            ("Deadline", f"{deadline:%H:%M} UTC"),
            ("Input file", input_file),
            ("Telemetry", telemetry),
        ),
        link=("Open the day", partition_url(ui_base_url, REACH_CDF, day)),
        kind="missing day",
    )
