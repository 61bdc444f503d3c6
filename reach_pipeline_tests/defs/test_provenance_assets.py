"""Provenance through Dagster: a plugged-in processor's placed L1C carries its provenance
attributes and so does its materialization's metadata; every day's materialization, in a
one-day run and in a ranged run, carries the code and data version tags staleness needs."""

from __future__ import annotations

import hashlib

from dagster import AssetKey, AssetObservation, materialize

from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline.defs.versions import CODE_VERSIONS
from reach_pipeline.provenance.cdf_attrs import global_attributes
from reach_pipeline.provenance.versions import processor_version
from reach_pipeline.stages import StageId
from reach_pipeline_tests.support.dagster_days import layout_path, resources_for
from reach_pipeline_tests.support.processors import PATHS_ONLY

CDF, GEOMAP = AssetKey("reach_cdf"), AssetKey("reach_geomap")
RANGE = {
    "dagster/asset_partition_range_start": "2025-09-02",
    "dagster/asset_partition_range_end": "2025-09-03",
}


def test_a_plugged_in_processors_l1c_carries_its_provenance(
    input_dir, output_dir, instance, run_day
):
    settings = ReachSettings(
        input_dir=str(input_dir), output_dir=str(output_dir), processor=PATHS_ONLY
    )
    result = run_day("2025-09-01", settings)
    assert result.success
    attrs = global_attributes(layout_path(output_dir, "2025-09-01"))
    [source] = input_dir.glob("REACH-ALL_20250901T*")
    assert attrs["Input_file"] == source.name
    assert attrs["Input_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert attrs["Input_size_bytes"] == str(source.stat().st_size)
    assert attrs["Input_download_window"] == "2025-09-01T00:00:00Z/2025-09-02T00:00:00Z"
    assert attrs["Processor"] == PATHS_ONLY
    assert attrs["Processor_version"] == processor_version(PATHS_ONLY).version
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["input_sha256"].value == attrs["Input_sha256"]
    assert metadata["processor_version"].value == attrs["Processor_version"]
    assert "provenance_date" not in metadata  # volatile: the event has its own time


def test_one_day_and_ranged_runs_carry_version_tags(input_dir, output_dir, instance):
    resources = resources_for(ReachSettings(input_dir=str(input_dir), output_dir=str(output_dir)))
    for day in ("2025-09-01", "2025-09-02", "2025-09-03"):
        tags = {"dagster/data_version": f"input-{day}"}
        instance.report_runless_asset_event(AssetObservation("reach_csv", partition=day, tags=tags))
    selection = [CDF, GEOMAP]
    common = {"resources": resources, "instance": instance, "selection": selection}
    one = materialize([*ASSETS], partition_key="2025-09-01", **common)
    ranged = materialize([*ASSETS], tags=RANGE, **common)
    events = [
        e.materialization
        for result in (one, ranged)
        for e in result.get_asset_materialization_events()
    ]
    by = {(m.asset_key, m.partition): m.tags for m in events}
    assert len(by) == 6
    for day in ("2025-09-01", "2025-09-02", "2025-09-03"):
        l1c, l2 = by[(CDF, day)], by[(GEOMAP, day)]
        assert l1c["dagster/code_version"] == CODE_VERSIONS[StageId.L1C]
        assert l1c["dagster/input_data_version/reach_csv"] == f"input-{day}"
        # The pointer is the day's own observation (Dagster's: the latest of any day).
        pointer = int(l1c["dagster/input_event_pointer/reach_csv"])
        [record] = [
            r
            for r in instance.fetch_observations(AssetKey("reach_csv"), limit=10).records
            if r.storage_id == pointer
        ]
        assert record.partition_key == day
        assert l2["dagster/code_version"] == CODE_VERSIONS[StageId.L2]
        assert l2["dagster/input_data_version/reach_cdf"] == l1c["dagster/data_version"]
