"""The code location loads, and its wiring is what the design promises."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml
from dagster import AssetKey, DailyPartitionsDefinition, Definitions

from reach_pipeline.definitions import defs
from reach_pipeline.defs.partitions import daily_partitions

REPO = Path(__file__).resolve().parents[1]
ASSETS = ("reach_csv", "reach_cdf", "reach_cdf_s3")


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_assets_in_group_reach():
    graph = defs.resolve_asset_graph()
    for name in ASSETS:
        node = graph.get(AssetKey(name))
        assert node.group_name == "reach", name
    assert graph.get(AssetKey("reach_csv")).is_external
    assert not graph.get(AssetKey("reach_cdf")).is_external
    assert graph.get(AssetKey("reach_cdf")).parent_keys == {AssetKey("reach_csv")}
    assert graph.get(AssetKey("reach_cdf_s3")).parent_keys == {AssetKey("reach_cdf")}


def test_one_daily_utc_partitioning_shared():
    assert isinstance(daily_partitions, DailyPartitionsDefinition)
    assert daily_partitions.timezone == "UTC"
    graph = defs.resolve_asset_graph()
    for name in ASSETS:
        assert graph.get(AssetKey(name)).partitions_def == daily_partitions, name
    assert defs.resolve_job_def("reach_daily_job").partitions_def == daily_partitions


def test_checks_on_reach_cdf():
    graph = defs.resolve_asset_graph()
    checks = {key.name: key for key in graph.asset_check_keys}
    assert set(checks) == {"cdf_is_valid", "availability"}
    assert {key.asset_key for key in checks.values()} == {AssetKey("reach_cdf")}


def test_sensors_schedule_and_job():
    assert {s.name for s in defs.sensors} == {"reach_input_sensor", "reach_legacy_import_sensor"}
    assert [s.name for s in defs.schedules] == ["reach_daily_schedule"]
    assert defs.resolve_job_def("reach_daily_job") is not None
    assert set(defs.resources) >= {"reach", "reach_s3", "reach_io_manager"}


def test_pools_and_shipped_limit():
    for name in ("reach_cdf", "reach_cdf_s3"):
        assert defs.resolve_assets_def(name).op.pool == name
    shipped = yaml.safe_load((REPO / "dagster.yaml").read_text())
    assert shipped["concurrency"]["pools"]["default_limit"] == 1


def test_no_setting_is_read_at_import(monkeypatch):
    import reach_pipeline.definitions as module

    monkeypatch.setenv("REACH_OUTPUT_FORMAT", "parquet")  # invalid: resolving would raise
    reloaded = importlib.reload(module)
    Definitions.validate_loadable(reloaded.defs)
    with pytest.raises(ValueError, match="REACH_OUTPUT_FORMAT"):
        reloaded.settings.resolve()
