"""reach_csv (the day's input file, external) -> reach_cdf (its L1C CDF) -> reach_cdf_s3.

The asset bodies are glue: each day of the run goes through its stage in
``reach_pipeline.steps`` (which writes the day's telemetry rows), and the outcomes become
Dagster events (``events.outcome_events``).
"""

import datetime as dt

from dagster import AssetExecutionContext, AssetSpec, Failure, FreshnessPolicy, asset

from reach_pipeline.settings import SettingsError, asset_owners, freshness_deadline
from reach_pipeline.steps.l1c import run_l1c
from reach_pipeline.steps.upload import run_upload

from .events import no_input_observation, outcome_events
from .metadata import l1c_column_schema, l1c_metadata, upload_metadata
from .partitions import daily_partitions, run_days
from .resources import ReachS3, ReachSettings, day_log

GROUP = "reach"
# REACH_OWNERS is read when the code location loads (owners are part of the definitions).
OWNERS = asset_owners()
COLUMNS = {"dagster/column_schema": l1c_column_schema()}


def l1c_freshness() -> FreshnessPolicy:
    """Asset-level, not per day: reach_cdf is fresh when any of its days was materialized
    in the 24 hours before today's REACH_FRESHNESS_DEADLINE_UTC (default 08:00). Which
    day is late is the missing-day alert's business (reach_missing_day_sensor)."""
    deadline = freshness_deadline()
    return FreshnessPolicy.cron(
        deadline_cron=f"{deadline.minute} {deadline.hour} * * *",
        lower_bound_delta=dt.timedelta(hours=24),
        timezone="UTC",
    )


reach_csv = AssetSpec(
    "reach_csv",
    group_name=GROUP,
    partitions_def=daily_partitions,
    kinds={"csv"},
    owners=OWNERS,
    description="The day's UDL download in the input folder "
    "({prefix}_{YYYYMMDD}T000000_*.csv), written by the download tool. Observed by "
    "reach_input_sensor with a data version, so a re-downloaded day shows reach_cdf stale.",
)


@asset(
    key="reach_cdf",
    deps=[reach_csv],
    partitions_def=daily_partitions,
    group_name=GROUP,
    pool="reach_cdf",
    output_required=False,
    kinds={"cdf"},
    owners=OWNERS,
    metadata=COLUMNS,
    freshness_policy=l1c_freshness(),
    description="The day's ISTP Level-1C CDF in output_dir/l1c/prelim/YYYY/MM/DD/, made by "
    "the processor in an isolated child process and validated before it is placed. No "
    "input file: nothing is materialized, the day is logged SKIPPED_NO_INPUT and recorded "
    "on reach_csv as an observation with present=false.",
)
def reach_cdf(context: AssetExecutionContext, reach: ReachSettings):
    settings = reach.resolve()
    log = day_log(settings, context.run_id)
    outcomes = [run_l1c(settings, day, log) for day in run_days(context)]
    yield from outcome_events(context, outcomes, l1c_metadata, on_skipped=no_input_observation)


@asset(
    key="reach_cdf_s3",
    deps=["reach_cdf"],
    partitions_def=daily_partitions,
    group_name=GROUP,
    pool="reach_cdf_s3",
    output_required=False,
    kinds={"s3", "cdf"},
    owners=OWNERS,
    metadata=COLUMNS,
    description="The day's CDF in s3://{REACH_S3_BUCKET}/l1c/prelim/YYYY/MM/DD/, validated "
    "before it is sent and verified by size and MD5 after; an object already there with "
    "the same content is not sent again.",
)
def reach_cdf_s3(context: AssetExecutionContext, reach: ReachSettings, reach_s3: ReachS3):
    from reach_pipeline.s3upload import upload_with_retries  # boto3: at run time only

    settings = reach.resolve()
    try:
        bucket = reach_s3.bucket_name()
    except SettingsError as exc:  # an operator's mistake, not the day's: no telemetry row
        raise Failure(description=str(exc), allow_retries=False) from None
    client = reach_s3.client()
    log = day_log(settings, context.run_id)

    def uploader(path, key):
        return upload_with_retries(client, path, bucket, key, on_retry=context.log.warning)

    outcomes = [run_upload(settings, day, log, uploader) for day in run_days(context)]
    yield from outcome_events(context, outcomes, upload_metadata)
