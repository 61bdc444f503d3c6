"""How a day's CDF is named: the one rule, importable without the heavy libraries."""

import datetime as dt

DATA_VERSION = "1.0.0"


def cdf_file_stem(day: dt.date) -> str:
    """``reach_all_l1c_prelim_YYYYMMDDT000000_v1.0.0``, after the start of the UTC day."""
    return f"reach_all_l1c_prelim_{day:%Y%m%d}T000000_v{DATA_VERSION}"
