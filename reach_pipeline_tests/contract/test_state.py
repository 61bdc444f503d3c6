"""A day's state derived from its telemetry rows: its CDF on disk, its replaced S3 object."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from reach_pipeline.contract.state import locate_cdf, replaced_object
from reach_pipeline.contract.telemetry import FAILED, PROCESSED, UPLOADED, TelemetryRow
from reach_pipeline_tests.support.data import CDF_0901

DAY = date(2025, 9, 1)
OURS = "l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"
LEGACY = "l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000010_v1.0.0.cdf"


def uploaded(key: str, bucket: str = "b", day: str = "2025-09-01") -> TelemetryRow:
    return TelemetryRow(chunk_date_utc=day, status=UPLOADED, s3_bucket=bucket, s3_key=key)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], None),
        ([uploaded(LEGACY)], LEGACY),  # the legacy name: replaced by ours
        ([uploaded(OURS)], None),  # the same key: overwritten, nothing to delete
        ([uploaded(LEGACY), uploaded(OURS)], None),  # already replaced
        ([uploaded(OURS), uploaded(LEGACY)], LEGACY),  # the latest upload counts
        (
            [uploaded(LEGACY), TelemetryRow(chunk_date_utc="2025-09-01", status=PROCESSED)],
            LEGACY,
        ),
        ([uploaded(LEGACY, bucket="other")], None),  # another bucket is not ours to clean
        ([uploaded(LEGACY, day="2025-09-02")], None),  # another day's row
        ([uploaded("l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000010_v1.0.0.cdf")], None),
        ([uploaded("l1c/prelim/2025/09/01/notes.txt")], None),  # not a CDF of the day
        ([uploaded("l2/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000010_v1.0.0.cdf")], None),
        ([uploaded("../" + LEGACY)], None),
        ([TelemetryRow(chunk_date_utc="2025-09-01", status=FAILED, s3_key=LEGACY)], None),
        ([uploaded("")], None),
    ],
)
def test_replaced_object(rows, expected):
    assert replaced_object(DAY, rows, bucket="b", new_key=OURS) == expected


def test_locate_cdf_resolves_a_legacy_relative_path_against_the_telemetry_folder(
    tmp_path, monkeypatch
):
    """The legacy tool ran in a folder holding in/ and out/; its rows say out/l1c/…"""
    legacy_dir = tmp_path / "legacy"
    cdf = legacy_dir / "out" / LEGACY
    cdf.parent.mkdir(parents=True)
    shutil.copy(CDF_0901, cdf)
    telemetry = legacy_dir / "in" / "download_telemetry.csv"
    row = TelemetryRow(chunk_date_utc="2025-09-01", status=PROCESSED, cdf_path=f"out/{LEGACY}")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "out" / LEGACY).parent.mkdir(parents=True)
    (elsewhere / "out" / LEGACY).write_bytes(b"a decoy in the current folder")
    monkeypatch.chdir(elsewhere)

    found = locate_cdf(DAY, row, output_dir=tmp_path / "ours", telemetry_path=telemetry)

    assert found == legacy_dir / "out" / LEGACY


def test_locate_cdf_falls_back_to_the_layout(tmp_path):
    ours = tmp_path / "out" / OURS
    ours.parent.mkdir(parents=True)
    shutil.copy(CDF_0901, ours)
    gone = TelemetryRow(chunk_date_utc="2025-09-01", status=PROCESSED, cdf_path="/nowhere.cdf")

    for row in (None, gone):
        found = locate_cdf(DAY, row, output_dir=tmp_path / "out", telemetry_path=tmp_path / "t")
        assert found == ours
