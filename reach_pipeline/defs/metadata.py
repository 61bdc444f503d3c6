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


def geomap_metadata(outcome: DayOutcome) -> dict:
    facts = outcome.facts
    metadata = {
        "path": MetadataValue.path(facts["l2_path"]),
        "l1c_path": MetadataValue.path(facts["l1c_path"]),
        "images": MetadataValue.text("\n".join(facts["image_paths"])),
        "size_mb": round(facts["size_bytes"] / 1048576, 4),
        "seconds": facts["seconds"],
        "points_used": sum(facts.get("points_used", {}).values()),
    }
    for name in ("points_used", "bins_filled", "max_dose", "median_dose"):
        for flavor, value in facts.get(name, {}).items():
            if value is not None:
                metadata[f"{name}_{flavor}"] = value
    if facts.get("thumbnail_b64") and facts["image_paths"]:
        metadata["overview"] = MetadataValue.md(
            f"![overview of {outcome.day}](data:image/png;base64,{facts['thumbnail_b64']})\n\n"
            f"Full image: `{facts['image_paths'][0]}`"
        )
    return metadata


def geomap_upload_metadata(outcome: DayOutcome) -> dict:
    facts = outcome.facts
    return {
        "bucket": facts["bucket"],
        "keys": MetadataValue.text("\n".join(facts["keys"])),
        "objects": len(facts["keys"]),
        "sent": facts["sent"],
        "size_bytes": facts["size_bytes"],
        "upload_seconds": facts["upload_seconds"],
    }
