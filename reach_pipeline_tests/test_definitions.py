"""The code location loads, and what it registers is what the snapshot says.

A change to what is registered (an asset, a check, a pool, a sensor's default status...)
changes ``data/definitions_snapshot.json``: it shows in review. To accept a deliberate
change, run ``REACH_UPDATE_SNAPSHOT=1 pytest reach_pipeline_tests/test_definitions.py``.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest
import yaml
from dagster import AssetKey, AssetsDefinition, AssetSpec, Definitions

from reach_pipeline.definitions import defs
from reach_pipeline.defs import registry
from reach_pipeline.settings import SettingsError

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = Path(__file__).parent / "data" / "definitions_snapshot.json"


def describe(definitions: Definitions) -> dict:
    """What is registered, as plain data."""
    graph = definitions.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "external": node.is_external,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "partitions": None
            if partitions is None
            else f"{type(partitions).__name__}({partitions.start:%Y-%m-%d}, "
            f"{partitions.timezone}, {partitions.cron_schedule})",
            "pool": None if node.is_external else definitions.resolve_assets_def(key).op.pool,
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
        }
    checks = {
        f"{key.asset_key.to_user_string()}:{key.name}": {
            "blocking": graph.get_check_spec(key).blocking,
            "partitioned": graph.get_check_spec(key).partitions_def is not None,
        }
        for key in sorted(graph.asset_check_keys, key=str)
    }
    return {
        "assets": assets,
        "checks": checks,
        "jobs": sorted(job.name for job in definitions.jobs),
        "sensors": {
            s.name: {
                "default_status": s.default_status.value,
                "interval_s": s.minimum_interval_seconds,
            }
            for s in definitions.sensors
        },
        "schedules": {
            s.name: {
                "cron": s.cron_schedule,
                "timezone": s.execution_timezone,
                "default_status": s.default_status.value,
            }
            for s in definitions.schedules
        },
        "resources": sorted(definitions.resources),
        "executor": definitions.executor.name,
    }


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_definitions_match_the_snapshot():
    current = describe(defs)
    if os.environ.get("REACH_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_the_registry_is_what_is_defined():
    """definitions.py, the command line and the tests all use the registry's lists."""
    graph = defs.resolve_asset_graph()
    made = [a for a in registry.ASSETS if isinstance(a, AssetsDefinition)]
    specs = [a for a in registry.ASSETS if isinstance(a, AssetSpec)]
    registered = {key for a in made for key in a.keys} | {s.key for s in specs}
    assert registered == set(graph.get_all_asset_keys())
    registered_checks = {key for a in made for key in a.check_keys}
    assert registered_checks == set(graph.asset_check_keys)
    assert {s.name for s in registry.SENSORS} == {s.name for s in defs.sensors}
    assert {s.name for s in registry.SCHEDULES} == {s.name for s in defs.schedules}
    assert graph.get(AssetKey("reach_cdf")).parent_keys == {AssetKey("reach_csv")}


def test_shipped_instance_limits_pools_to_one():
    shipped = yaml.safe_load((REPO / "dagster.yaml").read_text())
    assert shipped["concurrency"]["pools"]["default_limit"] == 1


def test_no_setting_is_read_at_import(monkeypatch):
    import reach_pipeline.definitions as module

    monkeypatch.setenv("REACH_OUTPUT_FORMAT", "parquet")  # invalid: resolving would raise
    reloaded = importlib.reload(module)
    Definitions.validate_loadable(reloaded.defs)
    with pytest.raises(SettingsError, match="REACH_OUTPUT_FORMAT"):
        reloaded.defs.resources["reach"].resolve()
