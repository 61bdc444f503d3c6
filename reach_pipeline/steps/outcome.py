"""What one day's stage ended with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MATERIALIZED = "materialized"
SKIPPED = "skipped"
FAILED = "failed"
LOCKED = "locked"  # another process holds the day, or has worked on it since this run planned it
NOT_CONFIGURED = "not_configured"  # an upload with no bucket set: skipped (facts["reason"])


@dataclass(frozen=True)
class DayOutcome:
    day: date
    status: str  # MATERIALIZED, SKIPPED, NOT_CONFIGURED, FAILED or LOCKED
    facts: dict = field(default_factory=dict)  # what the stage found, for metadata
    error_type: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == MATERIALIZED


def error_type_of(exc: BaseException) -> str:
    """The telemetry ``error_type`` of an exception: its own ``error_type`` if it carries
    one (a processor's exception class, an S3 error code), else its class name."""
    return getattr(exc, "error_type", None) or type(exc).__name__


def failed(day: date, exc: BaseException) -> DayOutcome:
    return DayOutcome(day, FAILED, error_type=error_type_of(exc), message=str(exc))
