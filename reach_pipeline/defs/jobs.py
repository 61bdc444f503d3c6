"""The job the schedule and the sensors launch: one day through the whole lineage."""

from dagster import AssetSelection, define_asset_job

from .partitions import daily_partitions

reach_daily_job = define_asset_job(
    "reach_daily_job",
    selection=AssetSelection.assets("reach_cdf"),
    partitions_def=daily_partitions,
    description="Process one day (and upload it, when reach_cdf_s3 is in the selection).",
)
