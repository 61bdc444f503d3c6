"""A real S3 server (SeaweedFS) for the whole session, and Dagster resources pointing at it."""

import shutil
from pathlib import Path

import boto3
import pytest

from reach_pipeline.defs.io_manager import ReachIOManager
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline_tests.support.s3server import S3Server

BUCKET = "reach-test-bucket"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "udl"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = S3Server(tmp_path_factory.mktemp("seaweedfs"), BUCKET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, s3_server):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "REACH_S3_BUCKET", "REACH_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def s3_client(aws_env):
    return boto3.client(
        "s3",
        endpoint_url=aws_env.endpoint_url,
        aws_access_key_id=aws_env.access_key,
        aws_secret_access_key=aws_env.secret_key,
        region_name="us-east-1",
    )


@pytest.fixture
def workdir(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for day in ("20250901", "20250902", "20250903"):
        for src in EXAMPLES.glob(f"REACH-ALL_{day}T000000_*.csv"):
            shutil.copy(src, inp / src.name)
    return tmp_path


def resources_for(workdir: Path, s3: ReachS3) -> dict:
    settings = ReachSettings(input_dir=str(workdir / "in"), output_dir=str(workdir / "out"))
    return {"reach": settings, "reach_s3": s3, "reach_io_manager": ReachIOManager(reach=settings)}
