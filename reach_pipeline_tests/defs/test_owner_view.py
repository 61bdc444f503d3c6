"""What a pipeline owner sees in the UI, checked on the definitions and a real instance:
a day with no input leaves a record on reach_csv, per-day numbers are plottable metadata,
the assets carry kinds, owners, their column schema, code references and a freshness
policy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cdflib
import pytest
from dagster import (
    AssetKey,
    AssetRecordsFilter,
    BoolMetadataValue,
    FloatMetadataValue,
    IntMetadataValue,
    materialize,
)

from reach_pipeline.definitions import defs
from reach_pipeline.defs.metadata import l1c_column_schema
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.processing.product import VARIABLE_NAMES
from reach_pipeline_tests.support.data import CDF_0904, MISSING_DAY, SAMPLE_DAYS

REACH_CSV = AssetKey("reach_csv")
REACH_CDF = AssetKey("reach_cdf")


def observations(instance, day: str) -> list:
    records = instance.fetch_observations(
        AssetRecordsFilter(asset_key=REACH_CSV, asset_partitions=[day]), limit=10
    ).records
    return [r.event_log_entry.asset_observation for r in records]


# ------------------------------------------------------------------------------- no input


def test_a_day_without_input_is_recorded_on_reach_csv(run_day, instance, input_dir):
    result = run_day(MISSING_DAY)
    assert result.success
    [observation] = observations(instance, MISSING_DAY)
    assert observation.metadata["present"] == BoolMetadataValue(False)
    assert observation.metadata["looked_in"].value == str(input_dir)
    assert observation.description == f"No input file for {MISSING_DAY} in {input_dir}"
    assert MISSING_DAY not in instance.get_materialized_partitions(REACH_CDF)


def test_a_day_with_input_gets_no_such_record(run_day, instance):
    assert run_day(SAMPLE_DAYS[0]).success
    assert observations(instance, SAMPLE_DAYS[0]) == []


def test_a_ranged_run_records_only_its_days_without_input(resources, instance):
    result = materialize(
        [*ASSETS],
        selection=["reach_cdf"],
        resources=resources,
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": SAMPLE_DAYS[2],
            "dagster/asset_partition_range_end": MISSING_DAY,  # 09-04 and 09-05 have none
        },
    )
    assert result.success
    recorded = {
        day for day in ("2025-09-03", "2025-09-04", "2025-09-05") if observations(instance, day)
    }
    assert recorded == {"2025-09-04", "2025-09-05"}
    assert "2025-09-03" in instance.get_materialized_partitions(REACH_CDF)


# ---------------------------------------------------------------------- plottable numbers


PLOTTED = (
    "availability_pct",
    "records_read",
    "after_dedupe",
    "duplicates_dropped",
    "expected_records",
    "epoch_count",
    "sensor_count",
    "dagster/row_count",
)


def test_per_day_numbers_are_numeric_metadata(run_day, instance):
    assert run_day(SAMPLE_DAYS[1]).success
    [record] = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=REACH_CDF, asset_partitions=[SAMPLE_DAYS[1]]), limit=1
    ).records
    metadata = record.asset_materialization.metadata
    for name in PLOTTED:
        assert isinstance(metadata[name], IntMetadataValue | FloatMetadataValue), (
            name,
            metadata[name],
        )
    assert 0 < metadata["availability_pct"].value < 100  # a sample is minutes of a day


# --------------------------------------------------------------------------- definitions


def test_kinds():
    graph = defs.resolve_asset_graph()
    kinds = {key.to_user_string(): graph.get(key).kinds for key in graph.get_all_asset_keys()}
    assert kinds == {
        "reach_csv": {"csv"},
        "reach_cdf": {"cdf"},
        "reach_cdf_s3": {"cdf", "s3"},
        "reach_geomap": {"cdf", "png"},
        "reach_geomap_s3": {"cdf", "png", "s3"},
        "reach_coverage": {"csv", "png"},
    }


def test_the_column_schema_is_the_l1c_variables():
    schema = l1c_column_schema()
    assert [c.name for c in schema.columns] == list(VARIABLE_NAMES)
    assert len(schema.columns) == 14
    assert sorted(c.name for c in schema.columns) == sorted(
        cdflib.CDF(str(CDF_0904)).cdf_info().zVariables
    )
    assert all(c.description for c in schema.columns)
    graph = defs.resolve_asset_graph()
    for key in (REACH_CDF, AssetKey("reach_cdf_s3")):
        assert graph.get(key).metadata["dagster/column_schema"] == schema


def test_code_references_point_at_the_definitions():
    graph = defs.resolve_asset_graph()
    for key in (REACH_CDF, AssetKey("reach_cdf_s3")):
        [reference] = graph.get(key).metadata["dagster/code_references"].code_references
        assert Path(reference.file_path).name == "assets.py"
        assert reference.line_number > 0


def definitions_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    """Load the code location in a new interpreter with ``env`` (read at load) and print
    reach_cdf's owners and freshness policy."""
    code = (
        "import json\n"
        "from dagster import AssetKey\n"
        "from reach_pipeline.definitions import defs\n"
        "node = defs.resolve_asset_graph().get(AssetKey('reach_cdf'))\n"
        "policy = node.freshness_policy\n"
        "print(json.dumps({'owners': sorted(node.owners), 'cron': policy.deadline_cron,\n"
        "    'lower_bound_s': policy.lower_bound_delta.total_seconds(),\n"
        "    'timezone': policy.timezone}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.integration
def test_owners_and_freshness_come_from_the_environment_at_load():
    loaded = definitions_in_a_fresh_process(
        REACH_OWNERS="ops@example.org,team:reach", REACH_FRESHNESS_DEADLINE_UTC="06:30"
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert json.loads(loaded.stdout.splitlines()[-1]) == {
        "owners": ["ops@example.org", "team:reach"],
        "cron": "30 6 * * *",
        "lower_bound_s": 86400.0,
        "timezone": "UTC",
    }


@pytest.mark.integration
def test_default_freshness_and_no_owners():
    loaded = definitions_in_a_fresh_process()
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    described = json.loads(loaded.stdout.splitlines()[-1])
    assert described["owners"] == [] and described["cron"] == "0 8 * * *"


@pytest.mark.integration
def test_malformed_owners_stop_the_load_naming_the_variable():
    loaded = definitions_in_a_fresh_process(REACH_OWNERS="ops")
    assert loaded.returncode != 0
    assert "REACH_OWNERS must be comma-separated emails or team:name entries" in loaded.stderr
