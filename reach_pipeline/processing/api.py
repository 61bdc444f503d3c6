"""``process_file``: the legacy processor contract, and ``process_day``, which also reports."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from reach_pipeline.machine import os_fault

from .cdf import write_cdf
from .errors import ReachInputError
from .read import read_observations
from .sensor_stats import sensor_days
from .transform import build_grid


@dataclass(frozen=True)
class DayFacts:
    """What processing one day file found; the Dagster layer reports these as metadata."""

    input_path: str
    cdf_path: str
    records_read: int
    observations: int
    after_dedupe: int
    duplicates_dropped: int
    ids_imputed: int
    rows_dropped: int
    epoch_count: int
    first_time: str
    last_time: str
    sensors: list[str]
    descriptor: str
    process_seconds: float
    sensor_days: list[dict]  # SensorDay.as_dict() per sensor

    def as_dict(self) -> dict:
        return asdict(self)


def process_day(
    path: str | Path, output_dir: str | Path | None = None, *, fast: bool = True
) -> DayFacts:
    """Turn one UDL day file into one CDF in ``output_dir`` (default: the current directory).

    Raises ``ReachInputError`` (a ``ValueError``) naming the file and the problem when the
    input cannot be used; nothing is written then. Any other ``Exception`` on the way is
    turned into one too, naming the file, the step and the exception's type, so no bare
    Python message escapes; ``KeyboardInterrupt`` and ``SystemExit`` pass through, and so
    does a fault of the machine (a full disk, an I/O error: not the input's).
    """
    started = time.perf_counter()
    path = Path(path)
    with _named(path, "reading the file"):
        obs = read_observations(path, fast=fast)
    with _named(path, "building the day's grid"):
        grid, counts = build_grid(path, obs)
        del obs
        first, last = _utc(grid.epoch_unix_ns[0]), _utc(grid.epoch_unix_ns[-1])
        per_sensor = sensor_days(grid.sensor_labels, grid.dose_rate, grid.per_sensor["quality"])
    with _named(path, "writing the CDF"):
        directory = Path.cwd() if output_dir is None else Path(output_dir)
        cdf_path = write_cdf(grid, first.date(), directory)
    return DayFacts(
        input_path=str(path),
        cdf_path=str(cdf_path),
        epoch_count=len(grid.epoch_unix_ns),
        first_time=first.isoformat(),
        last_time=last.isoformat(),
        sensors=list(grid.sensor_labels),
        descriptor=grid.descriptor,
        process_seconds=round(time.perf_counter() - started, 3),
        sensor_days=[d.as_dict() for d in per_sensor],
        **asdict(counts),
    )


@contextmanager
def _named(path: Path, doing: str) -> Iterator[None]:
    """The safety net: an unexpected exception becomes a ReachInputError naming the file,
    but for a fault of the machine (a full disk, an I/O error: ``machine.os_fault``),
    which is not the input's."""
    try:
        yield
    except ReachInputError:
        raise
    except Exception as exc:
        if os_fault(exc) is not None:
            raise
        text = str(exc).splitlines()[0] if str(exc) else ""
        raise ReachInputError(
            path, f"unexpected {type(exc).__name__} while {doing}: {text[:300]}"
        ) from exc


def process_file(path: str | Path) -> list[Path]:
    """The legacy contract: write the day's CDF into the current directory, return its path."""
    return [Path(process_day(path).cdf_path)]


# It keeps no state from one day to the next: the fork worker may run it day after day in
# one process, its memory warm (runner.forkworker).
process_file.reuses_process = True


def _utc(unix_ns: np.int64) -> dt.datetime:
    seconds, ns = divmod(int(unix_ns), 1_000_000_000)
    return dt.datetime.fromtimestamp(seconds, dt.UTC) + dt.timedelta(microseconds=ns // 1000)
