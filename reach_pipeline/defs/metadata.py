"""Stage metadata as Dagster metadata, and the L1C's column schema."""

from __future__ import annotations

from dagster import MetadataValue, TableColumn, TableSchema

from reach_pipeline.processing.product import SENSOR_VARS, VARIABLE_NAMES
from reach_pipeline.steps.metadata import (
    MarkdownValue,
    Metadata,
    PathValue,
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


def to_dagster(metadata: Metadata) -> dict:
    """A stage's metadata (``steps.metadata``) as Dagster metadata: a ``Shown`` value as
    the ``MetadataValue`` of its kind, the rest as they are."""
    return {
        name: _SHOWN[type(value)](value.value) if isinstance(value, Shown) else value
        for name, value in metadata.items()
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
