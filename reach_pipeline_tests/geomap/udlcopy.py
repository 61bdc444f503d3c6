"""Real L1C files made by the processing package from an edited copy of a UDL day file."""

from __future__ import annotations

import csv
from pathlib import Path

from reach_pipeline.processing import process_day
from reach_pipeline_tests.support.data import UDL_0901


def udl_without(tmp: Path, drop) -> Path:
    """A copy of the 09-01 UDL file without the rows ``drop(row)`` selects."""
    out = tmp / UDL_0901.name
    with UDL_0901.open(newline="") as src, out.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, reader.fieldnames)
        writer.writeheader()
        writer.writerows(row for row in reader if not drop(row))
    return out


def l1c_from(tmp_path: Path, drop) -> Path:
    udl = udl_without(tmp_path, drop)
    return Path(process_day(udl, tmp_path).cdf_path)
