"""The telemetry file is read once per run: a 5-day run next to a telemetry file of 20,000
rows (years of a legacy tool's history) reads at most twice the file's size from it, both
through the command line and in a Dagster ranged run (a backfill's). Measured with strace
on the real run, whatever code reads the file (before the TelemetryView: 27.7 times the
file through the command line). Skipped with a reason where strace is missing or not
allowed; CI (REACH_REQUIRE_SERVICES=1) turns that skip into a failure."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from reach_pipeline.contract.telemetry import PROCESSED, TelemetryLog
from reach_pipeline_tests.faults.support import REPO
from reach_pipeline_tests.support.days import days_from
from reach_pipeline_tests.support.telemetry_reads import (
    StraceMissing,
    Workspace,
    bytes_read,
    workspace,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow(10)]

DAYS = days_from(date(2025, 10, 1), 5)
HISTORY_ROWS = 20_000
LIMIT = 2.0  # times the file's size


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Five sample days, years of history in the telemetry file, a real instance."""
    return workspace(tmp_path, DAYS, HISTORY_ROWS, REPO)


def _assert_read_once(ws: Workspace, argv: list[str], what: str) -> None:
    size = ws.telemetry.stat().st_size
    try:
        reads = bytes_read(argv, ws.telemetry, cwd=ws.root, env=ws.env)
    except StraceMissing as exc:
        if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    assert reads.returncode == 0, reads.stderr[-3000:]
    rows = TelemetryLog(ws.telemetry).rows()[HISTORY_ROWS:]
    assert {(r.chunk_date_utc, r.status) for r in rows} >= {(str(d), PROCESSED) for d in DAYS}
    ratio = reads.bytes / size
    print(
        f"\n{what}: read {reads.bytes:,} bytes in {reads.calls} calls from a {size:,}-byte "
        f"telemetry file of {HISTORY_ROWS:,} rows: {ratio:.2f} x its size "
        f"(limit {LIMIT:g} x; 27.7 x through the command line before the TelemetryView)"
    )
    assert reads.bytes <= LIMIT * size


def test_a_five_day_command_line_run_reads_the_telemetry_once(ws):
    _assert_read_once(ws, ws.cli_argv(DAYS), "reach-pipeline process, 5 days, L1C + L2")


def test_a_five_day_ranged_run_reads_the_telemetry_once(ws):
    _assert_read_once(ws, ws.ranged_run_argv(DAYS), "a Dagster ranged run, 5 days, L1C + L2")
