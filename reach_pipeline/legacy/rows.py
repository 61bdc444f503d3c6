"""Build the telemetry rows the processing and upload stages append for a day.

Every row carries the day's download columns forward from the day's latest earlier row
(the seed's ``_carry_forward``), and fills sensor_id/descriptor/output_format from the
run's configuration where the download tool left none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .telemetry import TelemetryLog, TelemetryRow, carry_forward, utc_now_iso


@dataclass(frozen=True)
class DayContext:
    """What every row of one run needs besides its status."""

    log: TelemetryLog
    run_id: str
    sensor_id: str
    descriptor: str
    output_format: str


def append_day_row(ctx: DayContext, day: date, status: str, **fields: str) -> TelemetryRow:
    """Append one row for ``day``; ``fields`` are further schema columns (strings)."""
    prior = ctx.log.latest_by_day().get(day)
    values = carry_forward(prior)
    for key, default in (
        ("sensor_id", ctx.sensor_id),
        ("descriptor", ctx.descriptor),
        ("output_format", ctx.output_format),
    ):
        values[key] = values.get(key) or default
    values.update(
        run_id=ctx.run_id,
        chunk_date_utc=day.isoformat(),
        status=status,
        started_at_utc=fields.pop("started_at_utc", "") or utc_now_iso(),
    )
    values.update(fields)
    row = TelemetryRow.from_mapping(values)
    ctx.log.append(row)
    return row


def started_at_of_run(ctx: DayContext, day: date) -> str:
    """started_at_utc of this run's latest row for the day (its PENDING row), or now."""
    latest = ctx.log.latest_by_day().get(day)
    if latest is not None and latest.run_id == ctx.run_id:
        return latest.started_at_utc
    return utc_now_iso()


def seconds(value: float) -> str:
    return f"{value:.3f}"


def megabytes(size_bytes: int) -> str:
    return f"{size_bytes / 1048576:.4f}"  # the legacy tool divides by 2**20


def resolve_cdf_path(cdf_path: str, base: Path) -> Path:
    """A telemetry row's cdf_path as a path: relative ones are relative to ``base``."""
    path = Path(cdf_path)
    return path if path.is_absolute() else base / path
