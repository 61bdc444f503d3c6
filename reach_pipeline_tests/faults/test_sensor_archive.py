"""The input sensor under the real daemon next to an archive: no flood.

A fresh instance, 200 day files (half of them done per the telemetry): the daemon's first
ticks launch no run. Then one new day file, one re-downloaded done day, and one done day
whose file comes back unchanged: exactly two runs, for the first two.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dagster import DagsterRunStatus

from reach_pipeline.contract.telemetry import (
    PROCESS_PENDING,
    PROCESSED,
    UPLOADED,
    TelemetryLog,
    TelemetryRow,
)
from reach_pipeline_tests.support.dagster_servers import ServerGroup
from reach_pipeline_tests.support.days import days_from
from reach_pipeline_tests.support.instance_reads import create_storage, day_runs, ticks_after
from reach_pipeline_tests.support.processes import tool

from .support import REPO, clean_env, rows_of, write_sample_day

pytestmark = [pytest.mark.integration, pytest.mark.slow(30)]

FIRST = date(2024, 1, 1)
ARCHIVE = days_from(FIRST, 200)
DONE = ARCHIVE[::2]  # every second day: UPLOADED by another tool
NEW_DAY = ARCHIVE[-1] + timedelta(days=1)  # appears after the baseline
REDOWNLOADED = DONE[10]  # done, then its file is downloaded again
COMES_BACK = ARCHIVE[-1] + timedelta(days=2)  # done; its file appears later, unchanged
FILES_WRITTEN = datetime(2024, 12, 1, tzinfo=UTC)  # before the telemetry's rows
ROWS_STARTED = datetime(2025, 1, 2, tzinfo=UTC)
SENSOR = "reach_input_sensor"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def _set_mtime(path: Path, when: datetime) -> None:
    ns = int(when.timestamp() * 1e9)
    os.utime(path, ns=(ns, ns))


def _archive(input_dir: Path, spare: Path) -> Path:
    for day in ARCHIVE:
        _set_mtime(write_sample_day(input_dir, day), FILES_WRITTEN)
    # the day that comes back later waits outside the input folder, its mtime kept
    back = write_sample_day(spare, COMES_BACK)
    _set_mtime(back, FILES_WRITTEN)
    telemetry = TelemetryLog(input_dir / "download_telemetry.csv")
    for day in [*DONE, COMES_BACK]:
        telemetry.append(
            TelemetryRow(
                run_id="legacy-run",
                chunk_date_utc=day.isoformat(),
                status=UPLOADED,
                started_at_utc=ROWS_STARTED.isoformat(),
                finished_at_utc=ROWS_STARTED.isoformat(),
                s3_bucket="legacy-bucket",
                s3_key=f"l1c/prelim/{day:%Y/%m/%d}/x.cdf",
            )
        )
    return back


def test_daemon_next_to_an_archive_runs_only_new_and_changed_days(tmp_path):
    input_dir, output_dir, home = tmp_path / "in", tmp_path / "out", tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    create_storage(home)
    comes_back = _archive(input_dir, tmp_path / "spare")
    env = clean_env(
        tmp_path / "home",
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(output_dir),
        REACH_PARTITIONS_START=FIRST.isoformat(),
        REACH_INPUT_SENSOR_INTERVAL_S="2",
    )
    # the daemon alone, stopped as an operator would (SIGTERM, then SIGINT, to it alone):
    # SIGKILL for anything left means it did not stop its own runs
    group = ServerGroup(home, REPO / "workspace.yaml", env, cwd=tmp_path, log_dir=tmp_path)
    t0 = time.monotonic()
    with group:
        daemon = group.start(
            "daemon",
            [tool("dagster-daemon"), "run", "-m", "reach_pipeline.definitions"],
            signal_group=False,
            stop_signals=(signal.SIGTERM, signal.SIGINT),
        )
        ticks = group.wait("three ticks of the input sensor", ticks_after(home, SENSOR, 3), 240)
        print(f"three sensor ticks {time.monotonic() - t0:.1f} s after the daemon started")
        baseline = ticks[0]
        assert baseline.status.value == "SKIPPED", baseline
        assert "baseline of 200 day file(s)" in baseline.skip_reason
        assert set(json.loads(ticks[-1].cursor)) == {d.isoformat() for d in ARCHIVE}
        assert all(not t.run_ids for t in ticks)
        assert day_runs(home) == []

        seen = len(ticks)
        write_sample_day(input_dir, NEW_DAY)
        redownloaded = next(input_dir.glob(f"REACH-ALL_{REDOWNLOADED:%Y%m%d}T*"))
        with redownloaded.open("a") as fh:  # another size, a modification time of now
            fh.write(redownloaded.read_text().splitlines()[1] + "\n")
        shutil.copy2(comes_back, input_dir / comes_back.name)

        def two_runs_finished():
            runs = day_runs(home)
            return runs if len(runs) >= 2 and {r.status for r in runs} <= FINISHED else None

        runs = group.wait("the two runs to finish", two_runs_finished, 300)
        # two more ticks after the runs ended: still exactly the two runs
        group.wait("two more ticks", ticks_after(home, SENSOR, 2, seen + 1), 120)
        runs = day_runs(home)
    print(f"daemon stopped; none of its {group.processes_seen()} processes seen is left")
    assert not group.forced, f"still running after the daemon shut down (killed): {group.forced}"

    assert sorted(r.tags["dagster/partition"] for r in runs) == sorted(
        [NEW_DAY.isoformat(), REDOWNLOADED.isoformat()]
    )
    assert all(r.status == DagsterRunStatus.SUCCESS for r in runs), daemon.log
    telemetry = input_dir / "download_telemetry.csv"
    for day in (NEW_DAY, REDOWNLOADED):
        statuses = [r.status for r in rows_of(telemetry, day)]
        assert statuses[-2:] == [PROCESS_PENDING, PROCESSED], (day, statuses)
    assert [r.status for r in rows_of(telemetry, COMES_BACK)] == [UPLOADED]
    for day in ARCHIVE:
        if day != REDOWNLOADED:
            assert PROCESSED not in [r.status for r in rows_of(telemetry, day)], day
