"""Stage metadata as Dagster metadata, and the L1C's column schema."""

from __future__ import annotations

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from reach_pipeline.processing.product import SENSOR_VARS, VARIABLE_NAMES
from reach_pipeline.processing.sensor_stats import SensorDay
from reach_pipeline.steps.metadata import (
    SENSOR_DAYS,
    MarkdownValue,
    Metadata,
    PathValue,
    SensorTable,
    Shown,
    TextValue,
    UrlValue,
)

_SHOWN = {
    PathValue: MetadataValue.path,
    UrlValue: MetadataValue.url,
    TextValue: MetadataValue.text,
    MarkdownValue: MetadataValue.md,
}


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


def to_dagster(metadata: Metadata) -> dict:
    """A stage's metadata (``steps.metadata``) as Dagster metadata: a ``Shown`` value as
    the ``MetadataValue`` of its kind, a ``SensorTable`` as a table, the rest as they are."""
    return {name: _value(value) for name, value in metadata.items()}


def _value(value):
    if isinstance(value, Shown):
        return _SHOWN[type(value)](value.value)
    if isinstance(value, SensorTable):
        records = [TableRecord(row.as_dict()) for row in value.rows]
        return MetadataValue.table(records=records, schema=SENSOR_DAY_SCHEMA)
    return value


def sensor_days_of(metadata: dict) -> list[SensorDay] | None:
    """The per-sensor table of an L1C materialization's metadata; None without one."""
    table = metadata.get(SENSOR_DAYS)
    if table is None:
        return None
    return [SensorDay.from_dict(record.data) for record in table.records]


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
