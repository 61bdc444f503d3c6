"""Asset checks on reach_cdf. The validity check blocks the upload when it fails.

reach_cdf already refuses to place a CDF that fails validation; ``cdf_is_valid`` checks
the placed product again (it may have been damaged or replaced since) right before an
upload in the same run, and records the result per day in the UI.
"""

import warnings

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    AssetRecordsFilter,
    PreviewWarning,
    asset_check,
)

from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.contract.telemetry import TelemetryLog

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
    "A failure blocks the upload.",
)
def cdf_is_valid(context: AssetCheckExecutionContext, reach: ReachSettings) -> AssetCheckResult:
    from reach_pipeline.processing.verify import cdf_problems  # cdflib: at run time only

    settings = reach.resolve()
    day = partition_day(context.partition_key)
    row = TelemetryLog(settings.telemetry_path).latest_by_day().get(day)
    path = locate_cdf(
        day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )
    problems = ["no CDF on disk"] if path is None else cdf_problems(path, day)
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        metadata={"path": str(path or ""), "problems": "; ".join(problems) or "none"},
    )


@asset_check(
    asset="reach_cdf",
    name="availability",
    partitions_def=daily_partitions,
    description="Records after dedupe against the expected 1,105,920 a day (34,560 for one "
    "sensor); warns below REACH_AVAILABILITY_WARN_PCT (default 90 %).",
)
def availability(context: AssetCheckExecutionContext, reach: ReachSettings) -> AssetCheckResult:
    threshold = reach.resolve().availability_warn_pct
    pct = materialized_value(context, "reach_cdf", "availability_pct")
    if pct is None:  # a day imported from the legacy tool: nothing measured here
        return AssetCheckResult(passed=True, metadata={"availability_pct": "unknown"})
    return AssetCheckResult(
        passed=pct >= threshold,
        severity=AssetCheckSeverity.WARN,
        metadata={"availability_pct": pct, "threshold_pct": threshold},
    )


def materialized_value(context: AssetCheckExecutionContext, asset: str, name: str):
    """A metadata value of the asset's latest materialization of this partition."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[context.partition_key]),
        limit=1,
    ).records
    if not records:
        return None
    entry = records[0].asset_materialization.metadata.get(name)
    return None if entry is None else entry.value
