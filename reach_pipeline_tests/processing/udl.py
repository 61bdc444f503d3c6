"""Small UDL day files for the processing tests, derived from the bundled reference inputs."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
from pathlib import Path

import cdflib
import numpy as np

from reach_pipeline.processing.product import VARIABLE_NAMES
from reach_pipeline_tests.support.data import UDL_0904

Row = dict[str, str]


def read_table(path: Path = UDL_0904, limit: int | None = None) -> tuple[list[str], list[Row]]:
    """The header and the data rows (as dicts) of a reference CSV, the first ``limit`` rows."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    return header, rows if limit is None else rows[:limit]


def csv_text(header: list[str], rows: list[Row], *, lineterminator: str = "\n") -> str:
    """CSV text as the csv module writes it; for the references this is byte-identical."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator=lineterminator)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_csv(path: Path, header: list[str], rows: list[Row], **kw) -> Path:
    path.write_text(csv_text(header, rows, **kw), encoding="utf-8", newline="")
    return path


def seo_objects(cell: str) -> list[dict]:
    """A reference seoList cell (a Python repr) as a list of dicts."""
    return ast.literal_eval(cell)


def sen_pos(cell: str) -> list[float]:
    return [float(v) for v in ast.literal_eval(cell)]


def as_json_cells(row: Row) -> Row:
    """The row with seoList/senPos rewritten as JSON text (double quotes inside the cells)."""
    return row | {
        "seoList": json.dumps(seo_objects(row["seoList"])),
        "senPos": json.dumps(sen_pos(row["senPos"])),
    }


def as_udl_record(row: Row) -> dict:
    """The row as a UDL JSON record: seoList a list of objects, senPos a list, numbers as such."""
    rec: dict = dict(row)
    rec["seoList"] = seo_objects(row["seoList"])
    rec["senPos"] = sen_pos(row["senPos"])
    for key in ("lat", "lon", "alt"):
        rec[key] = float(row[key])
    return rec


def day_file_name(day: dt.date, suffix: str = ".csv", sensor: str = "ALL") -> str:
    """A UDL day file name: ``REACH-ALL_20260101T000000_20260102T000000.csv``."""
    nxt = day + dt.timedelta(days=1)
    return f"REACH-{sensor}_{day:%Y%m%d}T000000_{nxt:%Y%m%d}T000000{suffix}"


def cdf_values(path: str | Path) -> dict[str, np.ndarray]:
    """Every variable of one of our CDFs, by name."""
    cdf = cdflib.CDF(str(path))
    return {name: cdf.varget(name) for name in VARIABLE_NAMES}


def assert_same_values(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    """Two CDFs hold the same variables with identical values (floats compared exactly)."""
    assert list(a) == list(b)
    for name in a:
        assert a[name].shape == b[name].shape, name
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
