"""The job the schedule and the sensors launch: one day through the whole lineage."""

from dagster import AssetKey, AssetSelection, define_asset_job

from .partitions import daily_partitions
from .resources import ReachS3

PROCESS_ONLY = [AssetKey("reach_cdf"), AssetKey("reach_geomap")]
PROCESS_AND_UPLOAD = [*PROCESS_ONLY, AssetKey("reach_cdf_s3"), AssetKey("reach_geomap_s3")]
# The live day goes first: the run queue dequeues higher `dagster/priority` first, and the
# pool gives a freed slot to the waiting step of highest run priority. A campaign's backfill
# has priority 0 unless launched with a lower one (README, "Campaigns and the live day").
LIVE_PRIORITY = 10
LIVE_TAGS = {"dagster/priority": str(LIVE_PRIORITY)}

reach_daily_job = define_asset_job(
    "reach_daily_job",
    selection=AssetSelection.assets(*PROCESS_AND_UPLOAD),
    partitions_def=daily_partitions,
    description="One day through the lineage: L1C and L2, and their uploads when the run's "
    "selection has them (a bucket is set).",
)


def daily_selection(reach_s3: ReachS3) -> list[AssetKey]:
    """What an unattended run of a day materializes: the uploads too when a bucket is set."""
    return PROCESS_AND_UPLOAD if reach_s3.configured() else PROCESS_ONLY
