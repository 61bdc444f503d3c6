"""Fixtures of the runner's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reach_pipeline_tests.support.data import EXAMPLES

# Two small sample days, copied by ``inputs`` (the tests' FIRST and SECOND).
TWO_DAYS = (
    "REACH-ALL_20250902T000000_20250903T000000.csv",
    "REACH-ALL_20250903T000000_20250904T000000.csv",
)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """An input folder holding the two sample days ``TWO_DAYS``."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in TWO_DAYS:
        shutil.copy(EXAMPLES / name, folder / name)
    return folder
