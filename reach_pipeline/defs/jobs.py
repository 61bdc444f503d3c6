"""The job the schedule and the sensors launch: one day through the whole lineage."""

from dagster import AssetKey, AssetSelection, define_asset_job

from reach_pipeline.stages import StageId, day_assets

from .partitions import daily_partitions
from .resources import ReachS3

PROCESS_ONLY = [AssetKey(name) for name in day_assets(upload=False)]
PROCESS_AND_UPLOAD = [AssetKey(name) for name in day_assets(upload=True)]
# The live day goes first: the run queue launches a run of the pool only when its slot is
# free, and then the queued run of highest `dagster/priority` first. A campaign's backfill
# has priority 0 unless launched with a lower one (README, "Campaigns and the live day").
# On the Celery workers of deploy/ the broker orders by its own tag: should runs ever wait
# in RabbitMQ (a pool limit above the workers' slots), the live day's is delivered first.
LIVE_PRIORITY = 10
LIVE_TAGS = {
    "dagster/priority": str(LIVE_PRIORITY),
    "dagster-celery/run_priority": str(LIVE_PRIORITY),
}

reach_daily_job = define_asset_job(
    "reach_daily_job",
    selection=AssetSelection.assets(*PROCESS_AND_UPLOAD),
    partitions_def=daily_partitions,
    description="One day through the lineage: L1C and L2, and their uploads when the run's "
    "selection has them (a bucket is set).",
)


def daily_selection(reach_s3: ReachS3, *, upload_only: bool = False) -> list[AssetKey]:
    """What an unattended run of a day materializes: the uploads too when a bucket is set;
    not the L1C for an upload-only day (its L1C is on disk)."""
    without = [StageId.L1C] if upload_only else []
    names = day_assets(upload=reach_s3.configured(), without=without)
    return [AssetKey(name) for name in names]
