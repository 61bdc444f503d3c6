"""The scanned reader (``scanned_csv``, the C scanner) gives what the file reads as without
it, to the bit, or declines the file.

The oracle is ``read_observations`` with the scanner switched off (the pyarrow reader, then
the general one), as on a machine where it was not built. Every case here either reads
equal to that or is declined; the ordinary cases must not be declined.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from reach_pipeline.processing import scanned_csv
from reach_pipeline.processing.header import read_header
from reach_pipeline.processing.observations import Labels, Observations
from reach_pipeline.processing.read import read_observations
from reach_pipeline_tests.processing.udl import read_table, write_csv
from reach_pipeline_tests.support.data import UDL_0901, UDL_0904

pytestmark = pytest.mark.skipif(
    not scanned_csv.available(), reason="the C scanner was not built (see conftest's fast)"
)


def scanned(path: Path) -> Observations | None:
    header = read_header(path)
    return scanned_csv.read_scanned_csv(path, header.columns, header.first_line)


def without_scanner(path: Path, monkeypatch) -> Observations:
    with monkeypatch.context() as m:
        m.setattr(scanned_csv, "_udlscan", None)
        return read_observations(path)


def assert_same(a: Observations, b: Observations) -> None:
    for name in Observations.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, Labels):
            assert x.names == y.names, name
            np.testing.assert_array_equal(x.codes, y.codes, err_msg=name)
        elif isinstance(x, np.ndarray) and x.dtype.kind == "f":  # bits: NaN, -0.0
            np.testing.assert_array_equal(x.view(np.int64), y.view(np.int64), err_msg=name)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert x == y, name


def assert_reads_the_same(path: Path, monkeypatch) -> None:
    got = scanned(path)
    assert got is not None, f"{path.name}: declined"
    assert_same(got, without_scanner(path, monkeypatch))


def edited(tmp_path: Path, row: int = 2, *, rows: int | None = 40, **cells) -> Path:
    """The 2025-09-04 reference's first ``rows`` rows, ``cells`` set in row ``row``."""
    header, table = read_table(UDL_0904, rows)
    table[row].update(cells)
    return write_csv(tmp_path / UDL_0904.name, header, table)


def raw_edit(tmp_path: Path, old: bytes, new: bytes) -> Path:
    """The 2025-09-04 reference with the last ``old`` made ``new`` (past the header's
    64 KiB, which every reader checks first)."""
    before, found, after = UDL_0904.read_bytes().rpartition(old)
    assert found and len(before) > 1 << 16
    path = tmp_path / UDL_0904.name
    path.write_bytes(before + new + after)
    return path


@pytest.mark.parametrize(
    "path", [UDL_0904, UDL_0901], ids=["lf-17-digit-numbers", "crlf-real-download"]
)
def test_the_references_read_the_same(path, monkeypatch):
    assert_reads_the_same(path, monkeypatch)


NUMBERS = [
    "0",
    "-0.0",
    "1e5",
    "1E-05",
    "2.27378e-08",
    "-6897.404902000001",  # 16 digits: one exact division
    "-5295.9957251000005",  # 17 digits: Python's parser
    "12345678901234567890",
    "9007199254740993",  # 2**53 + 1: a midpoint between two doubles, ties to even
    "18014398509481986",  # 2**54 + 2: the same, from 17 digits
    "4503599627370497.5",  # 2**52 + 1.5: the same, with a fraction
    "-3757.2516779000002",  # 17 digits, no midpoint: one x87 division
    # 19 digits rounding, in 64 bits, onto a midpoint between two doubles which they are
    # not: the x87 division would round them the wrong way (found by search)
    "910.7840652956298868",
    "105035.7082409054492",
    "1e22",
    "1e23",
    "4.9e-324",
    "2.2250738585072011e-308",
    "1.7976931348623157e308",
    "1e400",
    "0.1000000000000000055511151231257827",
    "123.456e-20",
    "000123.4500",
]


