"""Product names."""

from __future__ import annotations

import datetime as dt

import pytest

from reach_pipeline.geomap.product import (
    QUICKLOOK_MODES,
    l2_file_name,
    l2_file_stem,
    overview_file_name,
    quicklook_file_name,
    quicklook_names,
)

DAY = dt.date(2025, 9, 4)


@pytest.mark.parametrize(
    ("day", "stem"),
    [
        (dt.date(2025, 9, 4), "reach_all_l2_prelim_20250904T000000_v1.0.0"),
        (dt.date(2019, 1, 31), "reach_all_l2_prelim_20190131T000000_v1.0.0"),
    ],
)
def test_l2_names(day, stem):
    assert l2_file_stem(day) == stem
    assert l2_file_name(day) == f"{stem}.cdf"


@pytest.mark.parametrize(
    ("flavor", "statistic", "name"),
    [
        ("X", "median", "reach_all_l2_prelim_20250904T000000_v1.0.0_geomap_X_median.png"),
        ("U", "count", "reach_all_l2_prelim_20250904T000000_v1.0.0_geomap_U_count.png"),
    ],
)
def test_legacy_quicklook_names(flavor, statistic, name):
    assert quicklook_file_name(DAY, flavor, statistic) == name


@pytest.mark.parametrize(("mode", "count"), [("default", 7), ("all", 43)])
def test_quicklook_names_per_mode(mode, count):
    names = quicklook_names(DAY, mode)
    assert len(names) == len(set(names)) == count
    assert names[0] == overview_file_name(DAY) == f"{l2_file_stem(DAY)}_overview.png"
    assert mode in QUICKLOOK_MODES


def test_unknown_mode():
    with pytest.raises(ValueError, match="default, all"):
        quicklook_names(DAY, "everything")
