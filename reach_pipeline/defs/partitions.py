"""One daily (UTC) partitioning shared by every asset of the code location."""

import datetime as dt

from dagster import DailyPartitionsDefinition

from reach_pipeline.settings import partitions_start

# REACH_PARTITIONS_START is the one setting read when the code location loads.
daily_partitions = DailyPartitionsDefinition(start_date=partitions_start(), timezone="UTC")


def partition_day(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)


def run_days(context) -> list[dt.date]:
    """The days a run materializes: one, or every day of a ranged (backfill) run."""
    return [partition_day(key) for key in context.partition_keys]
