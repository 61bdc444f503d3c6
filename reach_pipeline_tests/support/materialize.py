"""In-process runs of the pipeline's assets for one day, and what a run reports."""

from __future__ import annotations

from dagster import AssetKey, AssetMaterialization, DagsterInstance, ExecuteInProcessResult
from dagster import materialize as dagster_materialize

from reach_pipeline.defs.registry import ASSETS


def materialize(
    keys: list[str], day: str, resources: dict, instance: DagsterInstance, **options
) -> ExecuteInProcessResult:
    """The assets ``keys`` of the day ``day``, as a launched run does them (a failure is in
    the result, not raised, unless ``raise_on_error=True``)."""
    return dagster_materialize(
        [*ASSETS],
        selection=[AssetKey(key) for key in keys],
        partition_key=day,
        resources=resources,
        instance=instance,
        **{"raise_on_error": False, **options},
    )


def materialization(result: ExecuteInProcessResult, key: AssetKey | str) -> AssetMaterialization:
    """The run's one materialization of ``key``."""
    key = AssetKey(key) if isinstance(key, str) else key
    [found] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == key
    ]
    return found
