"""A workspace for the S3 tests (the server's fixtures are in the top conftest; helpers in
``reach_pipeline_tests.support.s3_resources``)."""

import shutil

import pytest

from reach_pipeline_tests.support.data import EXAMPLES


@pytest.fixture
def workdir(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for day in ("20250901", "20250902", "20250903"):
        for src in EXAMPLES.glob(f"REACH-ALL_{day}T000000_*.csv"):
            shutil.copy(src, inp / src.name)
    return tmp_path
