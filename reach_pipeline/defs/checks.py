"""Asset checks on reach_cdf. The validity check blocks the upload when it fails."""

import warnings
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    PreviewWarning,
    asset_check,
)

from reach_pipeline.legacy.rows import append_day_row, started_at_of_run
from reach_pipeline.legacy.telemetry import FAILED, utc_now_iso

from .io_manager import CdfOutput
from .partitions import daily_partitions, partition_day
from .resources import ReachSettings

# Partitioned asset checks are "preview" in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings(
    "ignore", message=".*partitions_def on an AssetCheckSpec", category=PreviewWarning
)


@asset_check(
    asset="reach_cdf",
    name="cdf_is_valid",
    blocking=True,
    partitions_def=daily_partitions,
    description="The CDF reopens with cdflib, has the 14 variables and the required ISTP "
    "global attributes, and its Epoch increases strictly inside the partition's day. "
    "A failure blocks the upload and logs the day FAILED.",
)
def cdf_is_valid(
    context: AssetCheckExecutionContext, reach_cdf: CdfOutput, reach: ReachSettings
) -> AssetCheckResult:
    from reach_pipeline.processing.verify import cdf_problems  # cdflib: at run time only

    day = partition_day(context.partition_key)
    problems = cdf_problems(Path(reach_cdf.cdf_path), day)
    if problems:
        day_ctx = reach.resolve().day_context(context.run.run_id)  # no .run_id here
        append_day_row(
            day_ctx,
            day,
            FAILED,
            error_type="CdfCheckFailed",
            error_message="; ".join(problems),
            started_at_utc=started_at_of_run(day_ctx, day),
            finished_at_utc=utc_now_iso(),
        )
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={"path": reach_cdf.cdf_path, "problems": "; ".join(problems) or "none"},
    )


@asset_check(
    asset="reach_cdf",
    name="availability",
    partitions_def=daily_partitions,
    description="Records after dedupe against the expected 1,105,920 a day (34,560 for one "
    "sensor); warns below REACH_AVAILABILITY_WARN_PCT (default 90 %).",
)
def availability(reach_cdf: CdfOutput, reach: ReachSettings) -> AssetCheckResult:
    threshold = reach.resolve().availability_warn_pct
    pct = reach_cdf.facts.get("availability_pct")
    if pct is None:  # a day imported from the legacy tool: nothing measured here
        return AssetCheckResult(passed=True, metadata={"availability_pct": "unknown"})
    return AssetCheckResult(
        passed=pct >= threshold,
        severity=AssetCheckSeverity.WARN,
        metadata={"availability_pct": pct, "threshold_pct": threshold},
    )
