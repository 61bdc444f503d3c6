"""The assets: reach_csv (the day's input, external) -> reach_cdf (L1C) -> reach_cdf_s3, and
reach_cdf -> reach_geomap (L2 + quicklooks) -> reach_geomap_s3; all daily.

The four made here are one subsettable multi-asset, ``reach_day``: each day of a run goes
through the selected stages (``reach_pipeline.steps.day``) before the next day starts, so
in a ranged (backfill) run a bad day fails alone while the other days get every stage, and
the processor's warm fork worker serves every stage. The body is glue: the steps write the
telemetry rows, ``events`` turns the outcomes into Dagster events.
"""

import datetime as dt
from contextlib import closing

from dagster import (
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    Failure,
    FreshnessPolicy,
    multi_asset,
)

from reach_pipeline.settings import (
    SettingsError,
    asset_owners,
    backfill_days_per_run,
    freshness_deadline,
)
from reach_pipeline.stages import (
    REACH_CDF,
    REACH_CSV,
    STAGES,
    Stage,
    StageId,
    stage_of_asset,
    upstream_asset,
)
from reach_pipeline.steps.claim import run_baseline
from reach_pipeline.steps.day import pipelined_days

from .checks import CHECK_SPECS
from .events import day_events, days_failure, failures, stop_metadata
from .io_manager import FIND, IO_MANAGER_KEY
from .metadata import l1c_column_schema
from .partitions import daily_partitions, run_days
from .preflight import run_settings
from .resources import ReachS3, ReachSettings, day_log
from .versions import CODE_VERSIONS

GROUP = "reach"
# A backfill runs up to this many days per run: REACH_BACKFILL_DAYS_PER_RUN, read when the
# code location loads (a run's start-up costs ~3-5 s, paid once per run; README, "Campaigns
# and the live day").
DAYS_PER_RUN = backfill_days_per_run()
# REACH_OWNERS is read when the code location loads (owners are part of the definitions).
OWNERS = asset_owners()
L1C_COLUMNS = {"dagster/column_schema": l1c_column_schema()}
# The pool every day's step takes a slot of (limit 1: one day at a time by default).
POOL = REACH_CDF


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


# What every asset of the group shares.
DAILY = {"group_name": GROUP, "partitions_def": daily_partitions, "owners": OWNERS}

reach_csv = AssetSpec(
    REACH_CSV,
    kinds={"csv"},
    **DAILY,
    description="The day's UDL download in the input folder "
    "(`{prefix}_{YYYYMMDD}T000000_*.csv`), written by the download tool. Observed by "
    "reach_input_sensor with a data version, so a re-downloaded day shows reach_cdf stale. "
    "A day reach_cdf found no file for has an observation with present=false and the "
    "folder it looked in.",
)

# What a stage's spec has besides the table's: Dagster-only parts.
# reach_cdf and reach_geomap: a code version from their processor's (``versions``).
EXTRA = {
    StageId.L1C: {
        "metadata": L1C_COLUMNS,
        "freshness_policy": l1c_freshness(),
        "code_version": CODE_VERSIONS[StageId.L1C],
    },
    StageId.L1C_UPLOAD: {"metadata": L1C_COLUMNS},
    StageId.L2: {"code_version": CODE_VERSIONS[StageId.L2]},
}


def day_spec(stage: Stage) -> AssetSpec:
    """The spec of one of the daily assets ``reach_day`` makes (skippable: a day's later
    stages do not run when an earlier one fails or is not selected)."""
    spec = AssetSpec(
        stage.asset,
        deps=[upstream_asset(stage)],
        skippable=True,
        kinds=set(stage.kinds),
        description=stage.description,
        **DAILY,
        **EXTRA.get(stage.id, {}),
    )
    # Other assets load reach_cdf and reach_geomap as the day's file (defs.io_manager).
    return spec.with_io_manager_key(IO_MANAGER_KEY) if stage.asset in FIND else spec


SPECS = [day_spec(stage) for stage in STAGES]


@multi_asset(
    name="reach_day",
    specs=SPECS,
    check_specs=CHECK_SPECS,
    partitions_def=daily_partitions,
    can_subset=True,
    pool=POOL,
    backfill_policy=BackfillPolicy.multi_run(max_partitions_per_run=DAYS_PER_RUN),
)
def reach_day(context: AssetExecutionContext, reach: ReachSettings, reach_s3: ReachS3):
    settings = run_settings(reach)  # an operator's mistake fails here: no day touched
    stages = [stage_of_asset(key.to_user_string()) for key in context.selected_asset_keys]
    # No bucket: the upload stages are NOT_CONFIGURED (skipped, saying why), the day is not
    # failed for it (an asset selection with them is "Materialize all" in the UI).
    uploads = any(s.is_upload for s in stages) and reach_s3.configured()
    uploader = _uploader(context, reach_s3) if uploads else None
    log = day_log(settings, context.run_id)
    baseline = run_baseline(context.run.tags, log.log)
    days = run_days(context)
    failed, stopped = [], {}
    ids = {s.id for s in stages}
    with closing(pipelined_days(settings, days, log, ids, uploader, baseline)) as pipeline:
        for index, (_day, outcomes) in enumerate(pipeline):
            failed += failures(outcomes)
            yield from day_events(context, settings, outcomes, ranged=len(days) > 1)
            fault = next((f.fault for f in failures(outcomes) if f.fault is not None), None)
            if fault is not None:  # the machine's: the run stops at the first day it hits
                stopped = stop_metadata(fault, days[index + 1 :])
                break
    if failed:
        raise days_failure(failed, stopped)


def _uploader(context: AssetExecutionContext, reach_s3: ReachS3):
    """The run's uploader: ``uploader(path, key)`` sends a file (verified, retried on
    transient errors, not tried again once the endpoint proved unreachable in this run),
    ``uploader.remove(key)`` deletes a day's replaced object (its legacy name)."""
    from reach_pipeline.s3upload import RunUploader  # boto3: at run time only

    try:
        bucket = reach_s3.bucket_name()
    except SettingsError as exc:  # an operator's mistake, not the day's: no telemetry row
        raise Failure(description=str(exc), allow_retries=False) from None
    # An unreachable endpoint is tried once per run; the command line tags all the runs of
    # one invocation with reach/invocation, so its days count as one run.
    scope = context.run.tags.get("reach/invocation") or context.run_id
    return RunUploader(reach_s3.client(), bucket, scope=scope, on_retry=context.log.warning)
