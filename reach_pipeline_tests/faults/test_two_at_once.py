"""Two processes on the same days: one day, one process. The second one skips a day the
first holds (or has done since the second planned it), says so, and does not fail."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED, TelemetryLog
from reach_pipeline.defs.events import NOT_RUN_HERE
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.registry import resources as registered_resources
from reach_pipeline.defs.resources import ReachSettings, day_log
from reach_pipeline.runner.isolation import STAGING_DIR, day_lock_path
from reach_pipeline.settings import resolve_settings
from reach_pipeline.steps.l1c import run_l1c
from reach_pipeline.steps.outcome import Status
from reach_pipeline_tests.runner.lock_holder import Holder
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.cli_workspace import parse_summary
from reach_pipeline_tests.support.processes import kill_if_running

from .support import (
    EXAMPLES,
    assert_products,
    day_file_name,
    gated_env,
    process_argv,
    rows_of,
    sample_workspace,
    strict_records,
    wait_for,
)

DAYS = [date(2026, 4, 1) + timedelta(days=i) for i in range(5)]
DAY = date(2025, 9, 2)
LOCKED, MATERIALIZED = Status.LOCKED, Status.MATERIALIZED
SAMPLE = "REACH-ALL_20250902T000000_20250903T000000.csv"
PROGRESS = re.compile(r"(\d{4}-\d\d-\d\d) (\w+) \(\d+/\d+")


@pytest.fixture
def held():
    """``held(path)``: another process holding that lock until ``.release()``."""
    procs: list[Holder] = []

    def hold(path: Path) -> Holder:
        procs.append(Holder(path))
        assert procs[-1].said.startswith("held")
        return procs[-1]

    yield hold
    for holder in procs:
        holder.close()


@pytest.fixture
def one_day(tmp_path):
    input_dir, out = tmp_path / "in", tmp_path / "out"
    input_dir.mkdir()
    shutil.copy(EXAMPLES / SAMPLE, input_dir / SAMPLE)
    settings = resolve_settings({"input_dir": input_dir, "output_dir": out}, environ={})
    return settings


# ------------------------------------------------------------------ the step


def test_a_day_another_process_holds_is_left_to_it(one_day, held):
    holder = held(day_lock_path(one_day.output_dir, DAY))

    outcome = run_l1c(one_day, DAY, day_log(one_day, "second"), baseline=0)

    assert outcome.status == LOCKED
    assert "another process holds its lock" in outcome.reason
    assert f"{holder.proc.pid}" in outcome.reason  # who holds it
    assert TelemetryLog(one_day.telemetry_path).rows() == []  # no row: not this run's day
    assert holder.release() == 0
    assert run_l1c(one_day, DAY, day_log(one_day, "second"), baseline=0).status == MATERIALIZED


@pytest.mark.parametrize(
    ("writer", "after_baseline", "expected"),
    [
        ("another-run", True, LOCKED),  # another process did it since this run planned it
        ("another-run", False, MATERIALIZED),  # known when this run planned it: do as planned
        ("this-run", True, MATERIALIZED),  # this run's own earlier stage
    ],
)
def test_a_day_done_elsewhere_since_the_plan_is_left(one_day, writer, after_baseline, expected):
    log = TelemetryLog(one_day.telemetry_path)
    other = day_log(one_day, writer)
    if not after_baseline:
        other.process_pending(DAY)
        other.processed(DAY, cdf=_columns())
    baseline = len(log.rows())
    if after_baseline:
        other.process_pending(DAY)
        other.processed(DAY, cdf=_columns())

    written = len(log.rows())

    outcome = run_l1c(one_day, DAY, day_log(one_day, "this-run"), baseline=baseline)

    assert outcome.status == expected
    if expected == LOCKED:
        assert f"run {writer} wrote PROCESSED for it since this run planned it" in outcome.reason
        assert len(log.rows()) == written  # nothing from this run
    assert list((one_day.output_dir / STAGING_DIR).iterdir()) == []


def _columns():
    from reach_pipeline.contract.daylog import CdfColumns

    return CdfColumns("out/x.cdf", 1, 0.5)


def test_a_locked_day_is_neither_materialized_nor_failed_in_dagster(one_day, held):
    holder = held(day_lock_path(one_day.output_dir, DAY))
    settings = ReachSettings(input_dir=str(one_day.input_dir), output_dir=str(one_day.output_dir))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [*ASSETS],
            selection=[AssetKey("reach_cdf")],
            partition_key=DAY.isoformat(),
            resources=registered_resources(settings),
            instance=instance,
            raise_on_error=False,
        )
    assert holder.release() == 0
    assert result.success
    assert result.get_asset_materialization_events() == []
    [observation] = result.asset_observations_for_node("reach_day")
    assert observation.asset_key == AssetKey("reach_cdf")
    assert observation.partition == DAY.isoformat()
    assert "another process holds its lock" in observation.metadata[NOT_RUN_HERE].value
    assert TelemetryLog(one_day.telemetry_path).rows() == []


# ------------------------------------------------------------------ two command lines


def outcomes(stderr: str) -> dict[date, str]:
    """Day -> outcome from the command line's progress lines (not a terminal: one a day)."""
    return {
        date.fromisoformat(m[1]): m[2]
        for m in (PROGRESS.match(line) for line in stderr.splitlines())
        if m
    }


