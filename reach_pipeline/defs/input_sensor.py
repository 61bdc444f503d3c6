"""The input sensor: new or changed day files in the input folder."""

import json

from dagster import (
    AssetObservation,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from reach_pipeline.contract.layout import scan_inputs

from .jobs import daily_selection, reach_daily_job
from .partitions import daily_partitions
from .resources import ReachS3, ReachSettings


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
