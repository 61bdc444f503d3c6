"""Our L2 against the legacy tool's L2 made from the same L1C."""

from __future__ import annotations

import dataclasses

import cdflib
import numpy as np
import pytest

from reach_pipeline.processing.cdf import VOLATILE_GLOBAL_ATTRS
from reach_pipeline_tests.geomap.expected import (
    FLAVOR_NAMES,
    L2_0901,
    L2_0904,
    STATISTIC_NAMES,
    expected_maps,
    flavor_points,
)
from reach_pipeline_tests.support.data import CDF_0901, CDF_0904

LEGACY_0904 = cdflib.CDF(str(L2_0904))
LEGACY_0901 = cdflib.CDF(str(L2_0901))
VARIABLES = LEGACY_0904.cdf_info().zVariables
MAPS = [f"{s}_map" for s in STATISTIC_NAMES]
# What the 09-01 L1C holds: three of the six flavors. The legacy L2 has only three slots
# and puts the present flavors in them in order, labelled U, V, W.
PRESENT_0901 = ("W", "X", "Z")


def bits(values: np.ndarray) -> np.ndarray:
    """The values' bytes, so that equality is bit for bit (and NaN-safe)."""
    values = np.ascontiguousarray(values)
    return values.view(f"u{values.dtype.itemsize}") if values.dtype.kind == "f" else values


def test_same_variables_in_the_same_order(made_0904):
    _, ours = made_0904
    assert ours.cdf_info().zVariables == VARIABLES
    assert ours.cdf_info().Majority == LEGACY_0904.cdf_info().Majority
    assert ours.cdf_info().Encoding == LEGACY_0904.cdf_info().Encoding


@pytest.mark.parametrize("name", VARIABLES)
def test_same_variable_definition(made_0904, name):
    """Type, element count, dimensions, record variance, pad value: everything but Num."""
    _, ours = made_0904
    a, b = dataclasses.asdict(ours.varinq(name)), dataclasses.asdict(LEGACY_0904.varinq(name))
    for key in b:
        assert str(a[key]) == str(b[key]), (name, key, a[key], b[key])


@pytest.mark.parametrize("name", VARIABLES)
def test_same_values_bit_for_bit(made_0904, name):
    _, ours = made_0904
    a, b = ours.varget(name), LEGACY_0904.varget(name)
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(bits(a), bits(b))


@pytest.mark.parametrize("name", VARIABLES)
def test_same_variable_attributes(made_0904, name):
    _, ours = made_0904
    a, b = ours.varattsget(name), LEGACY_0904.varattsget(name)
    assert list(a) == list(b)
    for key in b:
        assert np.asarray(a[key]).dtype == np.asarray(b[key]).dtype, (name, key)
        assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), (name, key, a[key], b[key])


@pytest.mark.parametrize(("made", "legacy"), [("made_0904", L2_0904), ("made_0901", L2_0901)])
def test_same_global_attributes(request, made, legacy):
    """All but the generation date and the software versions, in the same order."""
    _, ours = request.getfixturevalue(made)
    a, b = ours.globalattsget(), cdflib.CDF(str(legacy)).globalattsget()
    stable_a = [k for k in a if k not in VOLATILE_GLOBAL_ATTRS]
    stable_b = [k for k in b if k not in VOLATILE_GLOBAL_ATTRS]
    assert stable_a == stable_b
    for key in stable_b:
        assert a[key] == b[key], key
    assert a["Generation_date"][0] and a["reach_pipeline_version"][0]


def test_0904_has_every_flavor():
    """Why 09-04 is the reference to equal: no flavor is absent."""
    assert all(len(pts[2]) for pts in flavor_points(CDF_0904).values())


@pytest.mark.parametrize(("made", "l1c"), [("made_0904", CDF_0904), ("made_0901", CDF_0901)])
def test_maps_equal_scipy_per_flavor(request, made, l1c):
    """Every map equals scipy's binned_statistic_2d of that flavor's points, bit for bit."""
    _, ours = request.getfixturevalue(made)
    for stat, want in expected_maps(l1c).items():
        np.testing.assert_array_equal(bits(ours.varget(f"{stat}_map")), bits(want), stat)


def test_0901_legacy_slots_hold_the_present_flavors_in_order():
    """The legacy defect itself: 3 slots, each holding the next present flavor's data."""
    points = flavor_points(CDF_0901)
    assert tuple(f for f in FLAVOR_NAMES if len(points[f][2])) == PRESENT_0901
    assert LEGACY_0901.varget("count_map").shape == (1, 3, 36, 72)
    for slot, flavor in enumerate(PRESENT_0901):
        assert LEGACY_0901.varget("count_map")[0, slot].sum() == len(points[flavor][2])


@pytest.mark.parametrize("stat", STATISTIC_NAMES)
@pytest.mark.parametrize("flavor", PRESENT_0901)
def test_0901_our_slot_equals_the_legacy_slot_that_really_holds_the_flavor(made_0901, flavor, stat):
    _, ours = made_0901
    mine = ours.varget(f"{stat}_map")[0, FLAVOR_NAMES.index(flavor)]
    legacy = LEGACY_0901.varget(f"{stat}_map")[0, PRESENT_0901.index(flavor)]
    np.testing.assert_array_equal(bits(mine), bits(legacy))


@pytest.mark.parametrize("flavor", sorted(set(FLAVOR_NAMES) - set(PRESENT_0901)))
def test_0901_absent_flavors_get_empty_maps_in_their_own_slot(made_0901, flavor):
    facts, ours = made_0901
    k = FLAVOR_NAMES.index(flavor)
    assert ours.varget("dosimeter_flavor_names")[k] == flavor
    for stat in STATISTIC_NAMES:
        blank = 0.0 if stat in ("sum", "count") else np.float32(-1e31)
        assert np.all(ours.varget(f"{stat}_map")[0, k] == blank), stat
    assert facts.points_used[flavor] == 0 and facts.bins_filled[flavor] == 0
    assert facts.max_dose[flavor] is None and facts.median_dose[flavor] is None


def test_0901_otherwise_equals_the_reference(made_0901):
    """Everything but the maps is the same as the legacy file."""
    _, ours = made_0901
    for name in VARIABLES:
        if name not in MAPS:
            np.testing.assert_array_equal(bits(ours.varget(name)), bits(LEGACY_0901.varget(name)))
            assert ours.varattsget(name).keys() == LEGACY_0901.varattsget(name).keys()
