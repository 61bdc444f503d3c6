"""What each stage reports about a day, as Dagster metadata."""

from __future__ import annotations

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from reach_pipeline.processing.product import SENSOR_VARS, VARIABLE_NAMES
from reach_pipeline.processing.sensor_stats import SensorDay
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
    "latency_input_h",
    "latency_l1c_h",
)
SENSOR_DAYS = "sensor_days"  # the L1C's per-sensor table (read back by reach_coverage)
SENSOR_DAY_SCHEMA = TableSchema(
    columns=[
        TableColumn("sensor", "string", description="REACH pod"),
        TableColumn("satellite", "string", description="Iridium vehicle hosting it"),
        TableColumn("records", "int", description="dose values (both dosimeters)"),
        TableColumn("availability_pct", "float", description="records / 34,560"),
        TableColumn("quality_pct", "float", description="% of records with obQuality != 0"),
        TableColumn("median_dose", "float", description="median dose rate (rad/s)"),
    ]
)


def sensor_table(days: list[SensorDay]) -> MetadataValue:
    return MetadataValue.table(
        records=[TableRecord(d.as_dict()) for d in days], schema=SENSOR_DAY_SCHEMA
    )


def sensor_days_of(metadata: dict) -> list[SensorDay] | None:
    """The per-sensor table of an L1C materialization's metadata; None without one."""
    table = metadata.get(SENSOR_DAYS)
    if table is None:
        return None
    return [SensorDay.from_dict(record.data) for record in table.records]


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
    if facts.get("sensor_days") is not None:
        metadata[SENSOR_DAYS] = sensor_table([SensorDay.from_dict(d) for d in facts["sensor_days"]])
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
        "latency_upload_h": facts["latency_upload_h"],
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


# The L1C variables that are not per-(time, sensor) measurements: (CDF type and
# dimensions, description). The per-sensor ones come from ``product.SENSOR_VARS``.
_SUPPORT_VARS = {
    "Epoch": ("CDF_TIME_TT2000 [time]", "Observation time (ns, TT2000)"),
    "sensor_labels": ("CDF_CHAR [sensor]", "REACH sensor labels"),
    "sensor_ids": ("CDF_INT4 [sensor]", "REACH sensor ids"),
    "dosimeter_flavor_labels": ("CDF_CHAR [flavor]", "Labels of the dosimeter flavor axis"),
    "dosimeter_flavor_ids": ("CDF_INT4 [flavor]", "Ids of the dosimeter flavor axis"),
    "dosimeter_flavors": ("CDF_CHAR [sensor, flavor]", "Observation flavors per sensor"),
    "dose_rate": (
        "CDF_DOUBLE [time, sensor, flavor]",
        "Dose rate for combined sensors and dosimeter flavors (0.01 J / kg)",
    ),
}


def l1c_column_schema() -> TableSchema:
    """The 14 variables of an L1C CDF, as Dagster column metadata (dagster/column_schema)."""
    columns = dict(_SUPPORT_VARS)
    for name, _field, catdesc, units in SENSOR_VARS:
        columns[name] = ("CDF_DOUBLE [time, sensor]", f"{catdesc} ({units})")
    return TableSchema(
        columns=[
            TableColumn(name, columns[name][0], description=columns[name][1])
            for name in VARIABLE_NAMES
        ]
    )
