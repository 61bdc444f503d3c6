"""What the upload promises, proven on a real S3 server (SeaweedFS): an object already
there is not sent again (the server's own object survives), the multipart path works and
is verified, an object that changes under the upload is caught, and a CDF that fails
validation never reaches the bucket."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from dagster import DagsterInstance

from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.defs.registry import resources as registered
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline.s3upload import UploadError, file_md5, upload_file
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.data import CDF_0904, EXAMPLES
from reach_pipeline_tests.support.materialize import materialize

pytestmark = pytest.mark.integration

MARK = {"placed-by": "the-test"}


def _one_day(tmp_path: Path, example: str, day_file: str, **options) -> ReachSettings:
    """``in/`` holding the example file ``example`` named ``day_file``; output to ``out/``."""
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / day_file).write_bytes((EXAMPLES / example).read_bytes())
    return ReachSettings(input_dir=str(inp), output_dir=str(tmp_path / "out"), **options)


@pytest.fixture
def bucket(s3_client) -> str:
    """A bucket of the test's own, so objects of other tests cannot interfere."""
    name = f"reach-verify-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=name)
    return name


def test_an_object_already_there_is_not_sent_again(s3_client, bucket):
    key = f"l1c/prelim/2025/09/04/{CDF_0904.name}"
    body = CDF_0904.read_bytes()
    s3_client.put_object(Bucket=bucket, Key=key, Body=body, Metadata=MARK)

    result = upload_file(s3_client, CDF_0904, bucket, key)

    assert result.skipped_existing
    head = s3_client.head_object(Bucket=bucket, Key=key)
    assert head["Metadata"] == MARK  # the server still holds the test's own object


def test_a_different_object_is_replaced(s3_client, bucket):
    key = f"l1c/prelim/2025/09/04/{CDF_0904.name}"
    s3_client.put_object(Bucket=bucket, Key=key, Body=b"an older product", Metadata=MARK)

    result = upload_file(s3_client, CDF_0904, bucket, key)

    assert not result.skipped_existing
    got = s3_client.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == CDF_0904.read_bytes()
    assert got["Metadata"] == {"md5": file_md5(CDF_0904)}


def test_the_multipart_path_for_real(s3_client, bucket, tmp_path: Path):
    big = tmp_path / "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
    big.write_bytes(os.urandom(12 * 1024 * 1024))  # three parts of 5 MiB, the S3 minimum
    key = f"l1c/prelim/2025/09/04/{big.name}"

    first = upload_file(s3_client, big, bucket, key, multipart_threshold=5 * 1024 * 1024)

    assert first.multipart and not first.skipped_existing
    head = s3_client.head_object(Bucket=bucket, Key=key)
    assert "-" in head["ETag"]  # a multipart ETag is not the MD5 of the bytes
    assert head["Metadata"]["md5"] == file_md5(big) == first.md5
    assert s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() == big.read_bytes()
    # Again: recognised through the md5 metadata, not sent.
    s3_client.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        Metadata={**head["Metadata"], **MARK},
        MetadataDirective="REPLACE",
    )
    again = upload_file(s3_client, big, bucket, key, multipart_threshold=5 * 1024 * 1024)
    assert again.skipped_existing
    assert s3_client.head_object(Bucket=bucket, Key=key)["Metadata"]["placed-by"] == "the-test"


def test_an_object_changed_under_the_upload_fails_verification(s3_client, aws_env, bucket):
    """A second writer replaces the object right after our PUT (a real race, made certain by
    running the other writer from the PUT's completion hook): the check after the upload
    must see it."""
    key = f"l1c/prelim/2025/09/04/{CDF_0904.name}"
    other = aws_env.client()  # the top conftest's aws_env is the session's S3Server

    def other_writer(**_):
        other.put_object(Bucket=bucket, Key=key, Body=b"someone else's bytes")

    s3_client.meta.events.register("after-call.s3.PutObject", other_writer)
    try:
        with pytest.raises(UploadError) as info:
            upload_file(s3_client, CDF_0904, bucket, key)
    finally:
        s3_client.meta.events.unregister("after-call.s3.PutObject", other_writer)

    assert info.value.error_type == "UploadVerificationError"
    assert f"s3://{bucket}/{key}" in str(info.value)
    assert "found 20 bytes" in str(info.value)


def _objects(s3_client, bucket: str) -> list[str]:
    return [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_an_invalid_cdf_never_reaches_the_bucket(s3_client, aws_env, bucket, tmp_path: Path):
    """A processor that names its CDF for the day but fills it with another day's records,
    with the upload selected: the day fails, nothing is placed, nothing is sent."""
    settings = _one_day(
        tmp_path,
        "REACH-ALL_20250903T000000_20250904T000000.csv",
        "REACH-ALL_20250904T000000_20250905T000000.csv",
        processor=processors.MISLABELLED,
    )
    s3 = ReachS3(bucket=bucket, endpoint_url=aws_env.endpoint_url)

    with DagsterInstance.ephemeral() as instance:
        keys = ["reach_cdf", "reach_cdf_s3"]
        result = materialize(keys, "2025-09-04", registered(settings, s3), instance)

    assert not result.success
    assert _objects(s3_client, bucket) == []
    rows = TelemetryLog(tmp_path / "in" / "download_telemetry.csv").rows()
    assert [(r.status, r.error_type) for r in rows][-1] == ("FAILED", "CdfCheckFailed")
    assert not list((tmp_path / "out").rglob("*.cdf"))


def test_a_damaged_cdf_is_not_sent_on_an_upload_only_run(s3_client, aws_env, bucket, tmp_path):
    """The day is PROCESSED, but its CDF was cut in half on disk since: not sent, FAILED."""
    name = "REACH-ALL_20250902T000000_20250903T000000.csv"
    settings = _one_day(tmp_path, name, name)
    resources = registered(settings, ReachS3(bucket=bucket, endpoint_url=aws_env.endpoint_url))
    with DagsterInstance.ephemeral() as instance:
        made = materialize(["reach_cdf"], "2025-09-02", resources, instance, raise_on_error=True)
        assert made.success
        [cdf] = (tmp_path / "out").rglob("*.cdf")
        cdf.write_bytes(cdf.read_bytes()[: cdf.stat().st_size // 2])

        result = materialize(["reach_cdf_s3"], "2025-09-02", resources, instance)

    assert not result.success
    assert _objects(s3_client, bucket) == []
    last = TelemetryLog(tmp_path / "in" / "download_telemetry.csv").rows()[-1]
    assert (last.status, last.error_type) == ("FAILED", "CdfCheckFailed")
    assert str(cdf) in last.error_message and last.cdf_path == ""
