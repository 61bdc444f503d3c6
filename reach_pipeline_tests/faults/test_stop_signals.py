"""SIGINT and SIGTERM stop the real console script mid-day: the day in flight is killed and
left PROCESS_PENDING, no later day starts, exit 130 / 143 with one line saying what was
interrupted, and the next plain run completes the days."""

from __future__ import annotations

import os
import signal
import time
from datetime import date, timedelta

import pytest

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.cli_workspace import parse_summary
from reach_pipeline_tests.support.processes import kill_if_running, running

from .support import (
    assert_products,
    clean_env,
    day_file_name,
    fork_worker,
    gated_env,
    process_argv,
    rows_of,
    run_cli,
    sample_workspace,
    start_cli,
    started_processor,
    strict_records,
    wait_for,
)

# Stops by signal, some with a bound on the time to stop: one at a time, on one xdist worker.
# slow(30): the group's tests together, one after the other on one process
pytestmark = [pytest.mark.xdist_group("stop_bounds"), pytest.mark.slow(30)]

DAYS = [date(2026, 3, 1) + timedelta(days=i) for i in range(5)]
STOP_BOUND_S = 30  # generous: the figure itself is printed, never asserted tightly


@pytest.mark.integration
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_command_line_mid_day(tmp_path, signum):
    ws, input_dir, out = sample_workspace(tmp_path, DAYS)
    for day in DAYS[:2]:  # the first two days go through; the third waits to be stopped
        processors.release_processors(input_dir, day_file_name(day))
    telemetry = input_dir / "download_telemetry.csv"
    home = tmp_path / "home"
    env = gated_env(home)
    argv = process_argv(DAYS[0].isoformat(), DAYS[-1].isoformat(), input_dir, out)

    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    cli = start_cli(argv, ws, env, stderr_path, stdout_path)
    try:
        child = started_processor(input_dir, DAYS[2], 240, alive=cli)
        worker = fork_worker(cli.pid)
        assert worker is not None and running(child)

        sent = time.monotonic()
        os.kill(cli.pid, signum)
        code = cli.wait(timeout=120)
        seconds = time.monotonic() - sent
    finally:
        kill_if_running(cli, group=True)
    name = signal.Signals(signum).name
    print(f"\n{name}: {seconds:.2f} s from the signal to the exit of reach-pipeline")
    assert seconds < STOP_BOUND_S

    assert code == 128 + signum
    err_lines = stderr_path.read_text().splitlines()
    assert err_lines[-1] == (
        f"reach-pipeline: interrupted by {name} while processing {DAYS[2]} (reach_cdf): the "
        f"day is left PROCESS_PENDING; 2 day(s) not started ({DAYS[3]} .. {DAYS[4]}); the "
        "same command completes them"
    )
    assert (
        err_lines[:-1]
        == [  # the progress lines only: Dagster's report of it is dropped
            line for line in err_lines[:-1] if line.startswith(tuple(str(d) for d in DAYS[:2]))
        ]
    )
    summary = parse_summary(stdout_path.read_text())
    assert (summary["planned"], summary["processed"], summary["failed"]) == (5, 2, 0)

    # The processor child died with the day, and its fork worker too.
    assert not running(child)
    wait_for("the fork worker to exit", lambda: not running(worker), timeout_s=30)
    # Only products: two CDFs; no staging folder, no lock file (the .staging folder stays).
    assert_products(out, DAYS[:2])
    assert list((out / ".staging").iterdir()) == []
    strict_records(telemetry)
    assert [[r.status for r in rows_of(telemetry, d)] for d in DAYS] == [
        [PROCESS_PENDING, PROCESSED],
        [PROCESS_PENDING, PROCESSED],
        [PROCESS_PENDING],
        [],
        [],
    ]

    # The next plain run completes the interrupted day and the two after it.
    rerun = run_cli(argv, ws, clean_env(home))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    summary = parse_summary(rerun.stdout)
    assert (summary["processed"], summary["skipped_existing"], summary["failed"]) == (3, 2, 0)
    assert [r.status for r in rows_of(telemetry, DAYS[2])] == [
        PROCESS_PENDING,
        PROCESS_PENDING,
        PROCESSED,
    ]
    assert_products(out, DAYS)
