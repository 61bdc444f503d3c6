"""Stopping real Dagster runs mid-day: ``dagster asset materialize`` sent SIGTERM, a run
launched by the webserver terminated through GraphQL (the UI's "Terminate"), and a run
worker killed with SIGKILL. Each leaves the day PROCESS_PENDING, the processor child gone,
no partial product; the next plain run sweeps what is left and completes the day."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import psutil
import pytest
from dagster import DagsterInstance, DagsterRunStatus

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.dagster_servers import dagster_servers
from reach_pipeline_tests.support.graphql import launch_day_run
from reach_pipeline_tests.support.processes import kill_if_running, running, tool

from .support import (
    FORKWORKER,
    REPO,
    assert_products,
    clean_env,
    files_under,
    gated_env,
    process_argv,
    rows_of,
    run_cli,
    sample_workspace,
    started_processor,
    strict_records,
    wait_for,
)

# Stops by signal, some with a bound on the time to stop: one at a time, on one xdist worker.
# slow(30): the group's tests together, one after the other on one process
pytestmark = [pytest.mark.xdist_group("stop_bounds"), pytest.mark.slow(30)]

DAY = date(2026, 5, 4)
STOP_BOUND_S = 60  # generous; the figures are printed

TERMINATE = """
mutation StopRunsTerminate($runId: String!) {
  terminateRun(runId: $runId) {
    __typename
    ... on TerminateRunFailure { message }
    ... on PythonError { message }
  }
}
"""
RUN_STATUS = """
query StopRunsStatus($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status } }
}
"""


def dagster_home(tmp_path: Path) -> Path:
    """A persistent instance that launches runs at once (no queue, no daemon needed)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster.core.run_coordinator\n"
        "  class: DefaultRunCoordinator\n"
    )
    return home


def run_env(tmp_path: Path, home: Path, input_dir: Path, out: Path) -> dict[str, str]:
    return gated_env(
        tmp_path / "home",
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
    )


def assert_day_left_pending(input_dir: Path, out: Path, pending_rows: int) -> None:
    telemetry = input_dir / "download_telemetry.csv"
    strict_records(telemetry)
    assert [r.status for r in rows_of(telemetry, DAY)] == [PROCESS_PENDING] * pending_rows
    assert files_under(out / "l1c") == []


def assert_next_run_completes(tmp_path: Path, ws: Path, input_dir: Path, out: Path) -> None:
    argv = process_argv(DAY.isoformat(), DAY.isoformat(), input_dir, out)
    rerun = run_cli(argv, ws, clean_env(tmp_path / "home"))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert rows_of(input_dir / "download_telemetry.csv", DAY)[-1].status == PROCESSED
    # Only the product: the dead run's staging folder and lock file were swept or taken.
    assert_products(out, [DAY])
    assert list((out / ".staging").iterdir()) == []


@pytest.mark.integration
def test_dagster_asset_materialize_stopped_with_sigterm(tmp_path):
    ws, input_dir, out = sample_workspace(tmp_path, [DAY])
    home = dagster_home(tmp_path)
    argv = [tool("dagster"), "asset", "materialize", "-m", "reach_pipeline.definitions"]
    argv += ["--select", "reach_cdf", "--partition", DAY.isoformat()]
    log = tmp_path / "materialize.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen(
            argv,
            cwd=ws,
            env=run_env(tmp_path, home, input_dir, out),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        child = started_processor(input_dir, DAY, 240, alive=proc)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
        seconds = time.monotonic() - sent
    finally:
        kill_if_running(proc, group=True)
    print(f"\ndagster asset materialize: {seconds:.2f} s from SIGTERM to exit (code {code})")
    assert seconds < STOP_BOUND_S
    assert code != 0
    assert not running(child)
    with DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        assert run.status == DagsterRunStatus.FAILURE
    assert_day_left_pending(input_dir, out, 1)
    assert list((out / ".staging").iterdir()) == []  # cleaned by the interrupted run itself
    assert_next_run_completes(tmp_path, ws, input_dir, out)


def launch(client, location: str) -> str:
    return launch_day_run(client, location, "reach_daily_job", DAY.isoformat(), ["reach_cdf"], {})


def run_status(client, run_id: str) -> str:
    return client(RUN_STATUS, {"runId": run_id})["runOrError"]["status"]


def fork_worker_of(child: psutil.Process) -> psutil.Process:
    worker = child.parent()
    assert FORKWORKER in " ".join(worker.cmdline())
    return worker


@pytest.mark.integration
def test_runs_terminated_from_the_ui_or_killed_leave_the_day_resumable(tmp_path):
    ws, input_dir, out = sample_workspace(tmp_path, [DAY])
    home = dagster_home(tmp_path)
    servers = dagster_servers(
        home,
        REPO / "workspace.yaml",
        run_env(tmp_path, home, input_dir, out),
        cwd=REPO,
        log_dir=tmp_path,
        daemon=False,
    )
    with servers:
        web = servers.client
        [location] = [entry["name"] for entry in servers.locations]

        # 1. Terminated from the UI: Dagster interrupts the step inside the run worker.
        run_id = launch(web, location)
        child = started_processor(input_dir, DAY, 240)
        sent = time.monotonic()
        result = web(TERMINATE, {"runId": run_id})["terminateRun"]
        assert result["__typename"] == "TerminateRunSuccess", result
        wait_for("the run to be canceled", lambda: run_status(web, run_id) == "CANCELED", 120)
        seconds = time.monotonic() - sent
        print(f"\nterminated from the UI: {seconds:.2f} s from the request to CANCELED")
        assert seconds < STOP_BOUND_S
        assert not running(child)
        assert_day_left_pending(input_dir, out, 1)
        assert list((out / ".staging").iterdir()) == []

        # 2. The run worker killed with SIGKILL: its fork worker kills the child and exits.
        shutil.rmtree(input_dir / processors.STARTED_DIR)
        launch(web, location)
        child = started_processor(input_dir, DAY, 240)
        worker = fork_worker_of(child)
        run_worker = worker.parent()
        run_worker.send_signal(signal.SIGKILL)
        wait_for(
            "the processor and its fork worker to go",
            lambda: not running(child) and not running(worker),
            timeout_s=60,
        )
        assert_day_left_pending(input_dir, out, 2)
    assert not servers.forced, servers.forced
    assert_next_run_completes(tmp_path, ws, input_dir, out)
