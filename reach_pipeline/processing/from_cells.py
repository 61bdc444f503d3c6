"""The one builder of ``Observations`` from per-record cells (the general CSV reader, JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .cells import sen_position, seo_objects
from .converters import column_floats, column_times
from .observations import NUMERIC_COLUMNS, Labels, Observations


def observations_from_cells(
    path: Path, columns: dict[str, Sequence], *, unit: str = "row"
) -> Observations:
    """Build the observations of a file from its records' cells.

    ``columns`` maps every required column to one cell per record: text or None; for
    ``seoList``/``senPos`` also an already parsed value (a JSON file's list). ``unit`` is
    the word messages use for a record's place: ``row`` (CSV) or ``record`` (JSON).
    """
    n = len(columns["seoList"])
    rows, values, qualities, descriptions = [], [], [], []
    for i, cell in enumerate(columns["seoList"]):
        for value, quality, desc in seo_objects(path, f"{unit} {i + 1}", cell):
            rows.append(i + 1)
            values.append(value)
            qualities.append(quality)
            descriptions.append(desc)
    positions = np.array(
        [sen_position(path, f"{unit} {i + 1}", c) for i, c in enumerate(columns["senPos"])],
        dtype=np.float64,
    ).reshape(n, 3)
    idx = np.asarray(rows, dtype=np.int64) - 1
    lat, lon, alt = (
        column_floats(path, unit, c, columns[c])[idx] if len(idx) else np.empty(0)
        for c in NUMERIC_COLUMNS
    )
    ob_time = column_times(path, unit, "obTime", columns["obTime"], required=True)
    created = column_times(path, unit, "createdAt", columns["createdAt"], required=False)
    return Observations(
        records=n,
        row=idx + 1,
        id_sensor=Labels.from_list(columns["idSensor"]).take(idx),
        observatory=Labels.from_list(columns["observatoryName"]).take(idx),
        ob_time=ob_time[idx],
        created_at=created[idx],
        value=np.asarray(values, dtype=np.float64),
        quality=np.asarray(qualities, dtype=np.float64),
        description=Labels.from_list(descriptions),
        lat=lat,
        lon=lon,
        alt=alt,
        pos_x=positions[idx, 0],
        pos_y=positions[idx, 1],
        pos_z=positions[idx, 2],
        descriptor=Labels.from_list(columns["descriptor"]).take(idx),
        unit=unit,
    )
