"""The resume planner: what to do with each day, given its latest telemetry row.

The one place the legacy resume rules live. The command line plans its range with
``plan_days``; the Dagster input sensor decides each new or changed day file with
``decide_watched_input``, which applies ``decide_action`` to the day's latest row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reach_pipeline.contract.telemetry import (
    DOWNLOAD_PENDING,
    DOWNLOADED,
    FAILED,
    PROCESS_PENDING,
    PROCESSED,
    SKIPPED_NO_DATA,
    SKIPPED_NO_INPUT,
    UPLOAD_PENDING,
    UPLOADED,
    TelemetryRow,
)
from reach_pipeline.machine import MACHINE_ERROR_TYPES

logger = logging.getLogger(__name__)

RUN_PROCESS = "run_process"
RUN_UPLOAD_ONLY = "run_upload_only"
RUN_STALE = "run_stale"  # done, but its product is stale (--stale): made again
SKIP_EXISTING = "skip_existing"
SKIP_NO_INPUT = "skip_no_input"
SKIP_TERMINAL = "skip_terminal"
SKIP_FAILED = "skip_failed"
SKIP_LIMIT = "skip_limit"

WORK_ACTIONS: frozenset[str] = frozenset({RUN_PROCESS, RUN_UPLOAD_ONLY, RUN_STALE})
"""Actions that do work; ``limit_days`` counts only days with one of these."""

ACTIONS: frozenset[str] = WORK_ACTIONS | {
    SKIP_EXISTING,
    SKIP_NO_INPUT,
    SKIP_TERMINAL,
    SKIP_FAILED,
    SKIP_LIMIT,
}

_DOWNLOAD_STATUSES = frozenset({DOWNLOAD_PENDING, DOWNLOADED, SKIPPED_NO_DATA})


def _cdf_is_file(path: str) -> bool:
    return bool(path) and Path(path).is_file()


def decide_action(
    prior: TelemetryRow | None,
    *,
    upload_to_s3: bool,
    input_available: bool,
    retry_failed: bool,
    cdf_exists: Callable[[str], bool] = _cdf_is_file,
    force: bool = False,
) -> str:
    """The action for one day whose latest telemetry row is ``prior`` (``None``: no row).

    ``cdf_exists(prior.cdf_path)`` says whether the CDF a row names is still on disk.  The
    default checks the path as written, so a relative ``cdf_path`` (the legacy tool writes
    paths like ``out/l1c/prelim/...``) is resolved against the current directory: callers
    that know the output directory should pass a function that resolves it there.

    ===================  =============  ===========================================
    prior status         upload_to_s3   action
    ===================  =============  ===========================================
    (no row)             any            run_process
    DOWNLOAD_PENDING,    any            run_process
    DOWNLOADED,
    SKIPPED_NO_DATA
    UPLOADED             any            skip_existing
    PROCESSED            no             skip_existing; run_process if CDF missing
    PROCESSED            yes            run_upload_only; run_process if CDF missing
    UPLOAD_PENDING       yes            run_upload_only; run_process if CDF missing
    UPLOAD_PENDING       no             skip_existing (as PROCESSED);
                                        run_process if CDF missing
    PROCESS_PENDING      any            run_process
    FAILED               any            skip_failed, unless retry_failed or the
                                        machine failed (a full disk: its error_type
                                        in MACHINE_ERROR_TYPES), which retries:
    FAILED + retry       yes            run_upload_only if the row's cdf_path is
                                        non-empty and on disk, else run_process
    FAILED + retry       no             run_process
    SKIPPED_NO_INPUT     any            run_process if the input exists now,
                                        else skip_terminal
    (unknown status)     any            run_process (logged as a warning)
    ===================  =============  ===========================================

    Whenever the table says run_process but the day's input is not available, the action
    is skip_no_input (skip_terminal for a SKIPPED_NO_INPUT prior, as in the table).

    ``force`` re-makes a done day (UPLOADED, PROCESSED, UPLOAD_PENDING: run_process) when
    its input is there; without its input the table stands (the day keeps its product).

    One deliberate change from the legacy code: a FAILED day retried in upload mode whose
    failed row names a CDF still on disk (the failure was at the upload stage) is uploaded
    only.  The legacy runbook promises operators exactly that ("the orchestrator detects
    the existing CDF and uploads only"), but the legacy ``_decide_process_action``
    re-processes every retried FAILED day.

    And one addition: a day FAILED for a fault of the machine (a full disk, a read-only
    folder, an I/O error) is not skipped as a FAILED day is: the input was never to blame,
    and a plain rerun after the fault is fixed completes it.
    """
    process = RUN_PROCESS if input_available else SKIP_NO_INPUT
    if prior is None:
        return process
    status = prior.status
    if force and input_available and status in (UPLOADED, PROCESSED, UPLOAD_PENDING):
        return RUN_PROCESS
    if status == UPLOADED:
        return SKIP_EXISTING
    if status in (PROCESSED, UPLOAD_PENDING):
        # "Done locally" only while the CDF is there; a vanished CDF is made again.
        if not cdf_exists(prior.cdf_path):
            return process
        return RUN_UPLOAD_ONLY if upload_to_s3 else SKIP_EXISTING
    if status == FAILED:
        if not (retry_failed or prior.error_type.strip() in MACHINE_ERROR_TYPES):
            return SKIP_FAILED
        if upload_to_s3 and cdf_exists(prior.cdf_path):
            return RUN_UPLOAD_ONLY
        return process
    if status == SKIPPED_NO_INPUT:
        return RUN_PROCESS if input_available else SKIP_TERMINAL
    if status != PROCESS_PENDING and status not in _DOWNLOAD_STATUSES:
        logger.warning("unknown telemetry status %r for day %s", status, prior.chunk_date_utc)
    return process


def _row_started(row: TelemetryRow) -> datetime | None:
    """A row's ``started_at_utc`` (naive values are UTC); ``None`` when it does not parse."""
    try:
        value = datetime.fromisoformat(row.started_at_utc.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def decide_watched_input(
    prior: TelemetryRow | None,
    *,
    input_modified: datetime,
    upload_to_s3: bool,
    cdf_exists: Callable[[str], bool] = _cdf_is_file,
) -> str:
    """The action for a day file that appeared or changed while the input sensor watched.

    ``input_modified`` is the file's modification time (aware). A file written after the
    day's latest row started (or a day without a row, or a row whose ``started_at_utc``
    does not parse) is input nobody has seen yet, e.g. a re-downloaded day: run_process,
    whatever the row says. Otherwise the row is about this very file and the resume rules
    decide (``decide_action`` with the input there and no retry of FAILED days):
    run_process, run_upload_only, skip_existing (done, unchanged input) or skip_failed
    (failed on this input: an operator retries it).
    """
    started = None if prior is None else _row_started(prior)
    if started is None or input_modified > started:
        return RUN_PROCESS
    return decide_action(
        prior,
        upload_to_s3=upload_to_s3,
        input_available=True,
        retry_failed=False,
        cdf_exists=cdf_exists,
    )


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The plan for one day: its action, its latest telemetry row and its input file."""

    day: date
    action: str
    prior: TelemetryRow | None
    input_path: Path | None


def plan_days(
    start: date,
    end: date,
    *,
    state: Mapping[date, TelemetryRow],
    find_input: Callable[[date], Path | None],
    upload_to_s3: bool = False,
    retry_failed: bool = False,
    limit_days: int | None = None,
    cdf_exists: Callable[[str], bool] = _cdf_is_file,
    stale: Callable[[date, TelemetryRow | None, Path], bool] | None = None,
    force: bool = False,
) -> list[DayPlan]:
    """One ``DayPlan`` per day of the inclusive UTC range ``start`` … ``end``.

    ``state`` is ``TelemetryLog.latest_by_day()``; ``find_input(day)`` returns the day's
    input file or ``None``; ``cdf_exists`` and ``force`` are passed to ``decide_action``.
    ``limit_days`` caps the days that need work (action in ``WORK_ACTIONS``), counted
    from ``start``:
    later days that would need work get ``skip_limit``, days that need none keep their
    action.  ``None`` means no limit.  ``stale(day, prior, input_path)``, when given, is
    asked about each day done locally (skip_existing or run_upload_only) whose input is
    there: a stale day gets run_stale (made again, then uploaded when uploading).  Raises
    ``ValueError`` when ``end`` is before ``start`` or ``limit_days`` is not positive.
    """
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"{name} must be a date, got {type(value).__name__}")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if limit_days is not None and limit_days <= 0:
        raise ValueError(f"limit_days must be positive or None, got {limit_days}")
    plans = []
    worked = 0
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        prior = state.get(day)
        input_path = find_input(day)
        action = decide_action(
            prior,
            upload_to_s3=upload_to_s3,
            input_available=input_path is not None,
            retry_failed=retry_failed,
            cdf_exists=cdf_exists,
            force=force,
        )
        done = action in (SKIP_EXISTING, RUN_UPLOAD_ONLY) and input_path is not None
        if done and stale is not None and stale(day, prior, input_path):
            action = RUN_STALE
        if action in WORK_ACTIONS:
            if limit_days is not None and worked >= limit_days:
                action = SKIP_LIMIT
            else:
                worked += 1
        plans.append(DayPlan(day=day, action=action, prior=prior, input_path=input_path))
    return plans
