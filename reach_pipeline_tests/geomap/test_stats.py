"""The vectorized binned statistics equal scipy's binned_statistic_2d, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binned_statistic_2d

from reach_pipeline.geomap.stats import (
    LAT_EDGES,
    LON_EDGES,
    axis_bin,
    binned_statistics_2d,
    cell_index,
)
from reach_pipeline_tests.geomap.expected import STATISTIC_NAMES


def scipy_maps(lon, lat, values) -> dict[str, np.ndarray]:
    return {
        s: binned_statistic_2d(
            lon, lat, values, statistic=s, bins=[LON_EDGES, LAT_EDGES]
        ).statistic.T
        for s in STATISTIC_NAMES
    }


def awkward_points(seed: int, n: int):
    """Random points, a third of them on bin edges, at +-180 / +-90, just past them, or off
    the grid; values with ties, zeros and negatives."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180, 180, n)
    lat = rng.uniform(-90, 90, n)
    k = n // 3
    lon[:k] = rng.choice(LON_EDGES, k)
    lat[k : 2 * k] = rng.choice(LAT_EDGES, k)
    specials = np.array([-180.0, 180.0, 180 + 1e-7, 180 + 1e-5, -180 - 1e-9, 200.0, 175.0])
    lon[2 * k : 2 * k + 50] = rng.choice(specials, min(50, max(n - 2 * k, 0)))
    lat[2 * k + 50 : 2 * k + 100] = rng.choice(
        np.array([-90.0, 90.0, 90 + 4e-7, 90 + 1e-3, -90.5, 85.0]), min(50, max(n - 2 * k - 50, 0))
    )
    values = rng.lognormal(-13, 2, n)
    values[: n // 10] = np.round(values[: n // 10], 7)  # ties
    values[n // 10 : n // 10 + 5] = 0.0
    values[n // 10 + 5 : n // 10 + 8] = -1e-6
    return lon, lat, values


@pytest.mark.parametrize(
    ("seed", "n"), [(0, 1), (1, 7), (2, 100), (3, 1_000), (4, 10_000), (5, 200_000)]
)
def test_equals_scipy(seed, n):
    lon, lat, values = awkward_points(seed, n)
    ours = binned_statistics_2d(lon, lat, values)
    for stat, want in scipy_maps(lon, lat, values).items():
        assert ours[stat].shape == (36, 72)
        np.testing.assert_array_equal(ours[stat].view(np.uint64), want.view(np.uint64), stat)


@pytest.mark.parametrize("seed", range(5))
def test_equals_scipy_with_dense_cells(seed):
    """Few cells, many points each: medians of even and odd counts, stds of many points."""
    rng = np.random.default_rng(100 + seed)
    n = 5_000
    lon = rng.choice([-180.0, -2.5, 0.0, 179.99, 180.0], n)
    lat = rng.choice([-90.0, 0.0, 45.0, 90.0], n)
    values = rng.normal(1e-5, 3e-6, n)
    ours = binned_statistics_2d(lon, lat, values)
    for stat, want in scipy_maps(lon, lat, values).items():
        np.testing.assert_array_equal(ours[stat], want, stat)


def test_no_points():
    ours = binned_statistics_2d(np.array([]), np.array([]), np.array([]))
    assert np.all(ours["count"] == 0) and np.all(ours["sum"] == 0)
    for stat in ("mean", "median", "min", "max", "std"):
        assert np.all(np.isnan(ours[stat]))


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (-180.0, 0),  # the left edge is in the first bin
        (-175.0, 1),  # an inner edge belongs to the bin on its right
        (-0.0, 36),
        (-1e-300, 35),
        (179.999999, 71),
        (180.0, 71),  # exactly the last edge: the last bin
        (180.0000004, 71),  # within scipy's rounding of the last edge
        (180.000001, -1),
        (-180.0000001, -1),
        (np.nan, -1),
        (np.inf, -1),
    ],
)
def test_longitude_bin(x, expected):
    assert axis_bin(np.array([x]), LON_EDGES)[0] == expected


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (-180.0, -90.0, 0),
        (180.0, 90.0, 36 * 72 - 1),
        (0.0, 0.0, 18 * 72 + 36),
        (0.0, 90.1, -1),
        (np.nan, 0.0, -1),
    ],
)
def test_cell_index(lon, lat, expected):
    assert cell_index(np.array([lon]), np.array([lat]))[0] == expected
