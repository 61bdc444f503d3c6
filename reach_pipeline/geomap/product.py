"""What a Level-2 geomap product is: its names, its grid, its flavors and statistics.

Importable without the heavy libraries (numpy, matplotlib, cdflib).
"""

from __future__ import annotations

import datetime as dt

from reach_pipeline.processing.product import DATA_VERSION, FILLVAL

__all__ = [
    "DATA_VERSION",
    "FILLVAL",
    "FLAVORS",
    "FLAVOR_LABELS",
    "GRID_STEP_DEG",
    "LOG_RANGE",
    "QUICKLOOK_MODES",
    "STATISTICS",
    "l2_file_name",
    "l2_file_stem",
    "overview_file_name",
    "quicklook_file_name",
    "quicklook_names",
]

# The six dosimeter flavors, in the order of the maps' flavor dimension.
FLAVORS = ("U", "V", "W", "X", "Y", "Z")
FLAVOR_LABELS = (
    r"U $\geq$ 5.0 MeV $e^{-}$, $\geq$ 57 MeV $p^{+}$",
    r"V $\geq$ 3.4 MeV $e^{-}$, $\geq$ 47 MeV $p^{+}$",
    r"W $\geq$ 12 MeV $p^{+}$",
    r"X $\geq$ 360 keV $e^{-}$, $\geq$ 12 MeV $p^{+}$",
    r"Y $\geq$ 1.6 MeV $e^{-}$, $\geq$ 31 MeV $p^{+}$",
    r"Z $\geq$ 50 keV $e^{-}$, $\geq$ 200 keV $p^{+}$",
)
# The statistics, in the order of the CDF's `statistics` variable; each is a `<name>_map`.
STATISTICS = ("sum", "mean", "median", "count", "min", "max", "std")
GRID_STEP_DEG = 5.0
# Colour scale of the dose maps (rad/s), log10.
LOG_RANGE = (1e-7, 1e-2)

# "default": the overview and one median map per flavor; "all": every flavor x statistic too.
QUICKLOOK_MODES = ("default", "all")


def l2_file_stem(day: dt.date) -> str:
    """``reach_all_l2_prelim_YYYYMMDDT000000_v1.0.0``, after the start of the UTC day."""
    return f"reach_all_l2_prelim_{day:%Y%m%d}T000000_v{DATA_VERSION}"


def l2_file_name(day: dt.date) -> str:
    return f"{l2_file_stem(day)}.cdf"


def quicklook_file_name(day: dt.date, flavor: str, statistic: str) -> str:
    """The legacy quicklook name: ``<L2 stem>_geomap_<FLAVOR>_<statistic>.png``."""
    return f"{l2_file_stem(day)}_geomap_{flavor}_{statistic}.png"


def overview_file_name(day: dt.date) -> str:
    """The day's overview: the six median maps in one figure."""
    return f"{l2_file_stem(day)}_overview.png"


def quicklook_names(day: dt.date, mode: str = "default") -> list[str]:
    """Every PNG ``mode`` writes for ``day``, overview first."""
    if mode not in QUICKLOOK_MODES:
        raise ValueError(f"quicklooks must be one of {', '.join(QUICKLOOK_MODES)}, not {mode!r}")
    statistics = STATISTICS if mode == "all" else ("median",)
    maps = [quicklook_file_name(day, f, s) for f in FLAVORS for s in statistics]
    return [overview_file_name(day), *maps]
