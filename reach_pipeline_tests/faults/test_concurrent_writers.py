"""The pipeline processes days while the download tool appends to the same telemetry file."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from datetime import date

import pytest

from reach_pipeline.contract.telemetry import (
    DOWNLOAD_PENDING,
    DOWNLOADED,
    PROCESS_PENDING,
    PROCESSED,
    TelemetryLog,
)
from reach_pipeline_tests.support.processes import kill_if_running, python_module

from .support import (
    EXAMPLES,
    REPO,
    cdf_rel,
    clean_env,
    process_argv,
    run_cli,
    strict_records,
    wait_for,
)
from .writer import row_for

DAYS = [date(2025, 9, 1), date(2025, 9, 2), date(2025, 9, 3)]


@pytest.mark.integration
def test_pipeline_and_download_tool_append_concurrently(tmp_path):
    ws = tmp_path / "ws"
    input_dir, out = ws / "in", ws / "out"
    input_dir.mkdir(parents=True)
    for source in EXAMPLES.glob("REACH-ALL_*.csv"):
        shutil.copyfile(source, input_dir / source.name)
    telemetry = input_dir / "download_telemetry.csv"
    stop = tmp_path / "stop-downloading"
    ids_path = tmp_path / "downloader.out"

    with open(ids_path, "wb") as ids_out:
        downloader = subprocess.Popen(
            python_module(
                "reach_pipeline_tests.faults.writer", "download", str(telemetry), "dl", str(stop)
            ),
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=ids_out,
            stderr=subprocess.PIPE,
        )
    try:
        wait_for(
            "the download tool's first rows",
            lambda: ids_path.stat().st_size > 0,
            timeout_s=60,
            alive=downloader,
        )
        start, end = DAYS[0].isoformat(), DAYS[-1].isoformat()
        proc = run_cli(process_argv(start, end, input_dir, out), ws, clean_env(tmp_path / "h"))
        assert downloader.poll() is None, downloader.stderr.read()
    finally:
        stop.touch()
        try:
            downloader.wait(timeout=60)
        finally:
            kill_if_running(downloader)
    assert downloader.returncode == 0, downloader.stderr.read()
    downloader.stderr.close()
    assert proc.returncode == 0, proc.stderr[-3000:]

    lines = ids_path.read_text().splitlines()
    assert lines[-1].startswith("count ")
    written = int(lines[-1].split()[1])
    reported = lines[:-1]
    assert len(reported) == written and written > 0
    assert reported == [f"dl-{i}" for i in range(written)]

    # Every record of the file is a whole 24-column row with a known status.
    records = strict_records(telemetry)
    rows = TelemetryLog(telemetry).rows()
    assert len(rows) == len(records)

    downloads = [r for r in rows if r.run_id.startswith("dl-")]
    pipeline = [r for r in rows if not r.run_id.startswith("dl-")]
    assert [r.run_id for r in downloads] == reported  # all there, once, in order
    for row in downloads:
        n = int(row.run_id.split("-")[1])
        assert row.status == (DOWNLOAD_PENDING if n % 2 == 0 else DOWNLOADED)
        assert row.replace(started_at_utc="") == row_for(row.run_id, row.status).replace(
            error_message="", s3_bucket="", s3_key="", started_at_utc=""
        )
    assert len(downloads) + len(pipeline) == len(rows)

    # The pipeline's rows: exactly PROCESS_PENDING then PROCESSED for each day.
    per_day = Counter((r.chunk_date_utc, r.status) for r in pipeline)
    assert per_day == Counter(
        {(d.isoformat(), s): 1 for d in DAYS for s in (PROCESS_PENDING, PROCESSED)}
    )
    latest = TelemetryLog(telemetry).latest_by_day()
    for day in DAYS:
        assert latest[day].status == PROCESSED
        assert (out / cdf_rel(day)).is_file()
    # The two writers really overlapped: download rows between the pipeline's first and
    # last rows.
    positions = [i for i, r in enumerate(rows) if not r.run_id.startswith("dl-")]
    between = rows[positions[0] : positions[-1]]
    assert any(r.run_id.startswith("dl-") for r in between)