@pytest.mark.parametrize("text", NUMBERS)
def test_a_number_reads_as_without_the_scanner(text, tmp_path, monkeypatch):
    path = edited(tmp_path, lat=text, senPos=f"[{text}, {text}, {text}]")
    assert_reads_the_same(path, monkeypatch)


def test_random_numbers_read_as_without_the_scanner(tmp_path, monkeypatch):
    rng = random.Random(20261206)
    header, table = read_table(UDL_0904)
    for row in table:
        x = [rng.uniform(-7000, 7000) * 10 ** rng.randint(-30, 30) for _ in range(6)]
        forms = [repr, lambda v: f"{v:.{rng.randint(1, 19)}g}", lambda v: f"{v:.8e}"]
        a, b, c, d, e, f = (rng.choice(forms)(v) for v in x)
        row.update(lat=a, lon=b, alt=c, senPos=f"[{d}, {e}, {f}]")
    path = write_csv(tmp_path / UDL_0904.name, header, table)
    assert_reads_the_same(path, monkeypatch)


@pytest.mark.parametrize(
    "cells",
    [
        {"idSensor": ""},  # blank: imputed later, as without the scanner
        {"obTime": "2024-02-29T23:59:59.999Z"},
        {"createdAt": "1678-01-01T00:00:00.000Z"},
    ],
    ids=["blank-sensor", "leap-day", "early-year"],
)
def test_ordinary_cells_are_not_declined(cells, tmp_path, monkeypatch):
    assert_reads_the_same(edited(tmp_path, **cells), monkeypatch)


@pytest.mark.parametrize(
    "cells",
    [
        *({"lat": t} for t in ("+1", ".5", "5.", "nan", "inf", "", " 1", "1e", "0x10", "1,5")),
        {"obTime": "2025-02-29T00:00:00.000Z"},
        {"obTime": "2025-09-04T24:00:00.000Z"},
        {"obTime": "2025-09-04T00:00:00Z"},
        {"obTime": "2025-09-04T00:00:00.000"},
        {"obTime": "2025-09-04 00:00:00.000Z"},
        {"createdAt": "1677-12-31T00:00:00.000Z"},
        {"idSensor": "NA"},
        {"idSensor": 'REACH-1"75'},
        {"senPos": "[1.0, 2.0]"},
        {"seoList": "[{'obType': 'x', 'obValue': 1.0, 'obQuality': '0'}]"},
        {
            "seoList": "[{'obType': 'Energetic Charged Particle', 'obUoM': 'rad/second', "
            "'obValue': 0.0, 'obQuality': '0', 'obDescription': \"DOSE2 'U' in rad/second\"}]"
        },
    ],
    ids=lambda c: f"{next(iter(c))}={next(iter(c.values()))!r}"[:40],
)
def test_other_forms_are_declined(cells, tmp_path):
    assert scanned(edited(tmp_path, **cells)) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"QUICKLOOK\n", b"QUICKLOOK\nREACH-1,x\n"),  # a short line
        (b"QUICKLOOK\n", b"QUICKLOOK,extra\n"),  # a token too many
        (b"QUICKLOOK\n", b"QUICKLOOK\n\n"),  # an empty line
        (b"Iridium-168", b"Iridium\r168"),  # a carriage return alone ends a line
        (b"REACH-175", b"REACH-\xff75"),  # not UTF-8
        (b"Iridium-168", b"Iridium\x00168"),  # NUL
    ],
    ids=["short-line", "long-line", "empty-line", "lone-cr", "not-utf8", "nul"],
)
def test_other_lines_are_declined(old, new, tmp_path):
    assert scanned(raw_edit(tmp_path, old, new)) is None


def test_too_many_distinct_labels_are_declined(tmp_path, monkeypatch):
    # The scanner keeps at most 4,096 distinct texts of a token in each range it scans.
    header, table = read_table(UDL_0904, 1)
    rows = [{**table[0], "observatoryName": f"Iridium-{k}"} for k in range(10_000)]
    path = write_csv(tmp_path / UDL_0904.name, header, rows)
    assert scanned(path) is None
    assert_reads_the_same(write_csv(path, header, rows[:4000]), monkeypatch)
