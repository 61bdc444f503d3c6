"""Shared fixtures: paths to the bundled reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
UDL_0901 = DATA / "REACH-ALL_20250901T000000_20250902T000000.csv"
UDL_0904 = DATA / "REACH-TEST_20250904T000000_20250904T010000.csv"
CDF_0901 = DATA / "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"
CDF_0904 = DATA / "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
LEGACY_TELEMETRY = DATA / "legacy_telemetry_example.csv"


@pytest.fixture
def data_dir() -> Path:
    return DATA
