"""Per sensor, per day: records, availability, quality and median dose, from the day's grid.

One rule for both sources: the processor's grid in memory (``DayGrid``) and an L1C CDF read
back (a plugged-in processor reports only paths). ``SensorDay`` is light (the stage
outcomes carry it); numpy is imported when the numbers are computed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from .pods import EXPECTED_RECORDS_ONE_SENSOR, satellite_of
from .product import FILLVAL

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class SensorDay:
    """One sensor's day. ``records``: dose values present (both dosimeters); ``quality_pct``:
    share of those records whose obQuality is non-zero; ``median_dose``: median of those
    values (rad/s), None without records."""

    sensor: str
    satellite: str
    records: int
    availability_pct: float
    quality_pct: float
    median_dose: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict) -> SensorDay:
        return cls(**{name: value[name] for name in cls.__dataclass_fields__})


def sensor_days(labels: list[str], dose: np.ndarray, quality: np.ndarray) -> list[SensorDay]:
    """Each sensor's day from ``dose`` (time, sensor, flavor) and ``quality`` (time, sensor),
    FILLVAL where missing; sensors in ``labels`` order."""
    import numpy as np

    n_t, n_s = len(quality), len(labels)
    # sensor first and contiguous: each sensor's values are one block
    by_sensor = np.ascontiguousarray(np.moveaxis(np.reshape(dose, (n_t, n_s, -1)), 1, 0))
    present = by_sensor != FILLVAL  # (S, T, F)
    per_cell = sum(present[:, :, k].astype(np.int32) for k in range(present.shape[2]))
    flagged = ((quality != FILLVAL) & (quality != 0)).T
    records = per_cell.sum(axis=1)
    nonzero = (per_cell * flagged).sum(axis=1)
    days = []
    for s, label in enumerate(labels):
        values = by_sensor[s][present[s]]
        n = int(records[s])
        days.append(
            SensorDay(
                sensor=label,
                satellite=satellite_of(label),
                records=n,
                availability_pct=round(100.0 * n / EXPECTED_RECORDS_ONE_SENSOR, 2),
                quality_pct=round(100.0 * int(nonzero[s]) / n, 2) if n else 0.0,
                median_dose=float(np.median(values)) if n else None,
            )
        )
    return days
