"""Shared fixtures: paths to the bundled reference data."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from reach_pipeline_tests.support.s3server import S3Server

DATA = Path(__file__).parent / "data"
UDL_0901 = DATA / "REACH-ALL_20250901T000000_20250902T000000.csv"
UDL_0904 = DATA / "REACH-TEST_20250904T000000_20250904T010000.csv"
CDF_0901 = DATA / "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"
CDF_0904 = DATA / "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
LEGACY_TELEMETRY = DATA / "legacy_telemetry_example.csv"


@pytest.fixture
def data_dir() -> Path:
    return DATA


S3_BUCKET = "reach-test-bucket"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One real S3 server (SeaweedFS) for the whole session, stopped by PID at the end."""
    server = S3Server(tmp_path_factory.mktemp("seaweedfs"), S3_BUCKET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, s3_server):
    """The normal AWS environment chain pointed at the test server's credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "REACH_S3_BUCKET", "REACH_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def s3_client(aws_env):
    return aws_env.client()


@pytest.fixture
def sigint_raises():
    """SIGINT raises KeyboardInterrupt in the test process, as at a terminal, even when the
    test run inherited SIGINT ignored (a job started in the background by a non-interactive
    shell: Python then keeps SIG_IGN and never installs its handler)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
