"""One daily (UTC) partitioning shared by reach_csv, reach_cdf and reach_cdf_s3."""

import datetime as dt
import os

from dagster import DailyPartitionsDefinition

DEFAULT_START = "2019-01-01"


def partitions_start() -> str:
    """First partition day: ``REACH_PARTITIONS_START`` (YYYY-MM-DD), default 2019-01-01.

    The one setting read when the module loads: partitions are part of the definitions.
    """
    value = os.environ.get("REACH_PARTITIONS_START", "").strip() or DEFAULT_START
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"REACH_PARTITIONS_START must be YYYY-MM-DD, got {value!r}") from exc
    return value


daily_partitions = DailyPartitionsDefinition(start_date=partitions_start(), timezone="UTC")


def partition_day(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)
