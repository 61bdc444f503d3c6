"""Each day's per-sensor numbers, read back from reach_cdf's materializations.

The L1C step records them in its metadata (``metadata.SENSOR_DAYS``), so the coverage
and the sensor watch read the instance (one query for the days wanted), never the CDFs.
A day made without them (a legacy import) is left out: it has no numbers.
"""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from reach_pipeline.processing.sensor_stats import SensorDay
from reach_pipeline.stages import REACH_CDF

from .metadata import sensor_days_of

L1C_KEY = AssetKey(REACH_CDF)
PAGE = 200


def newest_made_day(instance: DagsterInstance) -> dt.date | None:
    """The newest day with an L1C materialization."""
    keys = instance.get_materialized_partitions(L1C_KEY)
    return dt.date.fromisoformat(max(keys)) if keys else None


def day_history(
    instance: DagsterInstance, first: dt.date, last: dt.date
) -> dict[dt.date, dict[str, SensorDay]]:
    """Each day from ``first`` to ``last`` with an L1C and its numbers: its latest
    materialization's per-sensor table, by sensor."""
    wanted = [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    found: dict[dt.date, dict[str, SensorDay]] = {}
    seen: set[str] = set()
    cursor = None
    while True:
        result = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=L1C_KEY, asset_partitions=wanted),
            limit=PAGE,
            cursor=cursor,
        )
        for record in result.records:  # newest first: the first of a day is its latest
            key = record.partition_key
            if key is None or key in seen:
                continue
            seen.add(key)
            days = sensor_days_of(record.asset_materialization.metadata)
            if days is not None:
                found[dt.date.fromisoformat(key)] = {d.sensor: d for d in days}
        if not result.has_more or len(seen) == len(wanted):
            return found
        cursor = result.cursor
