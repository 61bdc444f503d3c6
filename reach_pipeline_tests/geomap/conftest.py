"""Geomaps made once per session from the bundled L1C references."""

from __future__ import annotations

import cdflib
import pytest

from reach_pipeline.geomap import make_geomap
from reach_pipeline_tests.support.data import CDF_0901, CDF_0904


@pytest.fixture(scope="session")
def made_0904(tmp_path_factory):
    """(facts, our L2 opened with cdflib) for the 09-04 L1C."""
    facts = make_geomap(CDF_0904, tmp_path_factory.mktemp("geomap-0904"))
    return facts, cdflib.CDF(facts.l2_path)


@pytest.fixture(scope="session")
def made_0901(tmp_path_factory):
    facts = make_geomap(CDF_0901, tmp_path_factory.mktemp("geomap-0901"))
    return facts, cdflib.CDF(facts.l2_path)
