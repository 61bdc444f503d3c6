"""The legacy import: days the legacy tool finished, reported as runless materializations."""

from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
)

from reach_pipeline.contract.state import finished_days
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.defs.cadence import every_five_minutes
from reach_pipeline.settings import Settings
from reach_pipeline.stages import REACH_CDF

from .input_sensor import file_version
from .partitions import daily_partitions
from .resources import ReachSettings
from .versions import CODE_VERSION_TAG, LEGACY_CODE_VERSION

_REACH_CDF = AssetKey(REACH_CDF)


def legacy_import_events(instance: DagsterInstance, settings: Settings) -> list:
    """Runless materializations for days the legacy tool finished, not yet known here."""
    done = instance.get_materialized_partitions(_REACH_CDF)
    valid = set(daily_partitions.get_partition_keys())
    # Only days not known here yet, so the run lookups below stay few.
    candidates = {
        day: row
        for day, row in TelemetryLog(settings.telemetry_path).latest_by_day().items()
        if day.isoformat() in valid and day.isoformat() not in done
    }
    events = []
    for item in finished_days(
        candidates,
        output_dir=settings.output_dir,
        telemetry_path=settings.telemetry_path,
        is_ours=lambda run_id: bool(run_id) and instance.get_run_by_id(run_id) is not None,
    ):
        key = item.day.isoformat()
        events.append(
            AssetMaterialization(
                asset_key=_REACH_CDF,
                partition=key,
                description="Processed by the legacy tool (imported from the telemetry file)",
                # Made by another processor than ours: such a day shows stale.
                tags={CODE_VERSION_TAG: LEGACY_CODE_VERSION},
                metadata={
                    "path": str(item.cdf_path.absolute()),
                    "source": "legacy telemetry",
                    "legacy_run_id": item.row.run_id,
                    "legacy_status": item.row.status,
                },
            )
        )
    return events


@every_five_minutes(
    "reach_legacy_import_sensor",
    "Reports days the legacy tool finished (per the telemetry CSV, CDF on disk) "
    "as materialized, so 'backfill missing' skips them.",
)
def reach_legacy_import_sensor(context: SensorEvaluationContext, reach: ReachSettings):
    settings = reach.resolve()
    path = settings.telemetry_path
    if not path.is_file():
        return SkipReason(f"no telemetry file at {path}")
    version = file_version(path)
    if context.cursor == version:
        return SkipReason("telemetry file unchanged")
    events = legacy_import_events(context.instance, settings)
    return SensorResult(asset_events=events, cursor=version)
