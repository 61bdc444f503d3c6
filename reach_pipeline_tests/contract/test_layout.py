"""Tests for reach_pipeline.contract.layout."""

from __future__ import annotations

import logging
import os
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


WHOLE = "REACH-ALL_20250901T000000_20250902T000000.csv"
NOON = "REACH-ALL_20250901T000000_20250901T120000.csv"
SIX = "REACH-ALL_20250901T000000_20250901T060000.csv"
TWO_DAYS = "REACH-ALL_20250901T000000_20250903T000000.csv"
RETRY = "REACH-ALL_20250901T000000_20250902T000000_retry.csv"
EMPTY = "REACH-ALL_20250901T000000_20250901T000000.csv"
BEFORE = "REACH-ALL_20250901T000000_20250831T000000.csv"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ([NOON, WHOLE], WHOLE),  # the partial download sorts first; the whole day wins
        ([WHOLE, NOON, SIX], WHOLE),
        ([SIX, NOON], NOON),  # no whole day: the widest window
        ([TWO_DAYS, WHOLE], WHOLE),  # both cover the day: the one ending at midnight
        ([TWO_DAYS, NOON], TWO_DAYS),
        ([EMPTY, SIX], SIX),
        ([RETRY], RETRY),  # alone, a name without a readable end is the day's file
        (["REACH-ALL_20250901T000000_x.csv"], "REACH-ALL_20250901T000000_x.csv"),
    ],
)
def test_find_input_picks_the_widest_window(tmp_path: Path, names, expected) -> None:
    for name in names:
        _touch(tmp_path / name)
    assert layout.find_input(tmp_path, DAY, "ALL", "csv") == tmp_path / expected
    assert layout.scan_inputs(tmp_path, "ALL", "csv") == {DAY: tmp_path / expected}


def test_find_input_several_matches_says_which(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in (NOON, WHOLE, SIX):
        _touch(tmp_path / name)
    with caplog.at_level(logging.INFO, logger=layout.__name__):
        assert layout.find_input(tmp_path, DAY, "ALL", "csv") == tmp_path / WHOLE
    assert "several input files" in caplog.text
    assert NOON in caplog.text and SIX in caplog.text


@pytest.mark.parametrize(
    "names",
    [[WHOLE, RETRY], [NOON, RETRY], ["REACH-ALL_20250901T000000_a.csv", RETRY]],
)
def test_find_input_fails_when_files_cannot_be_told_apart(tmp_path: Path, names) -> None:
    for name in names:
        _touch(tmp_path / name)
    with pytest.raises(layout.InputProblem, match="cannot be told apart") as caught:
        layout.find_input(tmp_path, DAY, "ALL", "csv")
    assert caught.value.error_type == "AmbiguousInput"
    for name in names:
        assert name in str(caught.value)
    assert sorted(p.name for p in caught.value.paths) == sorted(names)
    assert layout.scan_inputs(tmp_path, "ALL", "csv") == {}  # agrees: no file picked


@pytest.mark.parametrize(
    ("name", "needle"),
    [(EMPTY, "window ends at 2025-09-01T00:00:00"), (BEFORE, "ends at 2025-08-31")],
)
def test_find_input_fails_for_an_empty_window(tmp_path: Path, name, needle) -> None:
    _touch(tmp_path / name)
    with pytest.raises(layout.InputProblem, match=needle) as caught:
        layout.find_input(tmp_path, DAY, "ALL", "csv")
    assert caught.value.error_type == "EmptyInputWindow"
    assert name in str(caught.value)


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        ("20250902T000000", (2025, 9, 2, 0, 0, 0)),
        ("20250901T235959", (2025, 9, 1, 23, 59, 59)),
        ("20250902T000000_retry", None),
        ("20250230T000000", None),  # 30 February
        ("20250901T240000", None),
        ("2025090T000000", None),
        ("", None),
        ("20250902t000000", None),
    ],
)
def test_input_window_end(rest: str, expected) -> None:
    end = layout.input_window_end(rest)
    assert (None if end is None else end.timetuple()[:6]) == expected


