"""Read a written CDF back: its facts, and whether it is a sound Level-1C product."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cdflib
import numpy as np

from .product import FILLVAL, VARIABLE_NAMES
from .sensor_stats import sensor_days

# Where a CDF (version 3) records the offset of its GDR, and where the GDR records the
# file's end (the CDF Internal Format Description: CDR and GDR fields, all big-endian).
_CDR_GDR_OFFSET = 8 + 8 + 4  # magic, CDR RecordSize, CDR RecordType
_GDR_EOF_OFFSET = 8 + 4 + 8 + 8 + 8  # RecordSize, RecordType, rVDRhead, zVDRhead, ADRhead

# ISTP global attributes a Level-1C product must carry.
REQUIRED_GLOBAL_ATTRS = (
    "Data_type",
    "Data_version",
    "Descriptor",
    "Discipline",
    "Generation_date",
    "Instrument_type",
    "Logical_file_id",
    "Logical_source",
    "Logical_source_description",
    "Mission_group",
    "PI_affiliation",
    "PI_name",
    "Project",
    "Source_name",
    "TEXT",
)


def tt2000_to_datetime(values: np.ndarray) -> list[dt.datetime]:
    """TT2000 to aware UTC datetimes (via cdflib, leap seconds included)."""
    parts = cdflib.cdfepoch.breakdown_tt2000(np.atleast_1d(values))
    return [
        dt.datetime(*(int(x) for x in p[:6]), int(p[6]) * 1000 + int(p[7]), tzinfo=dt.UTC)
        for p in np.atleast_2d(parts)
    ]


def facts_from_cdf(path: str | Path) -> dict:
    """What a CDF holds, for processors that return only a path."""
    cdf = cdflib.CDF(str(path))
    epoch = cdf.varget("Epoch")
    dose = cdf.varget("dose_rate")
    first, last = tt2000_to_datetime(epoch[[0, -1]])
    gattrs = cdf.globalattsget()
    labels = [str(s) for s in np.atleast_1d(cdf.varget("sensor_labels"))]
    quality = np.asarray(cdf.varget("obQuality"), dtype=np.float64).reshape(len(epoch), -1)
    return {
        "cdf_path": str(path),
        "records_read": None,
        "observations": int(np.count_nonzero(dose != FILLVAL)),
        "after_dedupe": int(np.count_nonzero(dose != FILLVAL)),
        "duplicates_dropped": None,
        "ids_imputed": None,
        "rows_dropped": None,
        "epoch_count": int(len(epoch)),
        "first_time": first.isoformat(),
        "last_time": last.isoformat(),
        "sensors": labels,
        "descriptor": str(gattrs.get("UDL_Source", [""])[0]),
        "sensor_days": [d.as_dict() for d in sensor_days(labels, dose, quality)],
    }


def last_observation(path: str | Path) -> str:
    """The time of a CDF's last Epoch record, ISO 8601 UTC (only Epoch is read)."""
    epoch = np.atleast_1d(cdflib.CDF(str(path)).varget("Epoch"))
    return tt2000_to_datetime(epoch[[-1]])[0].isoformat()


def cdf_problems(path: str | Path, day: dt.date) -> list[str]:
    """Why the CDF is not a sound product for ``day``; empty when it is. Never raises.

    It checks that the file is whole (its size is the end of file its header records: a
    copy cut short fails here whatever the length), that every variable reads back in full
    with one record per Epoch, the ISTP global attributes, and that Epoch increases and
    lies within ``day``.
    """
    path = Path(path)
    problem = _whole_file_problem(path)
    if problem:
        return [problem]
    try:
        return _content_problems(path, day)
    except Exception as exc:  # noqa: BLE001 - any failure to read back is the finding
        return [f"does not read back with cdflib: {type(exc).__name__}: {exc}"]


def _content_problems(path: Path, day: dt.date) -> list[str]:
    cdf = cdflib.CDF(str(path))
    info = cdf.cdf_info()
    gattrs = cdf.globalattsget()
    data = {name: _values(cdf, name) for name in info.zVariables}
    problems = []
    missing = [v for v in VARIABLE_NAMES if v not in data]
    if missing:
        problems.append(f"missing variables: {', '.join(missing)}")
    absent = [a for a in REQUIRED_GLOBAL_ATTRS if not gattrs.get(a)]
    if absent:
        problems.append(f"missing ISTP global attributes: {', '.join(absent)}")
    if "Epoch" in data:
        problems += _record_problems(cdf, data)
        problems += _epoch_problems(data["Epoch"], day)
    return problems


def _values(cdf: cdflib.CDF, name: str) -> np.ndarray:
    values = cdf.varget(name)
    return np.empty(0) if values is None else np.atleast_1d(values)


def _whole_file_problem(path: Path) -> str | None:
    """A file too short for what its own header says (an interrupted copy), or no CDF."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            if size < 8:
                return f"the file is {size} bytes, too short for a CDF: cut short?"
            if head[:4] != b"\xcd\xf3\x00\x01":
                return "not a CDF file (no CDF version 3 magic number)"
            if head[4:] != b"\x00\x00\xff\xff":
                return None  # a compressed CDF: cdflib's decompression checks it
            fh.seek(_CDR_GDR_OFFSET)
            gdr = int.from_bytes(fh.read(8), "big", signed=True)
            fh.seek(gdr + _GDR_EOF_OFFSET)
            eof = fh.read(8)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    end = int.from_bytes(eof, "big", signed=True) if len(eof) == 8 else None
    if end is None:
        return f"the file is {size:,} bytes, cut before its header gives its length: cut short?"
    if end != size:
        return f"the file is {size:,} bytes but its header says {end:,} bytes: cut short?"
    return None


def _record_problems(cdf: cdflib.CDF, data: dict[str, np.ndarray]) -> list[str]:
    """Every record-varying variable holds one record per Epoch."""
    n = len(data["Epoch"])
    short = [
        f"{name} ({len(values)})"
        for name, values in data.items()
        if cdf.varinq(name).Rec_Vary and len(values) != n
    ]
    return [f"records differ from Epoch's {n}: {', '.join(short)}"] if short else []


def _epoch_problems(epoch: np.ndarray, day: dt.date) -> list[str]:
    """Epoch is not empty, strictly increasing, and within ``day``."""
    if len(epoch) == 0:
        return ["Epoch is empty"]
    problems = []
    if np.any(np.diff(epoch) <= 0):
        problems.append("Epoch is not strictly increasing")
    first, last = tt2000_to_datetime(epoch[[0, -1]])
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    end = start + dt.timedelta(days=1)
    if first < start or last >= end:
        problems.append(f"Epoch runs {first.isoformat()} .. {last.isoformat()}, outside {day}")
    return problems
