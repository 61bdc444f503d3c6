"""RunUploader: after one upload found the endpoint unreachable, the run's later uploads
are not tried; another run, or a refusal from a live server, changes nothing."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.config import Config

from reach_pipeline.s3upload import RunUploader, UploadError, UploadNotTried
from reach_pipeline_tests.support.ports import free_ports
from reach_pipeline_tests.support.s3_resources import BUCKET

pytestmark = pytest.mark.integration

ONE_TRY = {"attempts": 1}  # the retry schedule is upload_with_retries' own, tested there


def _client(endpoint: str, key: str = "k", secret: str = "s"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )


@pytest.fixture
def product(tmp_path):
    path = tmp_path / "day.cdf"
    path.write_bytes(b"a product")
    return path


@pytest.fixture
def nobody_listening():
    """A loopback port with no server: connections are refused."""
    return f"http://127.0.0.1:{free_ports(1)[0]}"


def test_after_an_unreachable_endpoint_the_run_does_not_try_again(product, nobody_listening):
    run = f"run-{uuid.uuid4()}"
    first = RunUploader(_client(nobody_listening), BUCKET, scope=run, **ONE_TRY)
    with pytest.raises(UploadError) as found:
        first(product, "l1c/a.cdf")
    assert found.value.unreachable and not isinstance(found.value, UploadNotTried)

    # a new uploader of the same run (the command line's next day): not tried
    later = RunUploader(_client(nobody_listening), BUCKET, scope=run, **ONE_TRY)
    with pytest.raises(UploadNotTried) as skipped:
        later(product, "l1c/b.cdf")
    assert f"s3://{BUCKET}/l1c/b.cdf not tried" in str(skipped.value)
    assert str(found.value) in str(skipped.value)
    assert skipped.value.error_type == found.value.error_type

    # another run tries the endpoint itself
    other = RunUploader(_client(nobody_listening), BUCKET, scope=f"run-{uuid.uuid4()}", **ONE_TRY)
    with pytest.raises(UploadError) as tried:
        other(product, "l1c/c.cdf")
    assert not isinstance(tried.value, UploadNotTried)


def test_a_refusal_from_a_live_server_is_no_outage(product, aws_env, s3_client):
    run = f"run-{uuid.uuid4()}"
    wrong = _client(aws_env.endpoint_url, aws_env.access_key, "not-the-secret")
    with pytest.raises(UploadError) as refused:
        RunUploader(wrong, BUCKET, scope=run, **ONE_TRY)(product, "l1c/refused.cdf")
    assert not refused.value.unreachable

    right = _client(aws_env.endpoint_url, aws_env.access_key, aws_env.secret_key)
    result = RunUploader(right, BUCKET, scope=run, **ONE_TRY)(product, "l1c/sent.cdf")
    assert result.key == "l1c/sent.cdf"
    body = s3_client.get_object(Bucket=BUCKET, Key="l1c/sent.cdf")["Body"].read()
    assert body == b"a product"
