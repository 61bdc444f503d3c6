"""What each stage reports about a day it materialized, as plain typed values.

A builder takes the day's outcome and returns ``{name: value}``: a number, a string, a
bool, or a ``Shown`` value (a path, a URL, a text or Markdown, which the UI shows as such).
``defs.metadata.to_dagster`` turns them into Dagster metadata; no Dagster here, so the
stage table (``reach_pipeline.stages``) names its builders directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from reach_pipeline.processing.sensor_stats import SensorDay
from reach_pipeline.provenance.attributes import VOLATILE_ATTRIBUTES

from .outcome import DayOutcome, GeomapFacts, GeomapUploadFacts, L1cFacts, L1cUploadFacts


@dataclass(frozen=True)
class Shown:
    """A value the UI shows as more than a string: one of the four kinds below."""

    value: str


class PathValue(Shown):
    """A file path."""


class UrlValue(Shown):
    """A link."""


class TextValue(Shown):
    """A block of text (its lines kept)."""


class MarkdownValue(Shown):
    """Rendered Markdown (an inline data: image shows)."""


@dataclass(frozen=True)
class SensorTable:
    """The day's per-sensor numbers, shown as a table (``SENSOR_DAYS``)."""

    rows: tuple[SensorDay, ...]


Metadata = dict[str, "int | float | str | bool | Shown | SensorTable"]
SENSOR_DAYS = "sensor_days"  # the L1C's per-sensor table (read back by reach_coverage)

_COUNTS = (
    "records_read",
    "after_dedupe",
    "duplicates_dropped",
    "ids_imputed",
    "rows_dropped",
    "epoch_count",
    "first_time",
    "last_time",
    "latency_input_h",
    "latency_l1c_h",
)
_PER_FLAVOR = ("points_used", "bins_filled", "max_dose", "median_dose")


def provenance_metadata(attributes: dict[str, str]) -> Metadata:
    """A product's provenance attributes (``Input_sha256`` -> ``input_sha256`` ...), but
    the volatile ones (the materialization has its own time)."""
    return {k.lower(): v for k, v in attributes.items() if k not in VOLATILE_ATTRIBUTES}


def l1c_metadata(outcome: DayOutcome) -> Metadata:
    facts: L1cFacts = outcome.facts
    metadata = {
        "path": PathValue(facts.cdf_path),
        "input_path": PathValue(facts.input_path),
        "size_mb": round(facts.size_bytes / 1048576, 4),
        "process_seconds": facts.process_seconds,
        "expected_records": facts.expected_records,
        "availability_pct": facts.availability_pct,
        "sensors": TextValue(", ".join(facts.sensors)),
        "sensor_count": len(facts.sensors),
        "descriptor": facts.descriptor,
        "dagster/row_count": facts.after_dedupe,
    }
    counts = {name: getattr(facts, name) for name in _COUNTS}
    metadata.update({name: value for name, value in counts.items() if value is not None})
    metadata.update(provenance_metadata(facts.provenance))
    if facts.sensor_days:
        metadata[SENSOR_DAYS] = SensorTable(facts.sensor_days)
    return metadata


def l1c_upload_metadata(outcome: DayOutcome) -> Metadata:
    facts: L1cUploadFacts = outcome.facts
    sent = facts.sent
    return {
        "bucket": sent.bucket,
        "key": sent.key,
        "uri": UrlValue(sent.uri),
        "size_bytes": sent.size_bytes,
        "md5": sent.md5,
        "upload_seconds": sent.upload_seconds,
        "skipped_existing": sent.skipped_existing,
        "multipart": sent.multipart,
        **({} if facts.latency_upload_h is None else {"latency_upload_h": facts.latency_upload_h}),
    }


def geomap_metadata(outcome: DayOutcome) -> Metadata:
    facts: GeomapFacts = outcome.facts
    metadata = {
        "path": PathValue(facts.l2_path),
        "l1c_path": PathValue(facts.l1c_path),
        "images": TextValue("\n".join(facts.image_paths)),
        "size_mb": round(facts.size_bytes / 1048576, 4),
        "seconds": facts.seconds,
        "points_used": sum(facts.points_used.values()),
    }
    for name in _PER_FLAVOR:
        for flavor, value in getattr(facts, name).items():
            if value is not None:
                metadata[f"{name}_{flavor}"] = value
    if facts.thumbnail_b64 and facts.image_paths:
        metadata["overview"] = MarkdownValue(
            f"![overview of {outcome.day}](data:image/png;base64,{facts.thumbnail_b64})\n\n"
            f"Full image: `{facts.image_paths[0]}`",
        )
    metadata.update(provenance_metadata(facts.provenance))
    return metadata


def geomap_upload_metadata(outcome: DayOutcome) -> Metadata:
    facts: GeomapUploadFacts = outcome.facts
    return {
        "bucket": facts.bucket,
        "keys": TextValue("\n".join(facts.keys)),
        "objects": len(facts.keys),
        "sent": facts.sent,
        "size_bytes": facts.size_bytes,
        "upload_seconds": facts.upload_seconds,
    }
