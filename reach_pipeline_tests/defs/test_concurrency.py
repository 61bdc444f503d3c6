"""Two days at once through the command line, against a real persistent instance.

The shipped instance puts reach_cdf in a pool of limit 1 (run granularity: the queued run
coordinator starts one day's run at a time, as a UI backfill does). `dagster asset
materialize` runs without the coordinator, so these instances use op granularity, which
holds the step itself until the pool has a free slot: the same limit, enforced where a
command-line run can see it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED
from reach_pipeline_tests.support import processors

from .conftest import REPO, cdfs_in, day_rows, layout_path, staging_leftovers

DAYS = ("2025-09-01", "2025-09-02")
DAGSTER = Path(sys.executable).with_name("dagster")
DEADLINE_S = 240


def make_home(tmp_path: Path, limit: int) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    config["concurrency"]["pools"] = {"default_limit": limit, "granularity": "op"}
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    # Create the storage and the pool's slots now, as `dagster dev` would have: two
    # processes doing both at once on a fresh SQLite home race each other (duplicate
    # tables, or a slot allocated twice).
    with DagsterInstance.from_config(str(home)) as instance:
        instance.event_log_storage.initialize_concurrency_limit_to_default("reach_cdf")
        info = instance.event_log_storage.get_concurrency_info("reach_cdf")
        assert (info.limit, info.slot_count) == (limit, limit)
    return home


def materialize_side_by_side(tmp_path, home, input_dir, output_dir) -> None:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "REACH_INPUT_DIR": str(input_dir),
        "REACH_OUTPUT_DIR": str(output_dir),
        "REACH_PROCESSOR": processors.RECORDING,
    }
    procs = []
    for day in DAYS:
        log = (tmp_path / f"materialize-{day}.log").open("w")
        command = [str(DAGSTER), "asset", "materialize", "-m", "reach_pipeline.definitions"]
        command += ["--select", "reach_cdf", "--partition", day]
        procs.append(
            (
                day,
                subprocess.Popen(
                    command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
        )
    try:
        for day, proc, log in procs:
            code = proc.wait(timeout=DEADLINE_S)
            log.close()
            output = (tmp_path / f"materialize-{day}.log").read_text()
            assert code == 0, f"{day} exited {code}:\n{output[-4000:]}"
    finally:
        for _, proc, log in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()


def step_intervals(instance: DagsterInstance) -> dict[str, tuple[float, float]]:
    """reach_day's STEP_START .. STEP_SUCCESS, per partition, from the event log."""
    intervals = {}
    for run in instance.get_runs():
        assert run.status == DagsterRunStatus.SUCCESS
        records = instance.all_logs(
            run.run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS}
        )
        times = {
            r.dagster_event.event_type: r.timestamp for r in records if r.step_key == "reach_day"
        }
        intervals[run.tags["dagster/partition"]] = (
            times[DagsterEventType.STEP_START],
            times[DagsterEventType.STEP_SUCCESS],
        )
    return intervals


def assert_both_days_done(input_dir, output_dir, instance) -> None:
    runs = {run.tags["dagster/partition"]: run.run_id for run in instance.get_runs()}
    assert set(runs) == set(DAYS)
    assert cdfs_in(output_dir) == [layout_path(output_dir, day) for day in DAYS]
    assert staging_leftovers(output_dir) == []
    telemetry = input_dir / "download_telemetry.csv"
    for day in DAYS:
        rows = day_rows(telemetry, day)
        assert [r.status for r in rows] == [PROCESS_PENDING, PROCESSED], day
        assert {r.run_id for r in rows} == {runs[day]}
        assert rows[1].cdf_path == str(layout_path(output_dir, day))


def disjoint(intervals) -> bool:
    (_, first_end), (second_start, _) = sorted(intervals)
    return first_end <= second_start


@pytest.mark.integration
def test_pool_limit_one_runs_one_day_at_a_time(tmp_path, input_dir, output_dir):
    home = make_home(tmp_path, limit=1)

    materialize_side_by_side(tmp_path, home, input_dir, output_dir)

    with DagsterInstance.from_config(str(home)) as instance:
        assert_both_days_done(input_dir, output_dir, instance)
        steps = step_intervals(instance)
    assert set(steps) == set(DAYS)
    assert disjoint(steps.values()), steps
    processed = processors.recorded_intervals(input_dir)
    assert len(processed) == 2
    assert disjoint((p["start"], p["end"]) for p in processed), processed


@pytest.mark.integration
def test_raised_limit_processes_two_days_side_by_side(tmp_path, input_dir, output_dir):
    home = make_home(tmp_path, limit=2)

    materialize_side_by_side(tmp_path, home, input_dir, output_dir)

    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.event_log_storage.get_concurrency_info("reach_cdf").slot_count == 2
        assert_both_days_done(input_dir, output_dir, instance)
    assert len(processors.recorded_intervals(input_dir)) == 2
