"""``verify.cdf_problems``: the gate a CDF passes before it is placed and before every upload.

Damaged files are made for real: a CDF we wrote, cut on disk at many lengths; CDFs whose
records spill over midnight; a CDF checked against another day.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from reach_pipeline.processing import process_day
from reach_pipeline.processing.verify import cdf_problems, facts_from_cdf
from reach_pipeline_tests.processing.udl import read_table, write_csv
from reach_pipeline_tests.support.data import CDF_0901, CDF_0904, UDL_0904

DAY_0904 = dt.date(2025, 9, 4)


@pytest.fixture(scope="module")
def good_cdf(tmp_path_factory) -> Path:
    return Path(process_day(UDL_0904, tmp_path_factory.mktemp("good")).cdf_path)


@pytest.mark.parametrize(
    ("path", "day"),
    [(CDF_0901, dt.date(2025, 9, 1)), (CDF_0904, DAY_0904)],
    ids=["legacy-0901", "legacy-0904"],
)
def test_sound_cdfs_pass(path, day):
    assert cdf_problems(path, day) == []


def test_our_cdf_passes(good_cdf):
    assert cdf_problems(good_cdf, DAY_0904) == []


def cut_lengths(size: int) -> list[int]:
    """Where a copy can stop: nothing, inside the magic number, the descriptor records,
    every sixteenth of the file, and a byte or a few short of the end."""
    fractions = [size * k // 16 for k in range(1, 16)]
    return sorted({0, 1, 4, 8, 16, 100, 400, size // 2, *fractions, size - 100, size - 8, size - 1})


@pytest.mark.parametrize("which", ["ours", "legacy"])
def test_a_cdf_cut_short_on_disk_is_reported(which, good_cdf, tmp_path):
    source = good_cdf if which == "ours" else CDF_0904
    data = source.read_bytes()
    for length in cut_lengths(len(data)):
        cut = tmp_path / f"cut-{length}.cdf"
        cut.write_bytes(data[:length])
        problems = cdf_problems(cut, DAY_0904)  # must not raise
        assert problems, f"a CDF cut to {length} of {len(data)} bytes passed"
        cut.unlink()


def test_a_cut_cdf_says_it_is_short(good_cdf, tmp_path):
    data = good_cdf.read_bytes()
    cut = tmp_path / good_cdf.name
    cut.write_bytes(data[: len(data) // 2])
    problems = cdf_problems(cut, DAY_0904)
    assert any(f"{len(data) // 2:,} bytes" in p and "cut short" in p for p in problems), problems


def test_a_missing_cdf_is_reported(tmp_path):
    assert cdf_problems(tmp_path / "absent.cdf", DAY_0904)


def test_a_file_that_is_no_cdf_is_reported(tmp_path):
    fake = tmp_path / "fake.cdf"
    fake.write_bytes(b"id,lat\n1,2\n" * 100)
    problems = cdf_problems(fake, DAY_0904)
    assert problems and "not a CDF" in problems[0]


def spill_over_midnight(directory: Path, seconds: float) -> Path:
    """The 2025-09-04 reference with its last rows moved ``seconds`` past the day's end."""
    header, rows = read_table(UDL_0904)
    for r in rows[-40:]:
        r["obTime"] = (
            dt.datetime(2025, 9, 5, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
        ).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    directory.mkdir(parents=True, exist_ok=True)
    return write_csv(directory / "day.csv", header, rows)


@pytest.mark.parametrize("seconds", [0, 5, 3600], ids=["at-midnight", "5s-after", "1h-after"])
def test_records_spilling_over_midnight_are_reported(seconds, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    cdf = Path(process_day(spill_over_midnight(tmp_path / "in", seconds), out).cdf_path)
    assert cdf.name == "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
    problems = cdf_problems(cdf, DAY_0904)
    assert len(problems) == 1, problems
    assert "Epoch runs 2025-09-04T00:00:00+00:00 .. 2025-09-05T" in problems[0]
    assert "outside 2025-09-04" in problems[0]


@pytest.mark.parametrize("offset", [-1, 1, 365])
def test_a_cdf_for_another_day_is_reported(offset, good_cdf):
    day = DAY_0904 + dt.timedelta(days=offset)
    problems = cdf_problems(good_cdf, day)
    assert problems == [
        f"Epoch runs 2025-09-04T00:00:00+00:00 .. 2025-09-04T00:01:00+00:00, outside {day}"
    ]


def test_facts_of_a_sound_cdf(good_cdf, tmp_path):
    copy = tmp_path / good_cdf.name
    shutil.copy(good_cdf, copy)
    facts = facts_from_cdf(copy)
    assert facts["epoch_count"] == 13
    assert facts["first_time"] == "2025-09-04T00:00:00+00:00"
    assert len(facts["sensors"]) == 32
