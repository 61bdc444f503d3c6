"""What ``reach-pipeline process`` tells the operator about days that did not go well:
one line per failed day (the day, the file, the problem) and a note on days skipped
because they FAILED before. Dagster's own logs (stack traces) show only with ``-v``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reach_pipeline.change.report import ChangeReport, Verdict
from reach_pipeline.contract.telemetry import FAILED, TelemetryRow

_LISTED_DAYS = 5


def console_log_level(cli_logger: logging.Logger) -> str:
    """The level of Dagster's console logger in a CLI run: its events (step failures with
    their stack traces) are shown from ``-v`` on; by default the CLI says it in one line."""
    level = cli_logger.getEffectiveLevel()
    return "CRITICAL" if level >= logging.WARNING else logging.getLevelName(level)


def failure_detail(rows: Sequence[TelemetryRow], run_error: str, input_path: Path | None) -> str:
    """What went wrong with a failed day, in one line: from its FAILED telemetry row when
    the run wrote one (the file is named when the message does not name it already),
    else the run's error."""
    failed = [r for r in rows if r.status == FAILED]
    if not failed:
        return run_error or "the run failed without writing a telemetry row"
    row = failed[-1]
    message = row.error_message or row.error_type
    file = row.cdf_path or (str(input_path) if input_path else "")
    if file and Path(file).name not in message:
        message = f"{file}: {message}"
    return f"{row.error_type}: {message}"


def run_error(result) -> str:
    """The first step failure of a Dagster run result, in one line ("" if none)."""
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if error is not None:
            text = " | ".join(line for line in error.message.splitlines() if line.strip())
            return f"{error.cls_name}: {text}" if error.cls_name else text
    return ""


def skipped_failed_note(days: Sequence[date]) -> str:
    """The note for days not run because their last try FAILED."""
    listed = ", ".join(d.isoformat() for d in days[:_LISTED_DAYS])
    more = f" and {len(days) - _LISTED_DAYS} more" if len(days) > _LISTED_DAYS else ""
    return (
        f"skipped {len(days)} day(s) whose last try FAILED ({listed}{more}); "
        "--retry-failed re-runs them"
    )


def change_note(reports: dict[str, ChangeReport]) -> str | None:
    """What the day's re-made products changed, by asset, in one line (None when nothing
    was replaced: a day made for the first time says nothing more)."""
    told = [f"{asset} {r.line()}" for asset, r in reports.items() if r.verdict != Verdict.NEW]
    return "; ".join(told) or None


def day_changes(result) -> dict[str, ChangeReport]:
    """The change reports of a Dagster run's materializations, by asset."""
    from reach_pipeline.defs.change import report_from

    reports = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        report = report_from(materialization.metadata)
        if report is not None:
            reports[materialization.asset_key.to_user_string()] = report
    return reports
