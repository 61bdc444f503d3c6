"""The command line's one-line reports (pure functions)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest

from reach_pipeline.cli.report import console_log_level, failure_detail, skipped_failed_note
from reach_pipeline.contract.telemetry import FAILED, PROCESS_PENDING, PROCESSED, TelemetryRow

CDF = "out/l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"
INPUT = Path("in/REACH-ALL_20250901T000000_20250902T000000.csv")


def failed(error_type: str, message: str, cdf_path: str = "") -> TelemetryRow:
    return TelemetryRow(
        status=FAILED, error_type=error_type, error_message=message, cdf_path=cdf_path
    )


@pytest.mark.parametrize(
    ("rows", "run_error", "expected"),
    [
        (  # the message names the file already
            [TelemetryRow(status=PROCESS_PENDING), failed("ReachInputError", f"{INPUT}: bad")],
            "",
            f"ReachInputError: {INPUT}: bad",
        ),
        (  # a processor's message without the file: the input is named
            [failed("ValueError", "boom")],
            "",
            f"ValueError: {INPUT}: boom",
        ),
        (  # an upload-stage failure: the CDF is named
            [TelemetryRow(status=PROCESSED, cdf_path=CDF), failed("AccessDenied", "no", CDF)],
            "",
            f"AccessDenied: {CDF}: no",
        ),
        ([failed("Timeout", "")], "", f"Timeout: {INPUT}: Timeout"),
        ([], "KeyError: 'x'", "KeyError: 'x'"),  # the run failed before any row
        ([], "", "the run failed without writing a telemetry row"),
    ],
)
def test_failure_detail(rows, run_error, expected):
    assert failure_detail(rows, run_error, INPUT) == expected


@pytest.mark.parametrize(
    ("count", "listed"),
    [
        (1, "(2025-09-01)"),
        (5, "(2025-09-01, 2025-09-02, 2025-09-03, 2025-09-04, 2025-09-05)"),
        (7, "(2025-09-01, 2025-09-02, 2025-09-03, 2025-09-04, 2025-09-05 and 2 more)"),
    ],
)
def test_skipped_failed_note(count, listed):
    days = [date(2025, 9, 1) + timedelta(days=n) for n in range(count)]
    assert skipped_failed_note(days) == (
        f"skipped {count} day(s) whose last try FAILED {listed}; --retry-failed re-runs them"
    )


@pytest.mark.parametrize(
    ("level", "expected"),
    [(logging.WARNING, "CRITICAL"), (logging.INFO, "INFO"), (logging.DEBUG, "DEBUG")],
)
def test_console_log_level(level, expected):
    logger = logging.getLogger(f"reach_pipeline_tests.report.{level}")
    logger.setLevel(level)
    assert console_log_level(logger) == expected
