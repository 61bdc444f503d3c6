"""Which days the telemetry file shows as finished by the legacy tool."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .layout import cdf_file_name, cdf_relative_path
from .telemetry import PROCESSED, UPLOADED, TelemetryRow


@dataclass(frozen=True)
class FinishedDay:
    day: date
    row: TelemetryRow
    cdf_path: Path
    uploaded: bool


def finished_days(
    latest: dict[date, TelemetryRow],
    output_dir: Path,
    *,
    is_ours: Callable[[str], bool],
) -> list[FinishedDay]:
    """Days whose latest row is PROCESSED or UPLOADED, written by another tool, with the
    CDF on disk: in the row's cdf_path, or where this project's layout puts it.

    A relative cdf_path (the legacy tool writes ``out/l1c/...``) is relative to that tool's
    folder, unknown here, so only the layout is looked at for it, never the current one."""
    found = []
    for day, row in sorted(latest.items()):
        if row.status not in (PROCESSED, UPLOADED) or is_ours(row.run_id):
            continue
        given = Path(row.cdf_path)
        candidates = [given] if row.cdf_path and given.is_absolute() else []
        candidates.append(Path(output_dir) / cdf_relative_path(cdf_file_name(day)))
        cdf = next((p for p in candidates if p.is_file()), None)
        if cdf is not None:
            found.append(FinishedDay(day, row, cdf, row.status == UPLOADED))
    return found
