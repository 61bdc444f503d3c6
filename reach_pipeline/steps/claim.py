"""One day, one process: a stage works on a day only while it holds the day's lock, and
only if no other process has worked on that day since this run planned it.

The lock alone is not enough: two command lines that planned the same days at the same
moment would each take a day in turn, after the other has released it. So each run has a
baseline, the number of telemetry rows there were when it planned its days (the file is
append-only, and its order is the one clock all writers share), and under the lock a stage
checks the day's rows after the baseline: one written by another run means another
process has done (or is doing) that day, and this run leaves it. The command line sets the
baseline when it plans (the ``BASELINE_TAG`` run tag); a run launched from Dagster takes
it when its step starts. The rows after the baseline come from the process's
``TelemetryView`` (what was appended since its last read), not from a read of the file.

Either way the day's outcome is LOCKED: not materialized, not failed, no telemetry row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from reach_pipeline.contract import telemetry as t
from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
from reach_pipeline.contract.telemetry_view import TelemetryView
from reach_pipeline.runner import locks
from reach_pipeline.runner.isolation import day_lock_path

from .outcome import DayOutcome, Status, skipped

BASELINE_TAG = "reach/telemetry_rows"

# The rows a processing or upload stage writes. A download tool's rows do not count, but
# for its FAILED rows, which cannot be told apart: after one, this run leaves the day too.
_STAGE_STATUSES = frozenset(
    {t.PROCESS_PENDING, t.PROCESSED, t.UPLOAD_PENDING, t.UPLOADED, t.FAILED, t.SKIPPED_NO_INPUT}
)


def run_baseline(tags: Mapping[str, str], log: TelemetryLog) -> int:
    """The run's baseline: from its tag when its planner set one, else the rows now."""
    value = tags.get(BASELINE_TAG)
    return int(value) if value else TelemetryView.of(log).refresh()


@contextmanager
def claim_day(
    output_dir, day: date, log: DayLog, baseline: int | None
) -> Iterator[DayOutcome | None]:
    """Yield ``None`` while this process holds ``day``; a LOCKED outcome instead when
    another process holds it or has worked on it since ``baseline`` (``None``: no check)."""
    path = day_lock_path(output_dir, day)
    lock = locks.try_lock(path)
    if lock is None:
        who = locks.holder(path)
        yield locked(day, "another process holds its lock" + (f" ({who})" if who else ""))
        return
    with lock:
        other = worked_since(log, day, baseline)
        if other is not None:
            yield locked(
                day,
                f"run {other.run_id} wrote {other.status} for it since this run planned it",
            )
            return
        yield None


def worked_since(log: DayLog, day: date, baseline: int | None) -> TelemetryRow | None:
    """The last row of ``day`` after row ``baseline`` written by another run's stage."""
    if baseline is None:
        return None
    key = day.isoformat()
    for row in reversed(log.view.rows_since(baseline)):
        if row.chunk_date_utc == key and row.run_id != log.run_id and row.status in _STAGE_STATUSES:
            return row
    return None


def locked(day: date, why: str) -> DayOutcome:
    return skipped(day, f"{day} not run here: {why}", Status.LOCKED)
