"""reach_cdf_s3 against a real S3 server: upload, idempotence, refusals, an outage."""

import threading
import time

import pytest
from dagster import DagsterEventType, DagsterInstance

from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.defs.resources import ReachS3
from reach_pipeline_tests.support.materialize import materialization, materialize
from reach_pipeline_tests.support.s3_resources import BUCKET, resources_for

pytestmark = pytest.mark.integration

L1C_AND_UPLOAD = ["reach_cdf", "reach_cdf_s3"]
KEY_0902 = "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"


def _run(workdir, s3, day, instance, selection=L1C_AND_UPLOAD):
    return materialize(selection, day, resources_for(workdir, s3), instance)


def _rows(workdir, day):
    return [
        r
        for r in TelemetryLog(workdir / "in" / "download_telemetry.csv").rows()
        if r.chunk_date_utc == day
    ]


def _event_types(instance, run_id):
    return [e.dagster_event.event_type for e in instance.all_logs(run_id) if e.dagster_event]


def test_upload_then_idempotent(workdir, s3_client, aws_env):
    s3 = ReachS3(bucket=BUCKET, endpoint_url=aws_env.endpoint_url)
    with DagsterInstance.ephemeral() as instance:
        first = _run(workdir, s3, "2025-09-02", instance)
        assert first.success
        local = workdir / "out" / KEY_0902
        body = s3_client.get_object(Bucket=BUCKET, Key=KEY_0902)["Body"].read()
        assert body == local.read_bytes()
        meta = materialization(first, "reach_cdf_s3").metadata
        assert meta["skipped_existing"].value is False
        assert meta["uri"].value == f"s3://{BUCKET}/{KEY_0902}"
        assert meta["size_bytes"].value == local.stat().st_size

        rows = _rows(workdir, "2025-09-02")
        statuses = [r.status for r in rows]
        assert statuses == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "UPLOADED"]
        uploaded = rows[-1]
        assert (uploaded.s3_bucket, uploaded.s3_key) == (BUCKET, KEY_0902)
        assert uploaded.cdf_path == str(local) and uploaded.upload_seconds
        assert uploaded.run_id == first.run_id

        # Again: the object is there with the same bytes, so it is not sent again.
        etag = s3_client.head_object(Bucket=BUCKET, Key=KEY_0902)["ETag"]
        second = _run(workdir, s3, "2025-09-02", instance, selection=["reach_cdf_s3"])
        assert second.success
        meta = materialization(second, "reach_cdf_s3").metadata
        assert meta["skipped_existing"].value is True
        assert s3_client.head_object(Bucket=BUCKET, Key=KEY_0902)["ETag"] == etag
        assert _rows(workdir, "2025-09-02")[-1].status == "UPLOADED"


@pytest.mark.parametrize(
    "case, phrase",
    [
        # A HEAD response has no body, so the server's refusal is a bare 403 either way.
        ("wrong-secret", "check the credentials"),
        ("wrong-key", "check the credentials"),
        ("missing-bucket", "NoSuchBucket"),
    ],
)
def test_permanent_errors_fail_at_once(workdir, aws_env, monkeypatch, case, phrase):
    bucket = BUCKET
    if case == "wrong-secret":
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    elif case == "wrong-key":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "NOSUCHKEY")
    else:
        bucket = "reach-no-such-bucket"
    s3 = ReachS3(bucket=bucket, endpoint_url=aws_env.endpoint_url)
    with DagsterInstance.ephemeral() as instance:
        result = _run(workdir, s3, "2025-09-02", instance)
        assert not result.success
        types = _event_types(instance, result.run_id)
        assert DagsterEventType.STEP_UP_FOR_RETRY not in types  # no retry loop
    failed = _rows(workdir, "2025-09-02")[-1]
    assert failed.status == "FAILED"
    assert phrase in failed.error_type + failed.error_message
    assert any(hint in failed.error_message for hint in ("check the", "fix", "create it"))
    assert failed.cdf_path  # an upload-stage failure: the CDF stays for an upload-only retry
    text = (workdir / "in" / "download_telemetry.csv").read_text()
    assert aws_env.secret_key not in text and "not-the-secret" not in text


def test_missing_bucket_setting_skips_the_uploads_saying_why(workdir, aws_env):
    """No bucket set is not the day's failure (issue 21): the L1C is made, its upload is
    reported not configured (skipped, naming the setting), the run succeeds, and no upload
    row is written. An explicit --upload-to-s3 without a bucket stays exit 2 (CLI tests)."""
    with DagsterInstance.ephemeral() as instance:
        result = _run(workdir, ReachS3(endpoint_url=aws_env.endpoint_url), "2025-09-02", instance)
        assert result.success
        made = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert made == {"reach_cdf"}
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
        assert any("not configured" in m and "REACH_S3_BUCKET" in m for m in logs), logs
    assert [r.status for r in _rows(workdir, "2025-09-02")] == ["PROCESS_PENDING", "PROCESSED"]


@pytest.mark.slow(65)
def test_outage_mid_backfill_then_recovery(workdir, s3_client, aws_env, persistent_instance):
    """Day 1 uploads; the server goes down; day 2's upload is tried again (with backoff,
    inside the step) and succeeds once the server is back. The runs are read while the
    run's thread writes them: a persistent instance."""
    s3 = ReachS3(bucket=BUCKET, endpoint_url=aws_env.endpoint_url)
    instance = persistent_instance
    assert _run(workdir, s3, "2025-09-01", instance).success
    aws_env.stop()
    outcome = {}
    worker = threading.Thread(
        target=lambda: outcome.update(result=_run(workdir, s3, "2025-09-03", instance))
    )
    try:
        worker.start()
        _wait_for_retry(instance)
    finally:
        aws_env.start()
    worker.join(timeout=120)
    assert not worker.is_alive()
    result = outcome["result"]
    assert result.success
    assert _retry_messages(instance, result.run_id)
    key = "l1c/prelim/2025/09/03/reach_all_l1c_prelim_20250903T000000_v1.0.0.cdf"
    body = s3_client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == (workdir / "out" / key).read_bytes()
    assert _rows(workdir, "2025-09-03")[-1].status == "UPLOADED"


def _retry_messages(instance, run_id) -> list[str]:
    """The upload step's "tried again" log lines of a run."""
    return [
        e.user_message
        for e in instance.all_logs(run_id)
        if e.dagster_event is None and "again in" in e.user_message
    ]


def _wait_for_retry(instance, timeout_s=120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run_id = _latest_run_id(instance)
        if run_id and _retry_messages(instance, run_id):
            return
        time.sleep(0.1)  # polling the event log, with a deadline
    raise AssertionError("reach_cdf_s3 never tried the upload again")


def _latest_run_id(instance):
    runs = instance.get_runs(limit=1)
    return runs[0].run_id if runs else None
