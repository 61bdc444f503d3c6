"""A run killed with SIGKILL in the middle of processing a day, and the sweep of its staging."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from datetime import date
from pathlib import Path

import psutil
import pytest

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED
from reach_pipeline.processing import process_day
from reach_pipeline.runner import isolation
from reach_pipeline_tests.support.processes import kill_if_running, running

from .support import (
    assert_same_cdf,
    cdf_rel,
    clean_env,
    day_file_name,
    files_under,
    fork_worker,
    latest,
    make_synthetic_day,
    process_argv,
    rows_of,
    run_cli,
    sample_workspace,
    start_cli,
    strict_records,
    wait_for,
)

DAY = date(2026, 2, 10)


def _processor_mid_way(cli: psutil.Process, staging_root: Path, seen: dict[int, float]):
    """The fork worker once it has done some work on the day: our processor runs in the
    worker itself (``forkworker``), so its CPU time is counted from when the day's staging
    folder was first seen (before that it was importing)."""
    try:
        worker = fork_worker(cli)
        if worker is None or worker.children() or not any(staging_root.glob(f"{DAY:%Y%m%d}-*")):
            return None
        cpu = worker.cpu_times()
        spent = cpu.user + cpu.system - seen.setdefault(worker.pid, cpu.user + cpu.system)
        return worker if spent >= 0.3 else None  # reading the day, not just started on it
    except psutil.NoSuchProcess:
        return None


def _sigkill(proc: psutil.Process) -> None:
    try:
        proc.send_signal(signal.SIGKILL)
    except psutil.NoSuchProcess:
        pass


@pytest.mark.integration
def test_run_killed_mid_processing_leaves_nothing_and_reruns_clean(tmp_path):
    ws, input_dir, out = sample_workspace(tmp_path)
    day_file = input_dir / day_file_name(DAY)
    # Half a full day: a few seconds of processing, long enough to be killed mid-way.
    make_synthetic_day(day_file, DAY, seed=7, rows_fraction=0.5)
    telemetry = input_dir / "download_telemetry.csv"
    env = clean_env(tmp_path / "home")
    argv = process_argv(DAY.isoformat(), DAY.isoformat(), input_dir, out)

    stderr_path = tmp_path / "killed-run.stderr"
    cli_proc = start_cli(argv, ws, env, stderr_path)
    worker = None
    try:
        cli = psutil.Process(cli_proc.pid)
        wait_for(
            "the PROCESS_PENDING row",
            lambda: (
                (row := latest(telemetry).get(DAY)) is not None and row.status == PROCESS_PENDING
            ),
            timeout_s=120,
            alive=cli_proc,
        )
        seen: dict[int, float] = {}
        worker = wait_for(
            "the processor mid-way",
            lambda: _processor_mid_way(cli, out / isolation.STAGING_DIR, seen),
            timeout_s=60,
            every_s=0.02,
            alive=cli_proc,
        )
        # The run worker (the CLI runs the Dagster run in-process) dies, as in an OOM kill
        # or a pulled plug.
        _sigkill(cli)
        cli_proc.wait(timeout=30)
        # The fork worker, processing the day itself, is not killed: its stdin turns
        # readable at end-of-file (the dead CLI held the only write end), and it exits
        # mid-way, alone.
        wait_for("the fork worker to exit", lambda: not running(worker), timeout_s=30)
    finally:
        if worker is not None:
            _sigkill(worker)
        kill_if_running(cli_proc, group=True)

    # Nothing partial in the layout; the dead run's staging folder is still there, and
    # its (free) lock file of the day.
    assert files_under(out / "l1c") == []
    staging = sorted((out / isolation.STAGING_DIR).iterdir())
    assert staging[1] == isolation.day_lock_path(out, DAY)
    assert [s.name.rsplit("-", 2)[0] for s in staging[:1]] == [
        f"{DAY:%Y%m%d}-{socket.gethostname()}"
    ]
    # The telemetry file is whole rows only; the day's state is the unfinished step.
    strict_records(telemetry)
    assert [r.status for r in rows_of(telemetry, DAY)] == [PROCESS_PENDING]
    assert latest(telemetry)[DAY].status == PROCESS_PENDING

    # The operator re-runs the day: it is re-processed (PROCESS_PENDING -> re-process).
    proc = run_cli(argv, ws, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert latest(telemetry)[DAY].status == PROCESSED
    assert [r.status for r in rows_of(telemetry, DAY)] == [
        PROCESS_PENDING,
        PROCESS_PENDING,
        PROCESSED,
    ]
    strict_records(telemetry)
    cdf = out / cdf_rel(DAY)
    assert files_under(out / "l1c") == [cdf]
    assert list((out / isolation.STAGING_DIR).iterdir()) == []

    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    reference = Path(process_day(day_file, reference_dir).as_dict()["cdf_path"])
    assert_same_cdf(cdf, reference)


def test_sweep_removes_dead_runs_staging_on_a_host_with_dashes(tmp_path, monkeypatch):
    """Host names like ``ip-10-0-0-1`` are common; a dead run's folder must still go."""
    host = "ip-10-0-0-1"
    monkeypatch.setattr(isolation.socket, "gethostname", lambda: host)
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: its pid names no process
    root = tmp_path / "out" / isolation.STAGING_DIR
    dead_dir = root / f"20260110-{host}-{dead.pid}-0badc0de"
    live_dir = root / f"20260111-{host}-{os.getpid()}-600dc0de"
    other_host = root / f"20260112-ip-10-0-0-2-{dead.pid}-0badc0de"
    for folder in (dead_dir, live_dir, other_host):
        folder.mkdir(parents=True)
        (folder / "partial.cdf").write_bytes(b"half")
    assert isolation.sweep_staging(tmp_path / "out") == [dead_dir]
    assert sorted(root.iterdir()) == sorted([live_dir, other_host])
