"""Binned statistics on the 5 deg x 5 deg longitude/latitude grid, vectorized.

The results equal ``scipy.stats.binned_statistic_2d`` on the same points, bit for bit:
bins include their left edge, a value on the last edge (180 or 90, to 6 decimals) falls in
the last bin, values outside the grid are not binned. Empty cells hold 0 for ``sum`` and
``count`` and NaN for the other statistics; ``std`` is the population standard deviation.
"""

from __future__ import annotations

import numpy as np

from .product import GRID_STEP_DEG, STATISTICS

N_LON = int(360 / GRID_STEP_DEG)
N_LAT = int(180 / GRID_STEP_DEG)
N_CELLS = N_LON * N_LAT
LON_EDGES = np.linspace(-180.0, 180.0, N_LON + 1)
LAT_EDGES = np.linspace(-90.0, 90.0, N_LAT + 1)
LON_CENTRES = (LON_EDGES[:-1] + GRID_STEP_DEG / 2).astype(np.float32)
LAT_CENTRES = (LAT_EDGES[:-1] + GRID_STEP_DEG / 2).astype(np.float32)
# scipy's rule for "on the last edge": equal to it when both are rounded to this many
# decimals, with decimals = int(-log10(smallest bin width)) + 6.
_EDGE_DECIMALS = int(-np.log10(GRID_STEP_DEG)) + 6


def axis_bin(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of each ``x`` along one axis; -1 outside the edges (and for NaN)."""
    idx = np.searchsorted(edges, x, side="right") - 1
    n = len(edges) - 1
    on_last_edge = (x >= edges[-1]) & (np.around(x, _EDGE_DECIMALS) == edges[-1])
    idx[on_last_edge] = n - 1
    idx[(idx < 0) | (idx >= n)] = -1
    return idx


def cell_index(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Flat cell of each point, ``lat_bin * N_LON + lon_bin``; -1 where off the grid."""
    i_lon = axis_bin(np.asarray(lon, dtype=np.float64), LON_EDGES)
    i_lat = axis_bin(np.asarray(lat, dtype=np.float64), LAT_EDGES)
    cell = i_lat * N_LON + i_lon
    cell[(i_lon < 0) | (i_lat < 0)] = -1
    return cell


def cell_statistics(cell: np.ndarray, values: np.ndarray, n_cells: int) -> dict[str, np.ndarray]:
    """Every statistic of ``values`` grouped by ``cell`` (0 <= cell < n_cells), float64.

    Counts, sums and means come from ``np.bincount`` in the points' order (as scipy sums
    them); median, min and max from one sort by (cell, value).
    """
    count = np.bincount(cell, minlength=n_cells).astype(np.float64)
    total = np.bincount(cell, weights=values, minlength=n_cells)
    filled = count > 0
    mean = np.full(n_cells, np.nan)
    mean[filled] = total[filled] / count[filled]
    delta = values - total[cell] / count[cell]
    squares = np.bincount(cell, weights=delta * delta, minlength=n_cells)
    std = np.full(n_cells, np.nan)
    std[filled] = np.sqrt(squares[filled] / count[filled])
    median, low, high = _order_statistics(cell, values, n_cells, count)
    out = {
        "sum": total,
        "mean": mean,
        "median": median,
        "count": count,
        "min": low,
        "max": high,
        "std": std,
    }
    return {name: out[name] for name in STATISTICS}


def _order_statistics(
    cell: np.ndarray, values: np.ndarray, n_cells: int, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, min and max per cell from one sort: by value, then a stable sort by cell.

    The value sort need not be stable: equal values are interchangeable.
    """
    by_value = np.argsort(values)
    cell_dtype = np.int16 if n_cells <= np.iinfo(np.int16).max else np.int64
    by_cell = np.argsort(cell[by_value].astype(cell_dtype), kind="stable")
    ordered = values[by_value[by_cell]]
    filled = np.flatnonzero(count)
    n = count[filled].astype(np.int64)
    start = np.cumsum(n) - n
    median, low, high = (np.full(n_cells, np.nan) for _ in range(3))
    median[filled] = (ordered[start + (n - 1) // 2] + ordered[start + n // 2]) / 2
    low[filled] = ordered[start]
    high[filled] = ordered[start + n - 1]
    return median, low, high


def binned_statistics_2d(lon, lat, values) -> dict[str, np.ndarray]:
    """Every statistic of one set of points on the grid, each map [lat, lon] (float64)."""
    values = np.asarray(values, dtype=np.float64)
    cell = cell_index(lon, lat)
    on_grid = cell >= 0
    stats = cell_statistics(cell[on_grid], values[on_grid], N_CELLS)
    return {name: m.reshape(N_LAT, N_LON) for name, m in stats.items()}
