"""The Dagster layer's test helpers: where a day's CDF belongs, what a day's rows are, the
registered resources for some settings, one day materialized as a launched run would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, materialize

from reach_pipeline.contract.layout import cdf_file_name, cdf_relative_path
from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.registry import resources as registered_resources
from reach_pipeline.defs.resources import ReachSettings

REACH_CDF = AssetKey("reach_cdf")


def layout_path(output_dir: Path, day: str) -> Path:
    """Where the day's CDF belongs: output_dir/l1c/prelim/YYYY/MM/DD/<name>."""
    return output_dir / cdf_relative_path(cdf_file_name(dt.date.fromisoformat(day)))


def cdfs_in(output_dir: Path) -> list[Path]:
    """Every CDF under output_dir, staging included."""
    return sorted(output_dir.rglob("*.cdf"))


def staging_leftovers(output_dir: Path) -> list[Path]:
    staging = output_dir / ".staging"
    return sorted(staging.rglob("*")) if staging.exists() else []


def day_rows(telemetry_path: Path, day: str) -> list[TelemetryRow]:
    return [r for r in TelemetryLog(telemetry_path).rows() if r.chunk_date_utc == day]


def resources_for(settings: ReachSettings) -> dict:
    return registered_resources(settings)


def materialize_day(day: str, resources: dict, instance: DagsterInstance) -> ExecuteInProcessResult:
    """reach_cdf and its checks for one day, as a launched run would do them."""
    return materialize(
        [*ASSETS],
        selection=[REACH_CDF],
        partition_key=day,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
