"""Is a written L2 geomap sound, given the L1C it was made from?"""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np

from .errors import GeomapInputError
from .product import FILLVAL, FLAVORS, STATISTICS
from .read import finite_points
from .stats import LAT_CENTRES, LON_CENTRES

MAP_SHAPE = (1, len(FLAVORS), len(LAT_CENTRES), len(LON_CENTRES))
LABELS = {
    "dosimeter_flavor_names": FLAVORS,
    "statistics": STATISTICS,
}


def geomap_problems(l2_path: str | Path, l1c_path: str | Path) -> list[str]:
    """Why the L2 at ``l2_path`` is not a sound geomap of ``l1c_path``; empty when it is."""
    try:
        cdf = cdflib.CDF(str(l2_path))
        names = cdf.cdf_info().zVariables
    except Exception as exc:  # noqa: BLE001 - any failure to reopen is the finding
        return [f"{l2_path}: does not reopen with cdflib: {type(exc).__name__}: {exc}"]
    expected = [f"{s}_map" for s in STATISTICS]
    missing = [v for v in ("Epoch", *LABELS, "lat", "lon", *expected) if v not in names]
    if missing:
        return [f"{l2_path}: missing variables: {', '.join(missing)}"]
    problems = _label_problems(cdf) + _map_problems(cdf)
    try:
        points = finite_points(l1c_path)
    except GeomapInputError as exc:
        return [*problems, f"the L1C cannot be read: {exc}"]
    counted = int(np.asarray(cdf.varget("count_map"), dtype=np.float64).sum())
    if counted != points:
        problems.append(f"count_map sums to {counted}, the L1C has {points} finite points")
    return problems


def _label_problems(cdf: cdflib.CDF) -> list[str]:
    problems = []
    for name, want in LABELS.items():
        got = [str(s).strip() for s in np.atleast_1d(cdf.varget(name))]
        if got != list(want):
            problems.append(f"{name} is {got}, expected {list(want)}")
    for name, want in (("lat", LAT_CENTRES), ("lon", LON_CENTRES)):
        got = np.atleast_1d(cdf.varget(name))
        if not np.array_equal(got, want):
            problems.append(f"{name} does not hold the {len(want)} bin centres")
    return problems


def _map_problems(cdf: cdflib.CDF) -> list[str]:
    maps = {}
    for statistic in STATISTICS:
        values = np.asarray(cdf.varget(f"{statistic}_map"))
        if values.shape != MAP_SHAPE:
            return [f"{statistic}_map has shape {values.shape}, expected {MAP_SHAPE}"]
        maps[statistic] = values
    empty = maps["count"] == 0
    problems = []
    for statistic, values in maps.items():
        blank = 0.0 if statistic in ("sum", "count") else np.float32(FILLVAL)
        if np.any(values[empty] != blank):
            problems.append(f"{statistic}_map has values in cells with count 0")
        if statistic not in ("sum", "count") and np.any(values[~empty] == np.float32(FILLVAL)):
            problems.append(f"{statistic}_map has FILLVAL in cells with points")
    filled = ~empty
    low, mid, high = maps["min"][filled], maps["median"][filled], maps["max"][filled]
    if np.any(low > mid) or np.any(mid > high):
        problems.append("min <= median <= max does not hold in every filled cell")
    return problems
