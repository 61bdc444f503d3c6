"""Two days at once through the command line, against a real persistent instance.

The shipped instances put reach_cdf in a pool of limit 1 with op granularity: a step
waits for a free slot. `dagster asset materialize` runs without the run coordinator, so
the step's own claim is what keeps the days apart.

Limit 1 is tested on the PostgreSQL instance (deploy/dagster-postgres.yaml), where slots
are claimed under row locks. On SQLite the claim is a read then a write that two
processes can interleave: two steps were seen holding the one slot at once on a loaded
machine, so the guarantee is not tested there (the README says what SQLite gives). The
raised limit is tested on the shipped SQLite config: the two days must really overlap.
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
from reach_pipeline_tests.support.dagster_days import (
    cdfs_in,
    day_rows,
    layout_path,
    staging_leftovers,
)
from reach_pipeline_tests.support.data import REPO
from reach_pipeline_tests.support.overlap import MEET, expect
from reach_pipeline_tests.support.postgres import fresh_database, postgres_env, production_home
from reach_pipeline_tests.support.processes import kill_if_running

DAYS = ("2025-09-01", "2025-09-02")
DAGSTER = Path(sys.executable).with_name("dagster")
DEADLINE_S = 240


@pytest.fixture
def postgres_db():
    with fresh_database() as name:
        yield name


def make_home(tmp_path: Path, limit: int, postgres_db: str | None = None) -> Path:
    """A home with the pool limit ``limit``: the shipped SQLite config, or the production
    one on ``postgres_db`` (then the REACH_PG_* variables must be set)."""
    home = tmp_path / "dagster_home"
    pools = {"default_limit": limit, "granularity": "op"}
    if postgres_db is not None:
        production_home(home, pools)
    else:
        home.mkdir()
        config = yaml.safe_load((REPO / "dagster.yaml").read_text())
        config["concurrency"]["pools"] = pools
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
        "REACH_PROCESSOR": MEET,
        # the test processor lives in the test package, which is not installed
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
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
            kill_if_running(proc)
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


def overlapping(intervals) -> bool:
    """Some moment lies inside every interval."""
    starts, ends = zip(*intervals, strict=True)
    return max(starts) < min(ends)


def processed_intervals(input_dir) -> list[tuple[float, float]]:
    processed = processors.recorded_intervals(input_dir)
    assert sorted(p["input"] for p in processed) == sorted(
        p.name for p in input_dir.glob("REACH-ALL_2025090[12]T*.csv")
    )
    return [(p["start"], p["end"]) for p in processed]


@pytest.mark.integration
def test_pool_limit_one_runs_one_day_at_a_time(
    tmp_path, input_dir, output_dir, postgres_db, monkeypatch
):
    for key, value in postgres_env(postgres_db).items():
        monkeypatch.setenv(key, value)
    home = make_home(tmp_path, limit=1, postgres_db=postgres_db)
    # each day waits 5 s for the other inside its slot: a second claim of the one slot
    # in that window would show as an overlap
    expect(input_dir, expected=2, patience_s=5)

    materialize_side_by_side(tmp_path, home, input_dir, output_dir)

    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert_both_days_done(input_dir, output_dir, instance)
        steps = step_intervals(instance)
    assert set(steps) == set(DAYS)
    assert disjoint(steps.values()), steps
    processed = processed_intervals(input_dir)
    assert disjoint(processed), processed


@pytest.mark.integration
def test_raised_limit_processes_two_days_side_by_side(tmp_path, input_dir, output_dir):
    home = make_home(tmp_path, limit=2)
    # each day waits (up to 2 min) for the other: with two slots both are inside at once
    expect(input_dir, expected=2, patience_s=120)

    materialize_side_by_side(tmp_path, home, input_dir, output_dir)

    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.event_log_storage.get_concurrency_info("reach_cdf").slot_count == 2
        assert_both_days_done(input_dir, output_dir, instance)
        steps = step_intervals(instance)
    processed = processed_intervals(input_dir)
    assert overlapping(processed), processed
    assert overlapping(steps.values()), steps
