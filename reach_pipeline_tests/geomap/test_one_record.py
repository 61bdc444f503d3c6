"""A day whose L1C holds one time record (cdflib drops the record dimension on reading)."""

from __future__ import annotations

import cdflib
import numpy as np
import pytest

from reach_pipeline.geomap import geomap_problems, make_geomap
from reach_pipeline_tests.geomap.expected import expected_maps
from reach_pipeline_tests.geomap.udlcopy import l1c_from

pytestmark = pytest.mark.slow


def test_one_record_day(tmp_path):
    l1c = l1c_from(tmp_path, lambda row: not row["obTime"].startswith("2025-09-01T00:00:00"))
    assert len(np.atleast_1d(cdflib.CDF(str(l1c)).varget("Epoch"))) == 1
    facts = make_geomap(l1c, tmp_path / "l2")
    ours = cdflib.CDF(facts.l2_path)
    assert ours.globalattsget()["Time_resolution"] == ["0.0 s"]
    assert ours.globalattsget()["Time_start"] == ours.globalattsget()["Time_end"]
    for stat, want in expected_maps(l1c).items():
        np.testing.assert_array_equal(ours.varget(f"{stat}_map"), want, stat)
    assert geomap_problems(facts.l2_path, l1c) == []
    assert sum(facts.points_used.values()) > 0
