"""The machine's faults on real file systems: a full output disk, a full telemetry disk, a
read-only product folder (small tmpfs mounts in a private mount namespace, root only).

Each is said as such (its own error type, one line naming what happened and where), stops
the run at the first day it hits, leaves the later days untouched, and a plain rerun after
the fault is fixed completes them. The command line and a Dagster ranged run alike.
"""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, AssetPartitionStatus, DagsterEventType, DagsterInstance

from reach_pipeline.contract.telemetry import FAILED, PROCESS_PENDING, PROCESSED, TelemetryLog
from reach_pipeline.defs.partitions import daily_partitions
from reach_pipeline_tests.faults.support import (
    REPO,
    clean_env,
    console_script,
    started_processor,
    write_sample_day,
)
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.cli_workspace import (
    counts,
    only_counts,
    parse_summary,
    progress_lines,
)
from reach_pipeline_tests.support.private_mounts import PrivateMounts
from reach_pipeline_tests.support.processes import kill_if_running, python_module

pytestmark = [pytest.mark.integration, pytest.mark.slow(10)]

DAYS = [date(2025, 10, 1) + timedelta(days=k) for k in range(3)]
D1, D2, D3 = (d.isoformat() for d in DAYS)
# A sample day's CDF takes 11 pages, its lock one: this much free space holds the first
# day and not the second.
ROOM_FOR_ONE_DAY = 60 * 1024
AGAIN = "then run the same command again"


@pytest.fixture
def mounts():
    with PrivateMounts() as private:
        yield private


class Site:
    """An operator's folders (``in/`` with three days, ``out/``, ``tele/``) and the
    environment naming them."""

    def __init__(self, root: Path, telemetry: str = "in/download_telemetry.csv"):
        self.root = root
        self.input_dir, self.out, self.tele = root / "in", root / "out", root / "tele"
        for folder in (self.out, self.tele):
            folder.mkdir(parents=True)
        for day in DAYS:
            write_sample_day(self.input_dir, day)
        self.telemetry = root / telemetry
        self.env = clean_env(
            root / "home",
            REACH_INPUT_DIR="in",
            REACH_OUTPUT_DIR="out",
            REACH_TELEMETRY_PATH=telemetry,
            PYTHONPATH=str(REPO),
        )

    def process(self, mounts: PrivateMounts) -> tuple[int, str, str]:
        """``reach-pipeline process`` over the three days, in the namespace."""
        argv = [*console_script(), "process", "--start-date", D1, "--end-date", D3]
        proc = subprocess.run(
            mounts.command([*argv, "--no-geomap"], cwd=self.root),
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return proc.returncode, proc.stdout, proc.stderr

    def rows(self, mounts: PrivateMounts, day: str):
        rows = TelemetryLog(mounts.seen(self.telemetry)).rows()
        return [r for r in rows if r.chunk_date_utc == day]

    def products(self, mounts: PrivateMounts) -> list[str]:
        """The CDFs in the layout, and anything left in staging."""
        out = mounts.seen(self.out)
        found = [p.name for p in (out / "l1c").rglob("*.cdf")]
        staging = out / ".staging"
        return sorted(found + ([p.name for p in staging.iterdir()] if staging.exists() else []))


def cdf_name(day: str) -> str:
    return f"reach_all_l1c_prelim_{day.replace('-', '')}T000000_v1.0.0.cdf"


def assert_said_once(err: str, line: str) -> None:
    """The operator's line is the last on stderr, after the days' progress, and the only
    one saying what happened: no Dagster error, no stack trace."""
    lines = err.strip().splitlines()
    assert lines[-1] == line, err
    assert len(lines) == len(progress_lines(err)) + 1, err
    assert "Error occurred while executing" not in err and "Traceback" not in err


def test_a_full_output_disk_stops_the_run_at_the_day_it_hits(tmp_path, mounts):
    site = Site(tmp_path / "ws")
    mounts.tmpfs(site.out, "1m")
    filler = mounts.fill(site.out, leave_bytes=ROOM_FOR_ONE_DAY)

    code, out, err = site.process(mounts)

    assert code == 2, err
    assert progress_lines(err) == [(D1, PROCESSED), (D2, FAILED)]
    assert_said_once(
        err,
        f"reach-pipeline: error: No space left on device: {site.out} "
        f"(--output-dir / REACH_OUTPUT_DIR); stopped at {D2} (1 later day(s) not started): "
        f"free space, {AGAIN}",
    )
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=1, failed=1)
    failed = site.rows(mounts, D2)
    assert [r.status for r in failed] == [PROCESS_PENDING, FAILED]
    assert (failed[-1].error_type, failed[-1].error_message) == (
        "DiskFull",
        f"No space left on device: {site.out}",
    )
    assert site.rows(mounts, D3) == []  # untouched
    assert site.products(mounts) == [cdf_name(D1)]  # nothing partial

    filler.unlink()
    code, out, err = site.process(mounts)

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=2, skipped_existing=1)
    for day in (D2, D3):
        assert site.rows(mounts, day)[-1].status == PROCESSED
    assert site.products(mounts) == [cdf_name(d) for d in (D1, D2, D3)]


