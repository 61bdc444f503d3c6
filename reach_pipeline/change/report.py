"""A change report: the verdict on a re-made product and the figures behind it.

Importable without numpy or cdflib; ``as_dict``/``from_dict`` carry a report through
Dagster metadata (JSON) and back, typed, with nothing parsed from text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    NEW = "NEW"  # nothing was there to replace
    NO_CHANGE = "NO_CHANGE"  # the data identical: the old product stays, nothing is sent
    METADATA_ONLY = "METADATA_ONLY"  # the data identical, attributes changed
    DATA_CHANGED = "DATA_CHANGED"


# The global attributes that differ every time a product is made: never a change. The
# provenance module names them; until it is there, Generation_date is the one.
try:
    from reach_pipeline.provenance.attributes import VOLATILE_ATTRIBUTES
except ImportError:  # pragma: no cover - before the provenance attributes exist
    VOLATILE_ATTRIBUTES = frozenset({"Generation_date"})
SENSORS_LISTED = 3


@dataclass(frozen=True)
class VariableChange:
    """One variable whose values differ: how many of its ``total``, and the largest
    absolute and relative change among values valid in both (None: none such, or the
    shapes differ)."""

    name: str
    values: int
    total: int
    max_abs: float | None = None
    max_rel: float | None = None


@dataclass(frozen=True)
class SensorShift:
    """A sensor's median dose rate (over the day, both dosimeters) before and after."""

    sensor: str
    old_median: float | None
    new_median: float | None

    @property
    def shift(self) -> float | None:
        if self.old_median is None or self.new_median is None:
            return None
        return self.new_median - self.old_median


@dataclass(frozen=True)
class ChangeReport:
    verdict: Verdict
    attributes: tuple[str, ...] = ()  # changed: global names, "variable.attribute" others
    variables: tuple[VariableChange, ...] = ()
    sensors: tuple[SensorShift, ...] = ()  # the medians that moved most, largest first
    seconds: float = 0.0  # what the comparison cost

    @property
    def data_identical(self) -> bool:
        return self.verdict in (Verdict.NO_CHANGE, Verdict.METADATA_ONLY)

    @property
    def values(self) -> int:
        return sum(v.values for v in self.variables)

    @property
    def max_abs(self) -> float | None:
        return _largest(v.max_abs for v in self.variables)

    @property
    def max_rel(self) -> float | None:
        return _largest(v.max_rel for v in self.variables)

    def line(self) -> str:
        """The report in one line (the command line's line for the day)."""
        if self.verdict == Verdict.METADATA_ONLY:
            return f"{self.verdict}: {', '.join(self.attributes)}"
        if self.verdict != Verdict.DATA_CHANGED:
            return str(self.verdict)
        parts = [f"{v.name} {v.values}/{v.total}{_maxima(v)}" for v in self.variables]
        text = f"{self.verdict}: {'; '.join(parts)}"
        moved = [f"{s.sensor} {_signed(s.shift)}" for s in self.sensors]
        if moved:
            text += f"; median moved most: {', '.join(moved)}"
        if self.attributes:
            text += f"; attributes: {', '.join(self.attributes)}"
        return text

    def as_dict(self) -> dict:
        return {
            "verdict": str(self.verdict),
            "attributes": list(self.attributes),
            "variables": [vars(v) for v in self.variables],
            "sensors": [vars(s) for s in self.sensors],
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChangeReport:
        return cls(
            verdict=Verdict(data["verdict"]),
            attributes=tuple(data.get("attributes", ())),
            variables=tuple(VariableChange(**v) for v in data.get("variables", ())),
            sensors=tuple(SensorShift(**s) for s in data.get("sensors", ())),
            seconds=float(data.get("seconds", 0.0)),
        )


NEW_PRODUCT = ChangeReport(Verdict.NEW)


def verdict_of(attributes: list[str], variables: list[VariableChange]) -> Verdict:
    if variables:
        return Verdict.DATA_CHANGED
    return Verdict.METADATA_ONLY if attributes else Verdict.NO_CHANGE


def _largest(values) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _maxima(v: VariableChange) -> str:
    if v.max_abs is None:
        return ""
    rel = "" if v.max_rel is None else f", rel {v.max_rel:.3g}"
    return f" (max abs {v.max_abs:.3g}{rel})"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3g}"


@dataclass(frozen=True)
class ChangeTally:
    """How the days of a run or backfill changed: counts per verdict and the days that
    changed most (by values changed, then by the largest relative change)."""

    counts: dict[Verdict, int] = field(default_factory=dict)
    most_changed: tuple[tuple[str, ChangeReport], ...] = ()


def tally_changes(reports: dict[str, ChangeReport], listed: int = 5) -> ChangeTally:
    """``reports`` by day (ISO) -> counts per verdict and the ``listed`` most changed days."""
    counts = {verdict: 0 for verdict in Verdict}
    for report in reports.values():
        counts[report.verdict] += 1
    changed = [(day, r) for day, r in reports.items() if r.verdict == Verdict.DATA_CHANGED]
    changed.sort(key=lambda item: (-item[1].values, -(item[1].max_rel or 0.0), item[0]))
    return ChangeTally(counts, tuple(changed[:listed]))
