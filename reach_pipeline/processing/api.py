"""``process_file``: the legacy processor contract, and ``process_day``, which also reports."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .cdf import write_cdf
from .read import read_observations
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

    def as_dict(self) -> dict:
        return asdict(self)


def process_day(
    path: str | Path, output_dir: str | Path | None = None, *, fast: bool = True
) -> DayFacts:
    """Turn one UDL day file into one CDF in ``output_dir`` (default: the current directory).

    Raises ``ReachInputError`` (a ``ValueError``) naming the file and the problem when the
    input cannot be used; nothing is written then.
    """
    started = time.perf_counter()
    path = Path(path)
    obs = read_observations(path, fast=fast)
    grid, counts = build_grid(path, obs)
    del obs
    first, last = grid.epoch_unix_ns[0], grid.epoch_unix_ns[-1]
    day = _utc(first).date()
    cdf_path = write_cdf(grid, day, Path.cwd() if output_dir is None else Path(output_dir))
    return DayFacts(
        input_path=str(path),
        cdf_path=str(cdf_path),
        records_read=counts.records_read,
        observations=counts.observations,
        after_dedupe=counts.after_dedupe,
        duplicates_dropped=counts.duplicates_dropped,
        ids_imputed=counts.ids_imputed,
        rows_dropped=counts.rows_dropped,
        epoch_count=len(grid.epoch_unix_ns),
        first_time=_utc(first).isoformat(),
        last_time=_utc(last).isoformat(),
        sensors=list(grid.sensor_labels),
        descriptor=grid.descriptor,
        process_seconds=round(time.perf_counter() - started, 3),
    )


def process_file(path: str | Path) -> list[Path]:
    """The legacy contract: write the day's CDF into the current directory, return its path."""
    return [Path(process_day(path).cdf_path)]


def _utc(unix_ns: np.int64) -> dt.datetime:
    seconds, ns = divmod(int(unix_ns), 1_000_000_000)
    return dt.datetime.fromtimestamp(seconds, dt.UTC) + dt.timedelta(microseconds=ns // 1000)
