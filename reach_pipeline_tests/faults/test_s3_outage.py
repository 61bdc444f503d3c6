"""The S3 server goes away in the middle of a multi-day upload run and comes back."""

from __future__ import annotations

import os
import signal
from datetime import date

import pytest

from reach_pipeline.contract.telemetry import FAILED, UPLOAD_PENDING, UPLOADED
from reach_pipeline_tests.support.data import S3_BUCKET
from reach_pipeline_tests.support.processes import kill_if_running

from .support import (
    cdf_rel,
    clean_env,
    day_file_name,
    latest,
    make_synthetic_day,
    process_argv,
    rows_of,
    run_cli,
    s3_key,
    sample_workspace,
    start_cli,
    strict_records,
    wait_for,
    write_sample_day,
)

DAYS = [date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 3)]


def _status_is(telemetry, day, status) -> bool:
    row = latest(telemetry).get(day)
    return row is not None and row.status == status


def _server_running(server) -> bool:
    return server.process is not None and server.process.poll() is None


@pytest.mark.integration
@pytest.mark.slow(45)
def test_upload_run_survives_s3_outage(tmp_path, s3_server, s3_client):
    ws, input_dir, out = sample_workspace(tmp_path, DAYS[:1])
    # A bigger second day: a few more moments between the first day's upload and its own.
    make_synthetic_day(input_dir / day_file_name(DAYS[1]), DAYS[1], seed=3, rows_fraction=0.05)
    write_sample_day(input_dir, DAYS[2])
    for day in DAYS:  # keys of this test alone on the shared server
        s3_client.delete_object(Bucket=S3_BUCKET, Key=s3_key(day))
    telemetry = input_dir / "download_telemetry.csv"
    env = clean_env(tmp_path / "home", **s3_server.client_env())
    # The L1C's upload is what this test is about (the L2's would meet the outage first).
    upload = ("--no-geomap", "--upload-to-s3", "--s3-bucket", S3_BUCKET)
    argv = process_argv(DAYS[0].isoformat(), DAYS[-1].isoformat(), input_dir, out, *upload)

    stderr_path = tmp_path / "run.stderr"
    cli = start_cli(argv, ws, env, stderr_path)
    try:
        wait_for(
            "the first day UPLOADED",
            lambda: _status_is(telemetry, DAYS[0], UPLOADED),
            timeout_s=120,
            every_s=0.01,
            alive=cli,
        )
        # Hold the run still while the server shuts down, so the outage meets the second
        # day's upload (and not a half-stopped server).
        os.killpg(cli.pid, signal.SIGSTOP)
        try:
            assert UPLOAD_PENDING not in [r.status for r in rows_of(telemetry, DAYS[1])]
            s3_server.stop()
        finally:
            os.killpg(cli.pid, signal.SIGCONT)

        def retried_or_failed() -> bool:
            statuses = [r.status for r in rows_of(telemetry, DAYS[1])]
            return statuses.count(UPLOAD_PENDING) >= 2 or FAILED in statuses

        # The upload is tried again after 2, 4, 8, 16 s; out of tries, the day is FAILED.
        wait_for("a retried or failed upload", retried_or_failed, timeout_s=120, alive=cli)
        s3_server.start()
        cli.wait(timeout=240)
    finally:
        kill_if_running(cli, group=True)
        if not _server_running(s3_server):  # other tests share the server
            s3_server.start()

    outage_statuses = [r.status for r in rows_of(telemetry, DAYS[1])]
    assert outage_statuses.count(UPLOAD_PENDING) >= 2 or FAILED in outage_statuses
    if cli.returncode != 0:
        # Out of retries: the operator's path, upload-only for a day whose CDF is there.
        proc = run_cli([*argv, "--retry-failed"], ws, env)
        assert proc.returncode == 0, proc.stderr[-3000:]
    else:
        assert FAILED not in outage_statuses, stderr_path.read_text()[-3000:]

    strict_records(telemetry)
    state = latest(telemetry)
    for day in DAYS:
        row = state[day]
        assert row.status == UPLOADED, row
        assert (row.s3_bucket, row.s3_key) == (S3_BUCKET, s3_key(day))
        local = (out / cdf_rel(day)).read_bytes()
        remote = s3_client.get_object(Bucket=S3_BUCKET, Key=s3_key(day))["Body"].read()
        assert remote == local, day
