"""Paths to the bundled reference data and the sample days every tier uses."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "udl"
DATA = REPO / "reach_pipeline_tests" / "data"
BAD = DATA / "bad"
UDL_0901 = DATA / "REACH-ALL_20250901T000000_20250902T000000.csv"
UDL_0904 = DATA / "REACH-TEST_20250904T000000_20250904T010000.csv"
CDF_0901 = DATA / "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"
CDF_0904 = DATA / "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
LEGACY_TELEMETRY = DATA / "legacy_telemetry_example.csv"

SAMPLE_DAYS = ("2025-09-01", "2025-09-02", "2025-09-03")  # examples/udl
MISSING_DAY = "2025-09-05"  # no input file for it anywhere

S3_BUCKET = "reach-test-bucket"  # the session S3 server's bucket
