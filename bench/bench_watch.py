"""What watching the instrument costs: the per-sensor numbers of a full day (in the
processor, from its grid), the coverage of 90 full days (grid, CSV, PNG) and the sensor
watch over 31 days, on synthetic numbers of 32 pods.

    python bench/bench_watch.py [--repeat 5]
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reach_pipeline.alerts.watch import Thresholds, watch
from reach_pipeline.coverage import POD_SENSORS, coverage, coverage_csv, coverage_png
from reach_pipeline.processing.pods import STEPS_PER_DAY, satellite_of
from reach_pipeline.processing.product import FILLVAL
from reach_pipeline.processing.sensor_stats import SensorDay, sensor_days


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def full_day_grid(rng) -> tuple[np.ndarray, np.ndarray]:
    """A full day: every 5 s, 32 pods, two dosimeters; 2 % of cells missing."""
    dose = rng.lognormal(-15, 1, (STEPS_PER_DAY, len(POD_SENSORS), 2))
    dose[rng.random(dose.shape) < 0.02] = FILLVAL
    quality = rng.integers(0, 2, (STEPS_PER_DAY, len(POD_SENSORS))).astype(np.float64)
    return dose, quality


def history(days: int, last: dt.date, rng) -> dict:
    out = {}
    for n in range(days):
        records = rng.integers(30000, 34560, len(POD_SENSORS))
        out[last - dt.timedelta(days=n)] = {
            s: SensorDay(s, satellite_of(s), int(r), round(100 * r / 34560, 2), 50.0, 1e-7)
            for s, r in zip(POD_SENSORS, records, strict=True)
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    dose, quality = full_day_grid(rng)
    labels = list(POD_SENSORS)
    seconds, _ = timed(lambda: sensor_days(labels, dose, quality), args.repeat)
    print(f"sensor_days, one full day ({dose.size:,} dose cells): {seconds * 1000:.1f} ms")

    last = dt.date(2026, 3, 31)
    days = history(90, last, rng)
    seconds, cov = timed(lambda: coverage(days, last), args.repeat)
    print(f"coverage grid, 90 days x 32 pods: {seconds * 1000:.1f} ms")
    seconds, csv = timed(lambda: coverage_csv(cov), args.repeat)
    print(f"coverage CSV: {seconds * 1000:.1f} ms, {len(csv):,} bytes")
    coverage_png(cov)  # matplotlib's import and first figure, outside the figure
    seconds, png = timed(lambda: coverage_png(cov), args.repeat)
    print(f"coverage PNG: {seconds * 1000:.0f} ms, {len(png):,} bytes")
    window = {d: v for d, v in days.items() if d >= last - dt.timedelta(days=30)}
    seconds, _ = timed(lambda: watch(window, {}, Thresholds()), args.repeat)
    print(f"sensor watch, 31 days x 32 pods: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
