"""The alerts: a failed day, a finished backfill, a missing day, a sensor that went silent
or whose median dose jumped (and is back)."""

from __future__ import annotations

import datetime as dt

from reach_pipeline.change.report import Verdict, tally_changes
from reach_pipeline.stages import REACH_CDF, REACH_COVERAGE

from .facts import BackfillTally, DayFailure, LateStage
from .message import Alert, listed
from .watch import Kind, Notice

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
    day: dt.date,
    deadline: dt.time,
    input_file: str,
    telemetry: str,
    ui_base_url: str,
    late: LateStage,
    arrived: dt.datetime | None = None,
) -> Alert:
    """The day that should have its L1C by now has none, and the stage it waits on
    (``arrived``: its input file's modification time, when there is one)."""
    stage = "download" if late is LateStage.INPUT else "processing"
    when = f"; the input arrived {arrived:%Y-%m-%d %H:%M} UTC" if arrived else ""
    return Alert(
        title=f"REACH: no L1C for {day.isoformat()} by {deadline:%H:%M} UTC: {late.value}",
        fields=(
            ("Day", day.isoformat()),
            ("Deadline", f"{deadline:%H:%M} UTC"),
            ("Late stage", f"{stage} ({late.value}{when})"),
            ("Input file", input_file),
            ("Telemetry", telemetry),
        ),
        link=("Open the day", partition_url(ui_base_url, REACH_CDF, day)),
        kind="missing day",
    )


# --------------------------------------------------------------------- watching the sensors


def coverage_url(ui_base_url: str) -> str:
    return f"{ui_base_url}/assets/{REACH_COVERAGE}"


def _who(notice: Notice) -> str:
    episode = notice.episode
    return f"{episode.sensor} on {episode.satellite or 'an unknown satellite'}"


def _what(notice: Notice) -> str:
    """One sensor's line: what it shows on the notice's day against its baseline."""
    e, day = notice.episode, notice.day.isoformat()
    if e.kind is Kind.SILENT:
        return f"{notice.value:.0f} records on {day} (usually {e.baseline:.0f})"
    return f"median dose {notice.value:.3g} rad/s on {day} (baseline {e.baseline:.3g} rad/s)"


def _headline(kind: Kind, began: bool, day: dt.date, who: str, ratio: float) -> str:
    if kind is Kind.SILENT:
        return f"{who} silent since {day}" if began else f"{who} is back on {day}"
    if began:
        return f"{who}: median dose {ratio:.3g}× its baseline since {day}"
    return f"{who}: median dose back within range on {day}"


def _group_title(kind: Kind, began: bool, day: dt.date, count: int) -> str:
    if kind is Kind.SILENT:
        return f"REACH: {count} sensors {'silent since' if began else 'back on'} {day}"
    if began:
        return f"REACH: {count} sensors' median dose jumped since {day}"
    return f"REACH: {count} sensors' median dose back within range on {day}"


def sensor_alerts(notices: list[Notice], ui_base_url: str, window_days: int) -> list[Alert]:
    """One alert per kind of news and day: a sensor's episode began (on its first day) or
    ended; several sensors with the same news in one alert."""
    groups: dict[tuple[Kind, bool, dt.date], list[Notice]] = {}
    for n in notices:
        day = n.episode.first_day if n.began else n.day
        groups.setdefault((n.episode.kind, n.began, day), []).append(n)
    alerts = []
    for (kind, began, day), group in sorted(groups.items(), key=lambda g: (g[0][2], g[0][0].value)):
        alerts.append(_sensor_alert(kind, began, day, group, ui_base_url, window_days))
    return alerts


def _sensor_alert(kind, began, day, group, ui_base_url, window_days) -> Alert:
    what = "silent sensor" if kind is Kind.SILENT else "dose jump"
    link = ("Open the coverage", coverage_url(ui_base_url))
    basis = (
        f"Judged against each sensor's previous {window_days} days. "
        + ("Told once: another message follows when it ends." if began else "")
    ).strip()
    if len(group) > 1:
        lines = [f"{_who(n)}: {_what(n)}" for n in sorted(group, key=lambda n: n.episode.sensor)]
        return Alert(
            title=_group_title(kind, began, day, len(group)),
            detail="\n".join(listed(lines)) + f"\n{basis}",
            link=link,
            kind=what,
        )
    [n] = group
    e = n.episode
    ratio = n.value / e.baseline if e.baseline else float("nan")
    fields = [("Sensor", e.sensor), ("Satellite", e.satellite or "unknown")]
    label = "First silent day" if kind is Kind.SILENT else "First day"
    fields.append((label, e.first_day.isoformat()))
    if not began:
        fields.append(("Back on", n.day.isoformat()))
    fields.append(("Latest day", _what(n)))
    return Alert(
        title=f"REACH {_headline(kind, began, day, _who(n), ratio)}",
        fields=tuple(fields),
        detail=basis,
        link=link,
        kind=what,
    )
