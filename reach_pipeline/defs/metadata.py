"""What each stage reports about a day, as Dagster metadata."""

from __future__ import annotations

from dagster import MetadataValue

from reach_pipeline.steps.outcome import DayOutcome

_COUNTS = (
    "records_read",
    "after_dedupe",
    "duplicates_dropped",
    "ids_imputed",
    "rows_dropped",
    "epoch_count",
    "first_time",
    "last_time",
)


def l1c_metadata(outcome: DayOutcome) -> dict:
    facts = outcome.facts
    metadata = {
        "path": MetadataValue.path(facts["cdf_path"]),
        "input_path": MetadataValue.path(facts["input_path"]),
        "size_mb": round(facts["size_bytes"] / 1048576, 4),
        "process_seconds": facts["process_seconds"],
        "expected_records": facts["expected_records"],
        "availability_pct": facts["availability_pct"],
        "sensors": MetadataValue.text(", ".join(facts["sensors"])),
        "sensor_count": len(facts["sensors"]),
        "descriptor": facts["descriptor"],
        "dagster/row_count": facts["after_dedupe"],
    }
    metadata.update({k: facts[k] for k in _COUNTS if facts.get(k) is not None})
    return metadata


def upload_metadata(outcome: DayOutcome) -> dict:
    facts = outcome.facts
    return {
        "bucket": facts["bucket"],
        "key": facts["key"],
        "uri": MetadataValue.url(f"s3://{facts['bucket']}/{facts['key']}"),
        "size_bytes": facts["size_bytes"],
        "md5": facts["md5"],
        "upload_seconds": facts["upload_seconds"],
        "skipped_existing": facts["skipped_existing"],
        "multipart": facts["multipart"],
    }
