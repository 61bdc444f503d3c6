"""The stage table and what is derived from it: pure functions, tested directly."""

from __future__ import annotations

import pytest

from reach_pipeline.stages import (
    REACH_CDF,
    REACH_CDF_S3,
    REACH_CSV,
    REACH_GEOMAP,
    REACH_GEOMAP_S3,
    STAGES,
    StageId,
    day_assets,
    stage,
    stage_of_asset,
    upstream_asset,
    with_downstream,
)

L1C, L1C_UPLOAD, L2, L2_UPLOAD = StageId


def test_the_table_is_in_dependency_order_with_one_asset_per_stage():
    seen = set()
    for s in STAGES:
        assert s.upstream is None or s.upstream in seen, s.id
        seen.add(s.id)
    assert [s.asset for s in STAGES] == [REACH_CDF, REACH_CDF_S3, REACH_GEOMAP, REACH_GEOMAP_S3]
    assert [s.id.value for s in STAGES] == ["l1c", "l1c_upload", "l2", "l2_upload"]


@pytest.mark.parametrize(
    ("asset", "upstream"),
    [
        (REACH_CDF, REACH_CSV),
        (REACH_CDF_S3, REACH_CDF),
        (REACH_GEOMAP, REACH_CDF),
        (REACH_GEOMAP_S3, REACH_GEOMAP),
    ],
)
def test_each_asset_is_made_from_its_upstream(asset, upstream):
    assert upstream_asset(stage_of_asset(asset)) == upstream


def test_a_stage_is_found_by_its_id_or_its_value():
    assert stage("l2") is stage(L2) is stage_of_asset(REACH_GEOMAP)
    with pytest.raises(KeyError):
        stage_of_asset(REACH_CSV)  # an input, not a stage


@pytest.mark.parametrize(
    ("stage_id", "expected"),
    [
        (L1C, {L1C, L1C_UPLOAD, L2, L2_UPLOAD}),
        (L2, {L2, L2_UPLOAD}),
        (L1C_UPLOAD, {L1C_UPLOAD}),
    ],
)
def test_with_downstream(stage_id, expected):
    assert with_downstream(stage_id) == expected


@pytest.mark.parametrize(
    ("upload", "without", "expected"),
    [
        (False, (), [REACH_CDF, REACH_GEOMAP]),
        (True, (), [REACH_CDF, REACH_CDF_S3, REACH_GEOMAP, REACH_GEOMAP_S3]),
        (True, {L1C}, [REACH_CDF_S3, REACH_GEOMAP, REACH_GEOMAP_S3]),  # upload-only day
        (True, with_downstream(L2), [REACH_CDF, REACH_CDF_S3]),  # no L2
        (False, with_downstream(L2), [REACH_CDF]),
    ],
)
def test_a_days_selection(upload, without, expected):
    assert day_assets(upload=upload, without=without) == expected
