"""A day's state, derived: its L1C product and whether another tool finished it.

Nothing here is stored: the telemetry file's latest row and the layout rule say it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from .layout import cdf_day, cdf_file_name, cdf_relative_path, day_dir
from .telemetry import PROCESSED, UPLOADED, TelemetryRow


def cdf_on_disk(cdf_path: str, *, output_dir: Path, telemetry_path: Path) -> Path | None:
    """The CDF a telemetry row's ``cdf_path`` names, if it is on disk.

    An absolute path is taken as it is. A relative one (the legacy tool writes
    ``out/l1c/prelim/…`` relative to the folder it ran in) is looked for next to the
    telemetry file, in that folder's parent (the legacy ``in/`` + ``out/`` layout), and at
    its layout place below ``output_dir``.
    """
    if not cdf_path:
        return None
    given = Path(cdf_path)
    if given.is_absolute():
        candidates = [given]
    else:
        base = Path(telemetry_path).parent
        candidates = [base / given, base.parent / given]
    try:
        candidates.append(Path(output_dir) / cdf_relative_path(given.name))
    except ValueError:
        pass  # not a REACH CDF name: only the row's own path can name it
    return next((p for p in candidates if p.is_file()), None)


def locate_cdf(
    day: date, row: TelemetryRow | None, *, output_dir: Path, telemetry_path: Path
) -> Path | None:
    """The day's L1C CDF on disk: the one its telemetry row names (the legacy tool names
    it after the day's first record, ``…T000010…``), else the layout's ``…T000000…``."""
    named = row and cdf_on_disk(row.cdf_path, output_dir=output_dir, telemetry_path=telemetry_path)
    if named:
        return named
    path = Path(output_dir) / cdf_relative_path(cdf_file_name(day))
    return path if path.is_file() else None


def replaced_object(
    day: date, rows: Iterable[TelemetryRow], *, bucket: str, new_key: str
) -> str | None:
    """The key of the day's object in ``bucket`` that a new upload to ``new_key``
    replaces, or ``None``.

    It is the key of the day's latest UPLOADED row (a day has one L1C product: the legacy
    tool named it after the first record, ``…T000010…``, ours after midnight), when that
    row's bucket is ``bucket``, its key differs from ``new_key`` and is a CDF of that
    day in that day's folder; a key that is anything else is never offered for deletion.
    """
    uploaded = [r for r in rows if r.chunk_date_utc == day.isoformat() and r.status == UPLOADED]
    if not uploaded:
        return None
    row = uploaded[-1]
    if row.s3_bucket != bucket or not row.s3_key or row.s3_key == new_key:
        return None
    key = PurePosixPath(row.s3_key)
    try:
        same_day = cdf_day(key.name) == day
    except ValueError:
        return None
    return row.s3_key if same_day and key.parent == day_dir("l1c", day) else None


@dataclass(frozen=True)
class FinishedDay:
    day: date
    row: TelemetryRow
    cdf_path: Path
    uploaded: bool


def finished_days(
    latest: dict[date, TelemetryRow],
    *,
    output_dir: Path,
    telemetry_path: Path,
    is_ours: Callable[[str], bool],
) -> list[FinishedDay]:
    """Days whose latest row is PROCESSED or UPLOADED, written by another tool, with the
    CDF on disk (``locate_cdf``)."""
    found = []
    for day, row in sorted(latest.items()):
        if row.status not in (PROCESSED, UPLOADED) or is_ours(row.run_id):
            continue
        cdf = locate_cdf(day, row, output_dir=output_dir, telemetry_path=telemetry_path)
        if cdf is not None:
            found.append(FinishedDay(day, row, cdf, row.status == UPLOADED))
    return found
