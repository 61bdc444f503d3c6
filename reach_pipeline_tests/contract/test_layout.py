"""Tests for reach_pipeline.contract.layout."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from reach_pipeline.contract import layout

DAY = date(2025, 9, 1)
ALL_NAME = "REACH-ALL_20250901T000000_20250902T000000.csv"


def _touch(path: Path, content: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------- CDF names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
            "l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
        ),
        (
            "reach_all_l1c_prelim_20251231T235959_v12.3.45.cdf",
            "l1c/prelim/2025/12/31/reach_all_l1c_prelim_20251231T235959_v12.3.45.cdf",
        ),
        (
            "reach_r175_l2_quicklook_20240229T120000_v0.0.1.cdf",
            "l1c/prelim/2024/02/29/reach_r175_l2_quicklook_20240229T120000_v0.0.1.cdf",
        ),
    ],
)
def test_cdf_relative_path_and_s3_key(name: str, expected: str) -> None:
    assert layout.cdf_relative_path(name) == PurePosixPath(expected)
    assert isinstance(layout.cdf_relative_path(name), PurePosixPath)
    assert layout.s3_key(layout.cdf_relative_path(name)) == expected


@pytest.mark.parametrize(
    "name",
    [
        "",
        "reach_all_l1c_prelim_20250901T000000_v1.0.0.CDF",
        "REACH_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
        "reach_ALL_l1c_prelim_20250901T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_20250901T000000_v1.0.cdf",
        "reach_all_l1c_prelim_20250901T000000.cdf",
        "reach_all_l1c_20250901T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_x_20250901T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_2025091T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_20251301T000000_v1.0.0.cdf",  # month 13
        "reach_all_l1c_prelim_20250230T000000_v1.0.0.cdf",  # 30 February
        "reach_all_l1c_prelim_20250901T240000_v1.0.0.cdf",  # hour 24
        "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf\n",
        " reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
        "../reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
        "out/reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf/../../etc",
        "reach_all_l1c_pre-lim_20250901T000000_v1.0.0.cdf",
        "reach_all_l1c_prelim_２0250901T000000_v1.0.0.cdf",  # a non-ASCII digit
        "reach_all_l1c_prelim_2025090١T000000_v1.0.0.cdf",
    ],
)
def test_cdf_relative_path_rejects_other_names(name: str) -> None:
    with pytest.raises(ValueError, match="CDF file name"):
        layout.cdf_relative_path(name)


@pytest.mark.parametrize(
    "path",
    [
        "reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf",  # no layout folder
        "/l1c/prelim/2025/09/01/x.cdf",
        "l1c/../../etc/passwd",
        "tmp/l1c/prelim/2025/09/01/x.cdf",
    ],
)
def test_s3_key_takes_only_paths_below_the_output_folder(path: str) -> None:
    with pytest.raises(ValueError, match="not a product path"):
        layout.s3_key(path)


def test_cdf_relative_path_rejects_non_strings() -> None:
    with pytest.raises(ValueError):
        layout.cdf_relative_path(Path("reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf"))  # type: ignore[arg-type]


def test_cdf_file_name() -> None:
    name = layout.cdf_file_name(date(2025, 9, 4))
    assert name == "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
    assert layout.s3_key(layout.day_dir("l1c", date(2025, 9, 4)) / name) == (
        f"l1c/prelim/2025/09/04/{name}"
    )
    fixture = Path(__file__).resolve().parents[1] / "data" / name
    assert fixture.is_file()  # the legacy tool's CDF carries the same name


# ---------------------------------------------------------------- input files


def test_find_input_all_sensors(tmp_path: Path) -> None:
    expected = _touch(tmp_path / ALL_NAME)
    _touch(tmp_path / "REACH-ALL_20250902T000000_20250903T000000.csv")
    _touch(tmp_path / "REACH-ALL_20250901T000000_20250902T000000.json")
    _touch(tmp_path / "REACH-ALL_20250901T000000_20250902T000000.csv.part")
    _touch(tmp_path / "REACH-TEST_20250901T000000_20250902T000000.csv")
    assert layout.find_input(tmp_path, DAY, "ALL", "csv") == expected
    assert layout.find_input(str(tmp_path), DAY, "ALL", "csv") == expected
    assert layout.find_input(tmp_path, date(2025, 9, 3), "ALL", "csv") is None


def test_find_input_json_and_other_sensor(tmp_path: Path) -> None:
    json_file = _touch(tmp_path / "REACH-ALL_20250901T000000_20250902T000000.json")
    sensor = _touch(tmp_path / "REACH-TEST_20250904T000000_20250904T010000.csv")
    assert layout.find_input(tmp_path, DAY, "ALL", "json") == json_file
    assert layout.find_input(tmp_path, DAY, "ALL", "csv") is None
    assert layout.find_input(tmp_path, date(2025, 9, 4), "REACH-TEST", "csv") == sensor
    assert layout.find_input(tmp_path, date(2025, 9, 4), "ALL", "csv") is None


def test_find_input_several_matches_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    names = [
        "REACH-ALL_20250901T000000_20250902T000000.csv",
        "REACH-ALL_20250901T000000_20250901T120000.csv",
        "REACH-ALL_20250901T000000_20250902T000000_retry.csv",
    ]
    for name in names:
        _touch(tmp_path / name)
    with caplog.at_level(logging.WARNING, logger=layout.__name__):
        found = layout.find_input(tmp_path, DAY, "ALL", "csv")
    assert found == tmp_path / sorted(names)[0]
    assert "several input files" in caplog.text
    for name in sorted(names)[1:]:
        assert name in caplog.text


def test_find_input_does_not_follow_symlinks_outside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    input_dir = tmp_path / "in"
    outside = _touch(tmp_path / "elsewhere" / "secret.csv")
    input_dir.mkdir()
    (input_dir / ALL_NAME).symlink_to(outside)
    with caplog.at_level(logging.WARNING, logger=layout.__name__):
        assert layout.find_input(input_dir, DAY, "ALL", "csv") is None
    assert "outside" in caplog.text

    # a symlink that stays inside input_dir is fine
    inside = _touch(input_dir / "archive" / "day.csv")
    other = "REACH-ALL_20250902T000000_20250903T000000.csv"
    (input_dir / other).symlink_to(inside)
    assert layout.find_input(input_dir, date(2025, 9, 2), "ALL", "csv") == input_dir / other


def test_find_input_ignores_directories_and_broken_links(tmp_path: Path) -> None:
    (tmp_path / ALL_NAME).mkdir()
    (tmp_path / "REACH-ALL_20250901T000000_x.csv").symlink_to(tmp_path / "missing.csv")
    assert layout.find_input(tmp_path, DAY, "ALL", "csv") is None


def test_find_input_sensor_id_is_literal(tmp_path: Path) -> None:
    _touch(tmp_path / ALL_NAME)
    assert layout.find_input(tmp_path, DAY, "REACH-*", "csv") is None
    assert layout.find_input(tmp_path, DAY, "REACH-AL?", "csv") is None
    assert layout.find_input(tmp_path, DAY, "../in/REACH-ALL", "csv") is None


def test_find_input_missing_dir(tmp_path: Path) -> None:
    assert layout.find_input(tmp_path / "nope", DAY, "ALL", "csv") is None
    assert layout.find_input(_touch(tmp_path / "file"), DAY, "ALL", "csv") is None


@pytest.mark.parametrize("fmt", ["CSV", "parquet", "", "csv*"])
def test_find_input_rejects_other_formats(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ValueError):
        layout.find_input(tmp_path, DAY, "ALL", fmt)


def test_find_input_rejects_empty_sensor(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        layout.find_input(tmp_path, DAY, "", "csv")