def skipped_locked(stdout: str) -> list[date]:
    lines = [line for line in stdout.splitlines() if line.startswith("skipped_locked ")]
    if not lines:
        return []
    [line] = lines
    return [date.fromisoformat(d) for d in line.removeprefix("skipped_locked days=").split(",")]


@pytest.mark.integration
def test_two_command_lines_on_the_same_days_process_each_day_once(tmp_path):
    ws, input_dir, out = sample_workspace(tmp_path, DAYS)
    telemetry = input_dir / "download_telemetry.csv"
    env = gated_env(tmp_path / "home")
    argv = process_argv(DAYS[0].isoformat(), DAYS[-1].isoformat(), input_dir, out)

    clis = []
    for name in ("a", "b"):
        stdout, stderr = (
            (tmp_path / f"{name}.stdout").open("w"),
            (tmp_path / f"{name}.stderr").open("w"),
        )
        clis.append(
            (
                subprocess.Popen(
                    argv, cwd=ws, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
                ),
                stdout,
                stderr,
            )
        )
    try:
        # One holds the first day (its processor waits); the other, refused that day, goes
        # on to the second: both are in a day at once. Then every day is let through.
        for day in DAYS[:2]:
            wait_for(
                f"a processor on {day}",
                lambda day=day: day_file_name(day) in processors.started_processors(input_dir),
                timeout_s=240,
            )
        processors.release_processors(input_dir)
        codes = [proc.wait(timeout=300) for proc, _, _ in clis]
    finally:
        for proc, stdout, stderr in clis:
            kill_if_running(proc)
            stdout.close()
            stderr.close()

    reports = [
        ((tmp_path / f"{n}.stdout").read_text(), (tmp_path / f"{n}.stderr").read_text())
        for n in ("a", "b")
    ]
    assert codes == [0, 0], reports
    processed: list[set[date]] = []
    for stdout, stderr in reports:
        summary = parse_summary(stdout)
        done = {d for d, outcome in outcomes(stderr).items() if outcome == PROCESSED}
        skipped = skipped_locked(stdout)
        print(f"processed {sorted(map(str, done))}, skipped_locked {list(map(str, skipped))}")
        assert summary["processed"] == len(done) and summary["failed"] == 0
        assert summary["skipped_existing"] == 0  # both planned all five days
        assert sorted(done | set(skipped)) == DAYS and not done & set(skipped)
        assert {d for d, o in outcomes(stderr).items() if o == "SKIPPED_LOCKED"} == set(skipped)
        processed.append(done)
    assert not processed[0] & processed[1] and processed[0] | processed[1] == set(DAYS)
    assert processed[0] and processed[1]  # both were busy at once (days 1 and 2)

    # Each day processed exactly once: one run of the processor, one pair of rows.
    runs = Counter(r["input"] for r in processors.recorded_intervals(input_dir))
    assert runs == Counter({day_file_name(d): 1 for d in DAYS})
    strict_records(telemetry)
    for day in DAYS:
        assert [r.status for r in rows_of(telemetry, day)] == [PROCESS_PENDING, PROCESSED]
    assert_products(out, DAYS)
