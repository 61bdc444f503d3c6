"""An independent, slow, obvious computation of the L2 maps, to test ours against.

Reads the L1C with cdflib and bins each flavor with ``scipy.stats.binned_statistic_2d``,
one flavor at a time, the way the legacy tool describes it. Shares no code with the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import cdflib
import numpy as np
from scipy.stats import binned_statistic_2d

DATA = Path(__file__).parents[1] / "data"
L2_0901 = DATA / "reach_all_l2_prelim_20250901T000000_v1.0.0.cdf"
L2_0904 = DATA / "reach_all_l2_prelim_20250904T000000_v1.0.0.cdf"
FLAVOR_NAMES = ("U", "V", "W", "X", "Y", "Z")
STATISTIC_NAMES = ("sum", "mean", "median", "count", "min", "max", "std")
LON_EDGES = np.arange(-180.0, 180.1, 5.0)
LAT_EDGES = np.arange(-90.0, 90.1, 5.0)


def _full(cdf: cdflib.CDF, name: str) -> np.ndarray:
    info = cdf.varinq(name)
    return np.asarray(cdf.varget(name)).reshape(info.Last_Rec + 1, *info.Dim_Sizes)


def flavor_points(l1c_path: Path) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per flavor letter: (lon, lat, dose) of every finite (time, sensor) point, in order."""
    cdf = cdflib.CDF(str(l1c_path))
    dose, lat, lon = (_full(cdf, v).astype(float) for v in ("dose_rate", "lat", "lon"))
    for a in (dose, lat, lon):
        a[a == -1e31] = np.nan
    info = cdf.varinq("dosimeter_flavors")
    flavors = np.asarray(cdf.varget("dosimeter_flavors")).reshape(info.Dim_Sizes)
    out = {}
    for letter in FLAVOR_NAMES:
        value = np.full(lat.shape, np.nan)
        for (s, j), text in np.ndenumerate(flavors):
            match = re.search(r"Flavor (\w)", str(text))
            if match and match.group(1) == letter:
                value[:, s] = dose[:, s, j]
        x, y, v = lon.ravel(), lat.ravel(), value.ravel()
        good = np.isfinite(x) & np.isfinite(y) & np.isfinite(v)
        out[letter] = (x[good], y[good], v[good])
    return out


def expected_flavor_maps(lon, lat, value) -> dict[str, np.ndarray]:
    """Each statistic as stored in the L2: float32 [lat, lon], empty cells 0 or FILLVAL."""
    out = {}
    for stat in STATISTIC_NAMES:
        if len(value):
            result = binned_statistic_2d(
                lon, lat, value, statistic=stat, bins=[LON_EDGES, LAT_EDGES]
            ).statistic.T
        else:
            result = np.full((36, 72), np.nan)
        if stat in ("sum", "count"):
            result = np.nan_to_num(result, nan=0.0)
        else:
            result = np.where(np.isnan(result), -1e31, result)
        out[stat] = result.astype(np.float32)
    return out


def expected_maps(l1c_path: Path) -> dict[str, np.ndarray]:
    """Every statistic as stored in our L2: float32 [1, flavor, lat, lon]."""
    per_flavor = [expected_flavor_maps(*pts) for pts in flavor_points(l1c_path).values()]
    return {s: np.stack([m[s] for m in per_flavor])[None] for s in STATISTIC_NAMES}
