"""reach_geomap and reach_geomap_s3 on a real instance: the L2 CDF and its quicklooks placed
whole beside nothing else, their metadata and check, the upload under the same keys."""

from __future__ import annotations

import base64
from datetime import date

import cdflib
import numpy as np
import pytest
from dagster import AssetKey

from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline.geomap.api import make_geomap
from reach_pipeline.geomap.product import STATISTICS, l2_file_name, quicklook_names
from reach_pipeline_tests.support.dagster_days import day_rows, layout_path, resources_for
from reach_pipeline_tests.support.materialize import materialization, materialize

DAY = "2025-09-02"
L2_NAME = l2_file_name(date(2025, 9, 2))
QUICKLOOKS = quicklook_names(date(2025, 9, 2))
L2_DIR = "l2/prelim/2025/09/02"
REACH_CDF, REACH_GEOMAP = AssetKey("reach_cdf"), AssetKey("reach_geomap")


def run(settings, instance, *keys: str, s3: ReachS3 | None = None, day: str = DAY):
    resources = resources_for(settings)
    if s3 is not None:
        resources["reach_s3"] = s3
    return materialize(list(keys), day, resources, instance)


def test_the_day_gets_its_l2_and_quicklooks(settings, output_dir, instance, tmp_path):
    result = run(settings, instance, "reach_cdf", "reach_geomap")

    assert result.success
    folder = output_dir / L2_DIR
    expected = sorted([L2_NAME, *QUICKLOOKS])
    assert sorted(p.name for p in folder.iterdir()) == expected
    # Equal to the geomap made directly from the day's L1C (the placement moved it whole).
    direct = make_geomap(layout_path(output_dir, DAY), tmp_path / "direct")
    placed, made = cdflib.CDF(str(folder / L2_NAME)), cdflib.CDF(direct.l2_path)
    for statistic in STATISTICS:
        name = f"{statistic}_map"
        np.testing.assert_array_equal(placed.varget(name), made.varget(name))
    # Its metadata: the overview first, the counts, the thumbnail as markdown.
    meta = materialization(result, REACH_GEOMAP).metadata
    images = meta["images"].value.splitlines()
    assert images[0].endswith("_overview.png") and len(images) == 7
    assert meta["path"].value == str(folder / L2_NAME)
    assert meta["points_used"].value == sum(direct.points_used.values()) > 0
    assert meta["bins_filled_X"].value == direct.bins_filled["X"]
    overview = meta["overview"].value
    assert overview.startswith(f"![overview of {DAY}](data:image/png;base64,")
    thumbnail = base64.b64decode(overview.split("base64,", 1)[1].split(")", 1)[0])
    assert thumbnail.startswith(b"\x89PNG") and len(thumbnail) <= 100 * 1024
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "geomap_is_valid"]
    assert check.passed and check.asset_key == REACH_GEOMAP
    # The L2 writes no telemetry row: the legacy schema has no L2 columns.
    assert [r.status for r in day_rows(settings.resolve().telemetry_path, DAY)] == [
        "PROCESS_PENDING",
        "PROCESSED",
    ]


def test_quicklooks_all_makes_the_legacy_set(input_dir, output_dir, instance):
    settings = ReachSettings(input_dir=str(input_dir), output_dir=str(output_dir), quicklooks="all")

    assert run(settings, instance, "reach_cdf", "reach_geomap").success

    names = sorted(p.name for p in (output_dir / L2_DIR).glob("*.png"))
    assert names == sorted(quicklook_names(date(2025, 9, 2), "all"))
    assert len(names) == 1 + 6 * len(STATISTICS)


def test_a_geomap_without_its_l1c_fails_naming_the_reason(settings, output_dir, instance):
    result = run(settings, instance, "reach_geomap")

    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.event_specific_data.error.message
    assert f"{DAY} reach_geomap: NoL1cProduct: no L1C CDF on disk for {DAY}" in message
    assert not (output_dir / "l2").exists()


def test_a_day_that_fails_at_the_l1c_is_told_once(settings, input_dir, output_dir, instance):
    bad = input_dir / "REACH-ALL_20250902T000000_20250903T000000.csv"
    bad.write_text(bad.read_text().splitlines(keepends=True)[0])  # a header only

    result = run(settings, instance, "reach_cdf", "reach_geomap")

    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    lines = failure.event_specific_data.error.message.split("Failure: ", 1)[-1].splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith(DAY)] == [f"{DAY} reach_cdf"]
    assert not (output_dir / "l2").exists()


@pytest.mark.integration
def test_the_l2_upload_sends_every_file_once(settings, output_dir, instance, s3_client, aws_env):
    bucket = "reach-geomap-upload"
    s3_client.create_bucket(Bucket=bucket)
    s3 = ReachS3(bucket=bucket, endpoint_url=aws_env.endpoint_url)

    first = run(settings, instance, "reach_cdf", "reach_geomap", "reach_geomap_s3", s3=s3)
    again = run(settings, instance, "reach_geomap_s3", s3=s3)

    assert first.success and again.success
    local = sorted(p.name for p in (output_dir / L2_DIR).iterdir())
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix=f"{L2_DIR}/")["Contents"]
    assert sorted(o["Key"] for o in listed) == [f"{L2_DIR}/{name}" for name in local]
    for name in local:
        body = s3_client.get_object(Bucket=bucket, Key=f"{L2_DIR}/{name}")["Body"].read()
        assert body == (output_dir / L2_DIR / name).read_bytes(), name
    meta = materialization(first, AssetKey("reach_geomap_s3")).metadata
    assert (meta["objects"].value, meta["sent"].value) == (len(local), len(local))
    meta = materialization(again, AssetKey("reach_geomap_s3")).metadata
    assert (meta["objects"].value, meta["sent"].value) == (len(local), 0)
