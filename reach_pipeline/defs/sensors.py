"""Sensors: new or changed input files, and the legacy tool's finished days."""

import json

from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetObservation,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from reach_pipeline.contract.layout import scan_inputs
from reach_pipeline.contract.state import finished_days
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.settings import Settings

from .jobs import daily_selection, reach_daily_job
from .partitions import daily_partitions
from .resources import ReachS3, ReachSettings

_REACH_CDF = AssetKey("reach_cdf")


def file_version(path) -> str:
    """A cheap data version of an input file: size and modification time."""
    stat = path.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


@sensor(
    name="reach_input_sensor",
    job=reach_daily_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Scans the input folder; records a reach_csv observation (with a data "
    "version) for each new or changed day file, and requests that day's run.",
)
def reach_input_sensor(context: SensorEvaluationContext, reach: ReachSettings, reach_s3: ReachS3):
    settings = reach.resolve()
    selection = daily_selection(reach_s3)
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    valid_keys = set(daily_partitions.get_partition_keys(dynamic_partitions_store=None))
    events, requests = [], []
    for day, path in scan_inputs(
        settings.input_dir, settings.sensor_id, settings.output_format
    ).items():
        key = day.isoformat()
        if key not in valid_keys:
            continue
        version = file_version(path)
        if seen.get(key) == version:
            continue
        seen[key] = version
        events.append(
            AssetObservation(
                asset_key="reach_csv",
                partition=key,
                tags={"dagster/data_version": version},
                metadata={"path": str(path), "size_bytes": path.stat().st_size},
            )
        )
        requests.append(
            RunRequest(run_key=f"{key}:{version}", partition_key=key, asset_selection=selection)
        )
    if not events:
        return SkipReason(f"no new or changed day files in {settings.input_dir}")
    return SensorResult(run_requests=requests, asset_events=events, cursor=json.dumps(seen))


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
                metadata={
                    "path": str(item.cdf_path),
                    "source": "legacy telemetry",
                    "legacy_run_id": item.row.run_id,
                    "legacy_status": item.row.status,
                },
            )
        )
    return events


@sensor(
    name="reach_legacy_import_sensor",
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.RUNNING,
    description="Reports days the legacy tool finished (per the telemetry CSV, CDF on disk) "
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
