"""What one day's stage ended with: a ``Status``, the stage's typed facts, a ``DayFailure``.

Each stage has its own frozen facts dataclass (``L1cFacts``, ``L1cUploadFacts``,
``GeomapFacts``, ``GeomapUploadFacts``): its metadata builder (``steps.metadata``) and the
checks read attributes, never keys. To report something new, add a field (with a default,
so the other constructors keep working) and use it in the builder.

``Status.FAILED`` is a stage outcome; the telemetry status ``FAILED`` of the legacy
contract is ``contract.telemetry.FAILED`` (a string in the CSV): two names, two things.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from reach_pipeline.change.report import ChangeReport
from reach_pipeline.machine import MachineFault
from reach_pipeline.processing.sensor_stats import SensorDay

if TYPE_CHECKING:  # boto3 is imported at run time only
    from reach_pipeline.s3upload import UploadResult


class Status(StrEnum):
    MATERIALIZED = "materialized"
    SKIPPED = "skipped"  # not run: a stage it needs did not materialize the day (``reason``)
    NO_INPUT = "no_input"  # the L1C found no input file for the day (``NoInput``)
    NOT_CONFIGURED = "not_configured"  # an upload with no bucket set: skipped (``reason``)
    FAILED = "failed"  # the day's failure at this stage (``failure``)
    LOCKED = "locked"  # another process holds the day, or has worked on it since the plan


@dataclass(frozen=True)
class DayFailure:
    """One day's failure at one asset: what the alerts and the step's ``Failure`` carry."""

    day: date
    asset: str  # the asset's key ("" until the stage table names it: ``DayOutcome.of_asset``)
    error_type: str  # the telemetry ``error_type``
    message: str
    input_file: str = ""  # the file the stage was working from, when known
    # A fault of the machine (a full disk, ``machine``): the run stops at this day. Not
    # part of the record: the error type and message say it.
    fault: MachineFault | None = field(default=None, compare=False)

    def as_record(self) -> dict[str, str]:
        """As plain JSON (the step's ``Failure`` carries these; ``from_record`` reads one)."""
        return {
            "day": self.day.isoformat(),
            "asset": self.asset,
            "error_type": self.error_type,
            "message": self.message,
            "input_file": self.input_file,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> DayFailure:
        """Raises KeyError, TypeError or ValueError for a record not in that form."""
        fields = (record["asset"], record["error_type"], record["message"])
        if not all(isinstance(f, str) for f in fields):
            raise TypeError(f"not a day's failure: {record!r}")
        return cls(date.fromisoformat(record["day"]), *fields, str(record.get("input_file", "")))


@dataclass(frozen=True)
class L1cFacts:
    """A placed L1C CDF and what processing its input found (counts are None when a
    plugged-in processor does not report them)."""

    cdf_path: str
    input_path: str
    size_bytes: int
    process_seconds: float
    expected_records: int
    availability_pct: float
    after_dedupe: int
    epoch_count: int
    first_time: str
    last_time: str
    sensors: tuple[str, ...]
    descriptor: str
    observations: int | None = None
    records_read: int | None = None
    duplicates_dropped: int | None = None
    ids_imputed: int | None = None
    rows_dropped: int | None = None
    provenance: dict[str, str] = field(default_factory=dict)  # its attributes, as written
    change: ChangeReport | None = None  # what it changed from the CDF it replaced
    sensor_days: tuple[SensorDay, ...] = ()  # per sensor: records, availability, ...
    # How late (``steps.latency``): Unix times, and hours after the day's last observation.
    input_arrived_at: float | None = None
    l1c_placed_at: float | None = None
    latency_input_h: float | None = None
    latency_l1c_h: float | None = None

    @property
    def path(self) -> str:
        return self.cdf_path


@dataclass(frozen=True)
class L1cUploadFacts:
    """The day's L1C CDF and its object in S3, verified (``replaced_key``: an older object
    of the day deleted, its legacy name; "" when none)."""

    cdf_path: str
    sent: UploadResult
    replaced_key: str = ""
    uploaded_at: float | None = None
    latency_upload_h: float | None = None  # hours after the day's last observation


@dataclass(frozen=True)
class GeomapFacts:
    """A placed L2 geomap and its quicklooks (overview first). Per-flavor fields map a
    flavor to a value; max/median dose are None for a flavor with no points that day."""

    l1c_path: str
    l2_path: str
    image_paths: tuple[str, ...]
    size_bytes: int
    seconds: float
    thumbnail_b64: str = ""
    points_used: dict[str, int] = field(default_factory=dict)
    bins_filled: dict[str, int] = field(default_factory=dict)
    max_dose: dict[str, float | None] = field(default_factory=dict)
    median_dose: dict[str, float | None] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)  # its attributes, as written
    change: ChangeReport | None = None  # what it changed from the L2 it replaced

    @property
    def path(self) -> str:
        return self.l2_path


@dataclass(frozen=True)
class GeomapUploadFacts:
    """The day's L2 CDF and quicklooks in S3 (``sent``: objects not already there)."""

    bucket: str
    keys: tuple[str, ...]
    size_bytes: int
    sent: int
    upload_seconds: float


@dataclass(frozen=True)
class NoInput:
    """Where the L1C looked for the day's input file and found none."""

    input_dir: str


Facts = L1cFacts | L1cUploadFacts | GeomapFacts | GeomapUploadFacts | NoInput


@dataclass(frozen=True)
class DayOutcome:
    day: date
    status: Status
    facts: Facts | None = None  # MATERIALIZED: the stage's facts; NO_INPUT: ``NoInput``
    reason: str = ""  # SKIPPED, NOT_CONFIGURED, LOCKED: why, in one line
    failure: DayFailure | None = None  # FAILED

    @property
    def ok(self) -> bool:
        return self.status == Status.MATERIALIZED

    def of_asset(self, asset: str) -> DayOutcome:
        """This outcome with its failure (if any) naming ``asset``."""
        if self.failure is None:
            return self
        return replace(self, failure=replace(self.failure, asset=asset))


def error_type_of(exc: BaseException) -> str:
    """The telemetry ``error_type`` of an exception: its own ``error_type`` if it carries
    one (a processor's exception class, an S3 error code), else its class name."""
    return getattr(exc, "error_type", None) or type(exc).__name__


def failed(day: date, exc: BaseException, input_file: object = "") -> DayOutcome:
    """The day FAILED at a stage with ``exc`` (working from ``input_file``)."""
    fault = exc if isinstance(exc, MachineFault) else None
    failure = DayFailure(day, "", error_type_of(exc), str(exc), str(input_file or ""), fault)
    return DayOutcome(day, Status.FAILED, failure=failure)


def materialized(day: date, facts: Facts) -> DayOutcome:
    return DayOutcome(day, Status.MATERIALIZED, facts=facts)


def skipped(day: date, reason: str, status: Status = Status.SKIPPED) -> DayOutcome:
    """A stage not run for ``day`` (SKIPPED, NOT_CONFIGURED or LOCKED), and why."""
    return DayOutcome(day, status, reason=reason)