def test_window_rank_orders_whole_partial_empty() -> None:
    def rank(*end: int):
        from datetime import datetime

        return layout.window_rank(DAY, datetime(*end))

    assert rank(2025, 9, 2) > rank(2025, 9, 3) > rank(2025, 9, 1, 23) > rank(2025, 9, 1, 1)
    assert rank(2025, 9, 1, 0, 0, 1) > rank(2025, 9, 1) > rank(2025, 8, 31)
    assert layout.window_rank(DAY, None) is None


def test_find_input_fails_for_a_symlink_leading_outside(tmp_path: Path) -> None:
    input_dir = tmp_path / "in"
    outside = _touch(tmp_path / "elsewhere" / "secret.csv")
    input_dir.mkdir()
    (input_dir / ALL_NAME).symlink_to(outside)
    with pytest.raises(layout.InputProblem, match="leading outside the input folder") as caught:
        layout.find_input(input_dir, DAY, "ALL", "csv")
    assert caught.value.error_type == "InputNotAFile"
    assert ALL_NAME in str(caught.value) and str(outside) in str(caught.value)

    # a symlink that stays inside input_dir is fine
    inside = _touch(input_dir / "archive" / "day.csv")
    other = "REACH-ALL_20250902T000000_20250903T000000.csv"
    (input_dir / other).symlink_to(inside)
    assert layout.find_input(input_dir, date(2025, 9, 2), "ALL", "csv") == input_dir / other
    assert layout.scan_inputs(input_dir, "ALL", "csv") == {date(2025, 9, 2): input_dir / other}


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_dir(path: Path) -> None:
    path.mkdir()


def _make_broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "missing.csv")


def _make_link_loop(path: Path) -> None:
    path.symlink_to(path)


def _make_link_to_inner_dir(path: Path) -> None:
    (path.parent / "sub").mkdir()
    path.symlink_to(path.parent / "sub")


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_make_dir, "a folder"),
        (_make_fifo, "a FIFO"),
        (_make_broken_link, "a broken symbolic link"),
        (_make_link_loop, "a broken symbolic link"),
        (_make_link_to_inner_dir, "a folder"),
    ],
    ids=["folder", "fifo", "broken-link", "link-loop", "link-to-folder"],
)
def test_find_input_fails_for_what_is_not_a_file(tmp_path: Path, make, needle) -> None:
    make(tmp_path / ALL_NAME)
    with pytest.raises(layout.InputProblem, match=needle) as caught:
        layout.find_input(tmp_path, DAY, "ALL", "csv")
    assert str(tmp_path / ALL_NAME) in str(caught.value)


def test_find_input_a_folder_with_a_partial_name_does_not_block_the_whole_day(
    tmp_path: Path,
) -> None:
    (tmp_path / NOON).mkdir()
    whole = _touch(tmp_path / WHOLE)
    assert layout.find_input(tmp_path, DAY, "ALL", "csv") == whole
    # ... but a folder with the better name does: the day's file cannot be read
    (tmp_path / WHOLE).unlink()
    (tmp_path / WHOLE).mkdir()
    _touch(tmp_path / NOON.replace("120000", "060000"))
    with pytest.raises(layout.InputProblem, match="a folder"):
        layout.find_input(tmp_path, DAY, "ALL", "csv")


def test_scan_inputs_finds_every_day_with_the_same_rule(tmp_path: Path) -> None:
    for day in range(1, 29):
        _touch(tmp_path / f"REACH-ALL_202502{day:02d}T000000_202502{day:02d}T120000.csv")
    _touch(tmp_path / "REACH-ALL_20250230T000000_20250301T000000.csv")  # no such day
    _touch(tmp_path / "REACH-ALL_20250205T000000_20250206T000000.json")
    found = layout.scan_inputs(tmp_path, "ALL", "csv")
    assert len(found) == 28
    assert found[date(2025, 2, 5)].name == "REACH-ALL_20250205T000000_20250205T120000.csv"


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
