"""Read a written CDF back: its facts, and whether it is a sound Level-1C product."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import cdflib
import numpy as np

from .product import FILLVAL, VARIABLE_NAMES

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
        "sensors": [str(s) for s in np.atleast_1d(cdf.varget("sensor_labels"))],
        "descriptor": str(gattrs.get("UDL_Source", [""])[0]),
    }


def cdf_problems(path: str | Path, day: dt.date) -> list[str]:
    """Why the CDF is not a sound product for ``day``; empty when it is."""
    try:
        cdf = cdflib.CDF(str(path))
        info = cdf.cdf_info()
    except Exception as exc:  # noqa: BLE001 - any failure to reopen is the finding
        return [f"does not reopen with cdflib: {type(exc).__name__}: {exc}"]
    problems = []
    missing = [v for v in VARIABLE_NAMES if v not in info.zVariables]
    if missing:
        problems.append(f"missing variables: {', '.join(missing)}")
    gattrs = cdf.globalattsget()
    absent = [a for a in REQUIRED_GLOBAL_ATTRS if not gattrs.get(a)]
    if absent:
        problems.append(f"missing ISTP global attributes: {', '.join(absent)}")
    if "Epoch" in info.zVariables:
        epoch = np.atleast_1d(cdf.varget("Epoch"))
        if len(epoch) == 0:
            problems.append("Epoch is empty")
        else:
            if np.any(np.diff(epoch) <= 0):
                problems.append("Epoch is not strictly increasing")
            first, last = tt2000_to_datetime(epoch[[0, -1]])
            start = dt.datetime.combine(day, dt.time(), dt.UTC)
            end = start + dt.timedelta(days=1)
            if first < start or last >= end:
                problems.append(
                    f"Epoch runs {first.isoformat()} .. {last.isoformat()}, outside {day}"
                )
    return problems
