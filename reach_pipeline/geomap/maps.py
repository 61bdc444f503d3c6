"""A day's maps: every statistic for every flavor, from one L1C day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .product import FLAVORS
from .read import L1CDay
from .stats import N_CELLS, N_LAT, N_LON, cell_index, cell_statistics


@dataclass(frozen=True)
class DayMaps:
    """``maps[statistic]`` is float64 [flavor, lat, lon], NaN in empty cells except for
    sum and count (0). Per flavor (in ``FLAVORS`` order): the points binned, and the day's
    largest and median dose over them (None when the flavor has no points)."""

    maps: dict[str, np.ndarray]
    points_used: tuple[int, ...]
    max_dose: tuple[float | None, ...]
    median_dose: tuple[float | None, ...]


def day_maps(day: L1CDay) -> DayMaps:
    """Bin every flavor's finite points in one pass: cells are offset by flavor, so one
    ``bincount`` and one sort serve all six maps; within a cell the points keep their
    (time, sensor) order, as in a per-flavor ``binned_statistic_2d``."""
    cell = cell_index(day.lon, day.lat)
    on_grid = cell >= 0
    keys, values = [], []
    for k in range(len(FLAVORS)):
        use = on_grid & np.isfinite(day.values[k])
        keys.append(cell[use] + k * N_CELLS)
        values.append(day.values[k][use])
    stats = cell_statistics(np.concatenate(keys), np.concatenate(values), len(FLAVORS) * N_CELLS)
    shape = (len(FLAVORS), N_LAT, N_LON)
    return DayMaps(
        maps={name: m.reshape(shape) for name, m in stats.items()},
        points_used=tuple(len(v) for v in values),
        max_dose=tuple(float(v.max()) if len(v) else None for v in values),
        median_dose=tuple(float(np.median(v)) if len(v) else None for v in values),
    )