def test_a_full_telemetry_disk_is_said_once_and_stops_the_run(tmp_path, mounts):
    site = Site(tmp_path / "ws", telemetry="tele/download_telemetry.csv")
    mounts.tmpfs(site.tele, "64k")
    filler = mounts.fill(site.tele)

    code, out, err = site.process(mounts)

    assert code == 2, err
    assert progress_lines(err) == [(D1, FAILED)]
    assert_said_once(
        err,
        f"reach-pipeline: error: No space left on device: {site.telemetry} "
        f"(--telemetry-file / REACH_TELEMETRY_PATH); stopped at {D1} "
        f"(2 later day(s) not started): free space, {AGAIN}",
    )
    assert only_counts(parse_summary(out)) == counts(planned=3, failed=1)
    assert TelemetryLog(mounts.seen(site.telemetry)).rows() == []
    assert site.products(mounts) == []  # no day was processed without its rows

    filler.unlink()
    code, out, err = site.process(mounts)

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=3)
    assert [site.rows(mounts, d)[-1].status for d in (D1, D2, D3)] == [PROCESSED] * 3


def test_a_telemetry_disk_turned_read_only_mid_run_stops_the_run(tmp_path, mounts):
    """The telemetry's disk is remounted read-only while the first day's processor runs
    (the gated processor waits for the test; no file of that disk is open then): the day's
    PROCESSED row cannot be written, the run stops there, the day stays PROCESS_PENDING and
    the later days untouched; once it is read-write again, a plain rerun completes all."""
    site = Site(tmp_path / "ws", telemetry="tele/download_telemetry.csv")
    site.env.update(REACH_PROCESSOR=processors.GATED)
    mounts.tmpfs(site.tele, "1m")
    argv = [*console_script(), "process", "--start-date", D1, "--end-date", D3, "--no-geomap"]
    proc = subprocess.Popen(
        mounts.command(argv, cwd=site.root),
        env=site.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started_processor(site.input_dir, DAYS[0], timeout_s=120, alive=proc)
        mounts.remount(site.tele, read_only=True)
        processors.release_processors(site.input_dir)
        out, err = proc.communicate(timeout=300)
    finally:
        kill_if_running(proc)

    assert proc.returncode == 2, err
    assert progress_lines(err) == [(D1, FAILED)]
    assert_said_once(
        err,
        f"reach-pipeline: error: Read-only file system: {site.telemetry} "
        f"(--telemetry-file / REACH_TELEMETRY_PATH); stopped at {D1} "
        f"(2 later day(s) not started): make it writable (remount it read-write), {AGAIN}",
    )
    assert [r.status for r in site.rows(mounts, D1)] == [PROCESS_PENDING]
    assert site.rows(mounts, D2) == site.rows(mounts, D3) == []

    mounts.remount(site.tele, read_only=False)
    code, out, err = site.process(mounts)

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=3)
    assert [site.rows(mounts, d)[-1].status for d in (D1, D2, D3)] == [PROCESSED] * 3


def test_an_output_folder_read_only_from_the_start_is_an_operators_line(tmp_path, mounts):
    """Found before any day: the preflight's one line (exit 2, no row), saying why."""
    site = Site(tmp_path / "ws")
    mounts.tmpfs(site.out, "1m", read_only=True)

    code, out, err = site.process(mounts)

    assert (code, out) == (2, ""), err
    assert err.strip() == (
        f"reach-pipeline: error: --output-dir / REACH_OUTPUT_DIR: out ({site.out}) is on a "
        "read-only file system: remount it read-write, or choose a writable folder"
    )
    assert not site.telemetry.exists()


def test_a_ranged_run_stops_at_the_first_day_a_full_disk_hits(tmp_path, mounts, monkeypatch):
    """What the backfill daemon launches for a range, in the namespace: the first day is
    materialized, the second fails with the disk's fault, the third is not started."""
    site = Site(tmp_path / "ws")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**site.env, "DAGSTER_HOME": str(home)}
    mounts.tmpfs(site.out, "1m")
    filler = mounts.fill(site.out, leave_bytes=ROOM_FOR_ONE_DAY)

    def ranged_run() -> str:
        argv = python_module("reach_pipeline_tests.support.ranged_run", D1, D3)
        proc = mounts.run(argv, cwd=site.root, env=env, capture_output=True, text=True)
        return proc.stdout.strip().splitlines()[-1]

    run_id = ranged_run()

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = DagsterInstance.get()
    reach_cdf = AssetKey("reach_cdf")
    status = instance.get_status_by_partition(reach_cdf, [D1, D2, D3], daily_partitions)
    assert status[D1] == AssetPartitionStatus.MATERIALIZED
    assert status[D2] == AssetPartitionStatus.FAILED
    [failure] = [
        e.dagster_event for e in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)
    ]
    user = failure.step_failure_data.user_failure_data
    assert user.description == f"{D2} reach_cdf: DiskFull: No space left on device: {site.out}"
    metadata = {key: value.value for key, value in user.metadata.items()}
    assert metadata["machine_fault"] == (
        f"No space left on device: {site.out} (--output-dir / REACH_OUTPUT_DIR)"
    )
    assert metadata["not_started"] == D3
    assert site.rows(mounts, D2)[-1].error_type == "DiskFull"
    assert site.rows(mounts, D3) == []

    filler.unlink()
    ranged_run()
    status = instance.get_status_by_partition(reach_cdf, [D1, D2, D3], daily_partitions)
    assert set(status.values()) == {AssetPartitionStatus.MATERIALIZED}
    assert [site.rows(mounts, d)[-1].status for d in (D2, D3)] == [PROCESSED] * 2
