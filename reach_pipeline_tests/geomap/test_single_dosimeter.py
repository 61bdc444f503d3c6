"""Pods with a single dosimeter: a padded "" flavor slot in the L1C (the legacy tool gives up
on the whole day). The L1C is made for real by the processing package from a UDL file."""

from __future__ import annotations

from pathlib import Path

import cdflib
import numpy as np
import pytest

from reach_pipeline.geomap import geomap_problems, make_geomap
from reach_pipeline_tests.geomap.expected import FLAVOR_NAMES, expected_maps
from reach_pipeline_tests.geomap.udlcopy import l1c_from

pytestmark = pytest.mark.slow


def one_pod_loses_dose2(row) -> bool:
    return row["idSensor"] == "REACH-171" and "DOSE2" in row["seoList"]


def every_pod_loses_dose2(row) -> bool:
    return "DOSE2" in row["seoList"]


@pytest.mark.parametrize(("drop", "slots"), [(one_pod_loses_dose2, 2), (every_pod_loses_dose2, 1)])
def test_single_dosimeter_pods(tmp_path, drop, slots):
    l1c = l1c_from(tmp_path, drop)
    flavors = np.asarray(cdflib.CDF(str(l1c)).varget("dosimeter_flavors")).reshape(-1, slots)
    if slots == 2:
        assert "" in {str(f).strip() for f in flavors[:, 1]}  # the padded slot is there
    out = tmp_path / "l2"
    out.mkdir()
    facts = make_geomap(l1c, out)
    ours = cdflib.CDF(facts.l2_path)
    for stat, want in expected_maps(l1c).items():
        np.testing.assert_array_equal(ours.varget(f"{stat}_map"), want, stat)
    assert geomap_problems(facts.l2_path, l1c) == []
    assert sum(facts.points_used.values()) == int(ours.varget("count_map").sum())


def geomap_in(folder: Path, drop):
    folder.mkdir()
    return make_geomap(l1c_from(folder, drop), folder)


def test_a_pod_without_dose2_still_counts_its_dose1(tmp_path):
    """REACH-171 keeps its X points; its Z points are gone, REACH-181's remain."""
    full = geomap_in(tmp_path / "full", lambda row: False)
    single = geomap_in(tmp_path / "single", one_pod_loses_dose2)
    assert single.points_used["X"] == full.points_used["X"]
    assert 0 < single.points_used["Z"] < full.points_used["Z"]
    others = [f for f in FLAVOR_NAMES if f not in "XZ"]
    assert [single.points_used[f] for f in others] == [full.points_used[f] for f in others]
