"""The one interface that writes a day's telemetry rows.

Every processing and upload row goes through ``DayLog``: the stage's PENDING row, then its
closing row (PROCESSED, UPLOADED or FAILED) with the same ``started_at_utc``, or a
SKIPPED_NO_INPUT row. Each row carries the day's download columns forward from the day's
latest earlier row (the legacy tool's ``_carry_forward``), fills sensor_id / descriptor /
output_format from the run's settings where the download tool left none, and, at the
upload stage, repeats the CDF's columns so a retry can upload only.

What it knows of the file comes from the process's ``TelemetryView``: the run's first
read, then only the rows appended since. A row that cannot be
written for a fault of the machine (a full disk) raises ``machine.MachineFault``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reach_pipeline.machine import fault_at

from .telemetry import (
    FAILED,
    PROCESS_PENDING,
    PROCESSED,
    SKIPPED_NO_INPUT,
    UPLOAD_PENDING,
    UPLOADED,
    TelemetryLog,
    TelemetryRow,
    carry_forward,
    utc_now_iso,
)
from .telemetry_view import TelemetryView

_MAX_MESSAGE = 500


def seconds(value: float) -> str:
    return f"{value:.3f}"


def megabytes(size_bytes: int) -> str:
    return f"{size_bytes / 1048576:.4f}"  # the legacy tool divides by 2**20


def one_line(message: str, limit: int = _MAX_MESSAGE) -> str:
    """A message as one line of at most ``limit`` characters, for ``error_message``."""
    text = " | ".join(line.strip() for line in str(message).splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class CdfColumns:
    """The CDF's telemetry columns, repeated on every later row of the day."""

    cdf_path: str
    size_bytes: int
    process_seconds: float

    def fields(self) -> dict[str, str]:
        return {
            "process_seconds": seconds(self.process_seconds),
            "cdf_size_mb": megabytes(self.size_bytes),
            "cdf_path": self.cdf_path,
        }


def recorded_process_seconds(row: TelemetryRow | None) -> float:
    """The processing time a row records (0 when it records none)."""
    try:
        return float(row.process_seconds) if row and row.process_seconds else 0.0
    except ValueError:
        return 0.0


class DayLog:
    """Writes the rows of one run (``run_id``) to the telemetry file."""

    def __init__(
        self,
        log: TelemetryLog,
        run_id: str,
        *,
        sensor_id: str,
        descriptor: str,
        output_format: str,
    ) -> None:
        self.log = log
        self.view = TelemetryView.of(log)
        self.run_id = run_id
        self._defaults = {
            "sensor_id": sensor_id,
            "descriptor": descriptor,
            "output_format": output_format,
        }
        self._started: dict[date, str] = {}

    def latest(self, day: date) -> TelemetryRow | None:
        return self.view.latest(day)

    # ------------------------------------------------------------- the rows

    def skipped_no_input(self, day: date) -> TelemetryRow:
        now = utc_now_iso()
        return self._append(day, SKIPPED_NO_INPUT, started_at_utc=now, finished_at_utc=now)

    def process_pending(self, day: date) -> TelemetryRow:
        return self._open(day, PROCESS_PENDING)

    def processed(self, day: date, cdf: CdfColumns) -> TelemetryRow:
        return self._close(day, PROCESSED, **cdf.fields())

    def upload_pending(self, day: date, cdf: CdfColumns) -> TelemetryRow:
        return self._open(day, UPLOAD_PENDING, **cdf.fields())

    def uploaded(
        self, day: date, cdf: CdfColumns, *, bucket: str, key: str, upload_seconds: float
    ) -> TelemetryRow:
        return self._close(
            day,
            UPLOADED,
            **cdf.fields(),
            upload_seconds=seconds(upload_seconds),
            s3_bucket=bucket,
            s3_key=key,
        )

    def failed(
        self,
        day: date,
        error_type: str,
        error_message: str,
        *,
        cdf: CdfColumns | None = None,
        upload_seconds: float | None = None,
    ) -> TelemetryRow:
        """A FAILED row. With ``cdf`` (a failure at the upload stage) it names the CDF, so
        ``--retry-failed --upload-to-s3`` uploads only."""
        fields = cdf.fields() if cdf is not None else {}
        if upload_seconds is not None:
            fields["upload_seconds"] = seconds(upload_seconds)
        return self._close(
            day,
            FAILED,
            error_type=error_type or "UnknownError",
            error_message=one_line(error_message) or error_type,
            **fields,
        )

    # ------------------------------------------------------------ internals

    def _open(self, day: date, status: str, **fields: str) -> TelemetryRow:
        self._started[day] = utc_now_iso()
        return self._append(day, status, started_at_utc=self._started[day], **fields)

    def _close(self, day: date, status: str, **fields: str) -> TelemetryRow:
        started = self._started.pop(day, None) or utc_now_iso()
        return self._append(
            day, status, started_at_utc=started, finished_at_utc=utc_now_iso(), **fields
        )

    def _append(self, day: date, status: str, **fields: str) -> TelemetryRow:
        values = carry_forward(self.latest(day))
        for key, default in self._defaults.items():
            values[key] = values.get(key) or default
        values.update(run_id=self.run_id, chunk_date_utc=day.isoformat(), status=status)
        values.update(fields)
        row = TelemetryRow.from_mapping(values)
        try:
            self.log.append(row)
        except OSError as exc:  # a full or read-only telemetry disk: the machine's fault
            fault = fault_at(exc, self.log.path, "telemetry_path")
            if fault is None:
                raise
            raise fault from exc
        return row
