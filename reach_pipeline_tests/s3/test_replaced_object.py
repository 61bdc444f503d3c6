"""One S3 object per day: an upload under our name deletes the legacy tool's object of the
day (``…T000010…``) once the new one is verified; a failure to delete it is the day's
upload failure, and the retry deletes it (a real S3 server, the real upload stage)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from reach_pipeline.contract.telemetry import FAILED, UPLOADED, TelemetryLog, TelemetryRow
from reach_pipeline.defs.resources import day_log
from reach_pipeline.s3upload import upload_file
from reach_pipeline.settings import resolve_settings
from reach_pipeline.steps.l1c import run_l1c
from reach_pipeline.steps.upload import run_upload

pytestmark = pytest.mark.integration

DAY = dt.date(2025, 9, 2)
LEGACY_KEY = "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000010_v1.0.0.cdf"
OUR_KEY = "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"


def keys(s3_client, bucket: str) -> set[str]:
    return {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])}


@pytest.fixture
def bucket(s3_client) -> str:
    name = f"replace-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


def test_a_failed_delete_fails_the_day_and_the_retry_deletes(workdir, s3_client, bucket):
    settings = resolve_settings(
        {"input_dir": str(workdir / "in"), "output_dir": str(workdir / "out")}, environ={}
    )
    telemetry = TelemetryLog(settings.telemetry_path)
    telemetry.append(  # the legacy tool uploaded the day under its first record's name
        TelemetryRow(
            run_id="legacy",
            chunk_date_utc=DAY.isoformat(),
            status=UPLOADED,
            started_at_utc="2025-10-01T00:00:00+00:00",
            s3_bucket=bucket,
            s3_key=LEGACY_KEY,
        )
    )
    s3_client.put_object(Bucket=bucket, Key=LEGACY_KEY, Body=b"the legacy CDF")
    log = day_log(settings, "run-1")
    assert run_l1c(settings, DAY, log).ok

    def uploader(path, key):
        return upload_file(s3_client, path, bucket, key)

    def refused(key):  # A fault SeaweedFS cannot make for real (delete goes with write).
        raise PermissionError(f"AccessDenied on DeleteObject {key}")

    outcome = run_upload(settings, DAY, log, uploader, refused)

    assert not outcome.ok and outcome.failure.error_type == "ReplacedObjectNotDeleted"
    assert LEGACY_KEY in outcome.failure.message and OUR_KEY in outcome.failure.message
    row = telemetry.latest_by_day()[DAY]
    assert (row.status, row.error_type, row.s3_key) == (FAILED, "ReplacedObjectNotDeleted", "")
    assert row.cdf_path.endswith(OUR_KEY)  # an upload-stage failure: the retry uploads only
    assert keys(s3_client, bucket) == {LEGACY_KEY, OUR_KEY}

    def delete(key):
        s3_client.delete_object(Bucket=bucket, Key=key)

    retry = run_upload(settings, DAY, day_log(settings, "run-2"), uploader, delete)

    assert retry.ok, retry.failure
    assert retry.facts.sent.skipped_existing is True  # the verified object was not sent again
    assert retry.facts.replaced_key == LEGACY_KEY
    assert keys(s3_client, bucket) == {OUR_KEY}
    row = telemetry.latest_by_day()[DAY]
    assert (row.status, row.s3_bucket, row.s3_key) == (UPLOADED, bucket, OUR_KEY)

    # Uploaded under our name now: a later upload deletes nothing.
    again = run_upload(settings, DAY, day_log(settings, "run-3"), uploader, refused)
    assert again.ok and again.facts.replaced_key == ""
