"""An upload range with the S3 endpoint down: one day's retries, then the rest at once.

The real SeaweedFS server is started and stopped. The day that finds the endpoint
unreachable (after its retries) is FAILED; the other days of the invocation are not tried
and stay UPLOAD_PENDING, so a plain rerun uploads them once the server is back. CDFs are
kept. The outage run's duration is printed, never asserted.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from datetime import date, timedelta

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from reach_pipeline.contract.telemetry import FAILED, PROCESSED, UPLOAD_PENDING, UPLOADED
from reach_pipeline.defs.registry import ASSETS, resources
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline_tests.support.s3server import S3Server

from .support import (
    cdf_rel,
    clean_env,
    latest,
    process_argv,
    rows_of,
    run_cli,
    s3_key,
    write_sample_day,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow(45)]

BUCKET = "reach-outage"
# 5 days (one FAILED, four left pending) keep the suite quick; REACH_OUTAGE_TEST_DAYS=30
# gives the 30-day figure
DAYS = [
    date(2025, 6, 1) + timedelta(days=n)
    for n in range(int(os.environ.get("REACH_OUTAGE_TEST_DAYS", "5")))
]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _summary(stdout: str) -> dict[str, int]:
    line = next(x for x in stdout.splitlines() if x.startswith("summary "))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.fixture
def s3(tmp_path):
    """A server of this test alone: it is stopped and started again."""
    server = S3Server(tmp_path / "seaweedfs", BUCKET)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _aws_env(monkeypatch, server: S3Server) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "REACH_S3_BUCKET", "REACH_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def _upload_range(days, input_dir, out, server: S3Server):
    """reach_cdf_s3 over ``days`` in one ranged run (as a backfill runs several days)."""
    settings = ReachSettings(input_dir=str(input_dir), output_dir=str(out))
    s3 = ReachS3(bucket=BUCKET, endpoint_url=server.endpoint_url)
    with DagsterInstance.ephemeral() as instance:
        return materialize(
            ASSETS,
            selection=[AssetKey("reach_cdf_s3")],
            resources=resources(settings, s3),
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": days[0].isoformat(),
                "dagster/asset_partition_range_end": days[-1].isoformat(),
            },
            raise_on_error=False,
        )


def test_a_ranged_run_stops_trying_once_the_endpoint_is_unreachable(tmp_path, s3, monkeypatch):
    days = DAYS[:5]
    input_dir, out = tmp_path / "in", tmp_path / "out"
    for day in days:
        write_sample_day(input_dir, day)
    argv = process_argv(days[0].isoformat(), days[-1].isoformat(), input_dir, out)
    processed = run_cli(argv, tmp_path, clean_env(tmp_path / "home"), timeout_s=600)
    assert processed.returncode == 0, processed.stderr[-3000:]
    cdfs = {day: _digest(out / cdf_rel(day)) for day in days}
    _aws_env(monkeypatch, s3)
    telemetry = input_dir / "download_telemetry.csv"

    s3.stop()
    started = time.monotonic()
    outage = _upload_range(days, input_dir, out, s3)
    took = time.monotonic() - started
    print(f"\nranged upload run of {len(days)} days with the endpoint down: {took:.1f} s")

    assert not outage.success
    [failure] = [e for e in outage.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    for day in days:
        assert f"{day} reach_cdf_s3: EndpointConnectionError" in message, message
    state = latest(telemetry)
    assert state[days[0]].status == FAILED
    assert [state[day].status for day in days[1:]] == [UPLOAD_PENDING] * (len(days) - 1)
    assert {day: _digest(out / cdf_rel(day)) for day in days} == cdfs

    s3.start()
    again = _upload_range(days, input_dir, out, s3)  # a new run tries the endpoint again
    assert again.success
    state = latest(telemetry)
    assert [state[day].status for day in days] == [UPLOADED] * len(days)


@pytest.mark.slow(65)
def test_an_outage_costs_one_days_retries_and_leaves_the_rest_pending(tmp_path, s3):
    ws = tmp_path / "ws"
    input_dir, out = ws / "in", ws / "out"
    for day in DAYS:
        write_sample_day(input_dir, day)
    telemetry = input_dir / "download_telemetry.csv"
    env = clean_env(tmp_path / "home", **s3.client_env())
    argv = process_argv(DAYS[0].isoformat(), DAYS[-1].isoformat(), input_dir, out)
    upload = [*argv, "--upload-to-s3", "--s3-bucket", BUCKET]
    processed = run_cli(argv, ws, env, timeout_s=600)
    assert processed.returncode == 0, processed.stderr[-3000:]
    cdfs = {day: _digest(out / cdf_rel(day)) for day in DAYS}

    s3.stop()
    started = time.monotonic()
    outage = run_cli(upload, ws, env, timeout_s=900)
    took = time.monotonic() - started
    print(f"\nupload run over {len(DAYS)} processed days with the endpoint down: {took:.1f} s")

    assert outage.returncode == 1, outage.stderr[-3000:]
    assert _summary(outage.stdout)["uploaded"] == 0
    assert _summary(outage.stdout)["failed"] == len(DAYS)
    state = latest(telemetry)
    first = state[DAYS[0]]
    assert (first.status, first.error_type) == (FAILED, "EndpointConnectionError")
    assert "cannot reach the S3 endpoint" in first.error_message
    for day in DAYS[1:]:
        # not tried one by one: one UPLOAD_PENDING row, nothing after it
        assert [r.status for r in rows_of(telemetry, day)] == [
            "PROCESS_PENDING",
            PROCESSED,
            UPLOAD_PENDING,
        ], day
        assert state[day].cdf_path, day  # names the CDF: the rerun uploads only
    assert outage.stderr.count("not tried, the endpoint was unreachable") >= len(DAYS) - 1
    assert {day: _digest(out / cdf_rel(day)) for day in DAYS} == cdfs  # CDFs kept

    s3.start()
    rerun = run_cli(upload, ws, env, timeout_s=600)
    # the pending days are picked up by a plain rerun; the FAILED day waits for
    # --retry-failed, as the legacy resume rules say
    assert rerun.returncode == 1, rerun.stderr[-3000:]
    assert _summary(rerun.stdout)["uploaded"] == len(DAYS) - 1
    retry = run_cli([*upload, "--retry-failed"], ws, env, timeout_s=600)
    assert retry.returncode == 0, retry.stderr[-3000:]
    assert _summary(retry.stdout)["uploaded"] == 1

    client = s3.client()
    state = latest(telemetry)
    for day in DAYS:
        assert state[day].status == UPLOADED, day
        body = client.get_object(Bucket=BUCKET, Key=s3_key(day))["Body"].read()
        assert hashlib.sha256(body).hexdigest() == cdfs[day], day
