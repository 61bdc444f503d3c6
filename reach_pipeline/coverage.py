"""The coverage product: every sensor's availability over the last days, as numbers (CSV)
and as a sensor x day picture (PNG). No Dagster here: ``defs.coverage`` feeds it each day's
per-sensor numbers (``processing.sensor_stats.SensorDay``) and records what it wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reach_pipeline.durable import atomic_write_bytes
from reach_pipeline.processing.pods import IRIDIUM_TO_REACH, satellite_of
from reach_pipeline.processing.sensor_stats import SensorDay

COVERAGE_DIR = "coverage"
CSV_NAME = "reach_coverage.csv"
PNG_NAME = "reach_coverage.png"
CSV_COLUMNS = (
    "day",
    "sensor",
    "satellite",
    "records",
    "availability_pct",
    "quality_pct",
    "median_dose",
)
NO_L1C, ABSENT = "#dddddd", "#d62728"
POD_SENSORS = tuple(sorted(IRIDIUM_TO_REACH.values()))


@dataclass(frozen=True)
class Coverage:
    days: list[dt.date]  # oldest first
    sensors: list[str]  # sorted
    availability: np.ndarray  # (sensor, day) %, NaN where the day has no L1C numbers
    cells: dict[tuple[dt.date, str], SensorDay]  # the days with numbers: every sensor

    @property
    def made_days(self) -> list[dt.date]:
        return sorted({d for d, _ in self.cells})


def coverage(
    history: Mapping[dt.date, Mapping[str, SensorDay]],
    last: dt.date,
    n_days: int = 90,
    sensors: tuple[str, ...] = POD_SENSORS,
) -> Coverage:
    """The ``n_days`` days up to ``last``: every sensor of ``sensors`` and of the days'
    numbers; a sensor absent on a day with numbers counts 0 records."""
    days = [last - dt.timedelta(days=n) for n in range(n_days - 1, -1, -1)]
    seen = {s for d in days for s in history.get(d, {})}
    names = sorted(set(sensors) | seen)
    grid = np.full((len(names), len(days)), np.nan)
    cells = {}
    for j, day in enumerate(days):
        if day not in history:
            continue
        for i, sensor in enumerate(names):
            found = history[day].get(sensor) or SensorDay(
                sensor, satellite_of(sensor), 0, 0.0, 0.0, None
            )
            cells[(day, sensor)] = found
            grid[i, j] = found.availability_pct
    return Coverage(days, names, grid, cells)


def coverage_csv(cov: Coverage) -> bytes:
    """One row per day with numbers and sensor: the numbers the picture shows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for (day, sensor), s in sorted(cov.cells.items(), key=lambda item: item[0]):
        writer.writerow(
            [
                day.isoformat(),
                sensor,
                s.satellite,
                s.records,
                f"{s.availability_pct:.2f}",
                f"{s.quality_pct:.2f}",
                "" if s.median_dose is None else f"{s.median_dose:.6g}",
            ]
        )
    return buf.getvalue().encode()


def coverage_png(cov: Coverage) -> bytes:
    """The sensor x day picture: availability as colour, days without an L1C light grey,
    a sensor absent on a made day in red; each sensor labelled with its satellite."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n_s, n_d = cov.availability.shape
    fig = Figure(figsize=(12, 1.6 + 0.22 * n_s), dpi=90, layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor(NO_L1C)  # shows through where there are no numbers (NaN)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=(0, 0, 0, 0))
    image = ax.imshow(
        np.ma.masked_invalid(cov.availability),
        aspect="auto",
        interpolation="nearest",
        cmap=cmap,
        vmin=0,
        vmax=100,
    )
    absent = np.where(cov.availability == 0, 1.0, np.nan)
    ax.imshow(
        np.ma.masked_invalid(absent),
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap([ABSENT]),
    )
    ax.set_yticks(range(n_s), [f"{s} ({satellite_of(s) or '?'})" for s in cov.sensors])
    ax.tick_params(axis="y", labelsize=7)
    ticks = list(range(n_d - 1, -1, -7))[::-1]
    ax.set_xticks(ticks, [cov.days[j].strftime("%m-%d") for j in ticks], fontsize=8)
    ax.set_xlabel(f"UTC day ({cov.days[0]} .. {cov.days[-1]})")
    made = len(cov.made_days)
    ax.set_title(
        f"REACH sensor coverage: availability per sensor and day ({made} days with an L1C)"
    )
    fig.colorbar(image, ax=ax, label="availability %", fraction=0.03, pad=0.01)
    ax.legend(
        handles=[
            Patch(facecolor=ABSENT, label="no records (day made)"),
            Patch(facecolor=NO_L1C, edgecolor="#999999", label="no L1C that day"),
        ],
        loc="upper left",
        bbox_to_anchor=(0, -0.06),
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_coverage(cov: Coverage, output_dir: Path) -> tuple[Path, Path, bytes]:
    """Write the CSV and the PNG under ``output_dir/coverage/`` (each replaced whole);
    return their paths and the PNG's bytes."""
    folder = Path(output_dir) / COVERAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    png = coverage_png(cov)
    atomic_write_bytes(folder / CSV_NAME, coverage_csv(cov))
    atomic_write_bytes(folder / PNG_NAME, png)
    return folder / CSV_NAME, folder / PNG_NAME, png
