"""Dagster resources pointing at the session's S3 server (fixtures in the top conftest)."""

import shutil
from pathlib import Path

import pytest

from reach_pipeline.defs.registry import resources
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline_tests.conftest import S3_BUCKET

BUCKET = S3_BUCKET
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "udl"


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
    return resources(settings, s3)
