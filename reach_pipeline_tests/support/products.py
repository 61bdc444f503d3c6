"""Day files and products edited on purpose, for the change-report tests: a UDL day file
with one ``obValue`` changed, and a CDF with one attribute's text replaced in place."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

_OB_VALUE = re.compile(r"('obValue': )([^,}]+)")


def udl_with_value(src: Path, dst: Path, *, row: int = 0, factor: float = 2.0) -> tuple[str, float]:
    """Copy the UDL day file ``src`` to ``dst`` (a file path) with the ``obValue`` of data
    row ``row`` multiplied by ``factor``; return that row's idSensor and its old value."""
    with src.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    cell = rows[row]["seoList"]
    old = float(_OB_VALUE.search(cell)[2])
    rows[row]["seoList"] = _OB_VALUE.sub(lambda m: f"{m[1]}{old * factor!r}", cell, count=1)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)
    return rows[row]["idSensor"], old


def udl_without_sensor(src: Path, dst: Path, sensor: str) -> Path:
    """Copy the UDL day file ``src`` to ``dst`` without the rows of ``sensor``."""
    with src.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, [r for r in reader if r["idSensor"] != sensor]
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(rows)
    return dst


def with_text_replaced(src: Path, dst: Path, old: str, new: str) -> Path:
    """A copy of the CDF ``src`` whose one occurrence of ``old`` (an attribute's text) is
    ``new``, of the same length: the file stays a valid CDF."""
    if len(old) != len(new):
        raise ValueError("the replacement must keep the length")
    data = src.read_bytes()
    if data.count(old.encode()) != 1:
        raise ValueError(f"{old!r} is not in {src} exactly once")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data.replace(old.encode(), new.encode()))
    return dst


def copy_as(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return dst
