"""The job the schedule and the sensors launch: one day through the whole lineage."""

from dagster import AssetKey, AssetSelection, define_asset_job

from .partitions import daily_partitions
from .resources import ReachS3

PROCESS_ONLY = [AssetKey("reach_cdf")]
PROCESS_AND_UPLOAD = [AssetKey("reach_cdf"), AssetKey("reach_cdf_s3")]

reach_daily_job = define_asset_job(
    "reach_daily_job",
    selection=AssetSelection.assets("reach_cdf", "reach_cdf_s3"),
    partitions_def=daily_partitions,
    description="Process one day (and upload it, when reach_cdf_s3 is in the selection).",
)


def daily_selection(reach_s3: ReachS3) -> list[AssetKey]:
    """What an unattended run of a day materializes: the upload too when a bucket is set."""
    return PROCESS_AND_UPLOAD if reach_s3.configured() else PROCESS_ONLY
