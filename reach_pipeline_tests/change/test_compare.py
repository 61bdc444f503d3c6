"""The change report on real small L1C products: made again from the same input, from
the same input with one obValue changed, with attributes edited in place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reach_pipeline.change.compare import change_from, compare_cdfs, variable_change
from reach_pipeline.change.report import NEW_PRODUCT, ChangeReport, Verdict
from reach_pipeline.processing import process_day
from reach_pipeline_tests.support.data import UDL_0901
from reach_pipeline_tests.support.products import (
    copy_as,
    udl_with_value,
    udl_without_sensor,
    with_text_replaced,
)


def made(udl: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(process_day(udl, folder).cdf_path)


@pytest.fixture(scope="module")
def old_l1c(tmp_path_factory) -> Path:
    return made(UDL_0901, tmp_path_factory.mktemp("old"))


def generation_date(cdf: Path) -> str:
    import cdflib

    return cdflib.CDF(str(cdf)).globalattsget()["Generation_date"][0]


def test_made_again_from_the_same_input_is_no_change(old_l1c, tmp_path):
    report = compare_cdfs(old_l1c, made(UDL_0901, tmp_path))
    assert report == ChangeReport(Verdict.NO_CHANGE, seconds=report.seconds)


@pytest.mark.parametrize(
    ("old_text", "new_text", "verdict", "attributes"),
    [
        # made on another day: the volatile attribute alone differs
        (None, "1999-01-01", Verdict.NO_CHANGE, ()),
        ("Joe Mazur", "Jim Mazur", Verdict.METADATA_ONLY, ("PI_name",)),
        (
            "Dose rate for combined",
            "DOSE RATE for combined",
            Verdict.METADATA_ONLY,
            ("dose_rate.CATDESC",),
        ),
    ],
)
def test_attributes(old_l1c, tmp_path, old_text, new_text, verdict, attributes):
    old_text = old_text or generation_date(old_l1c)
    new = with_text_replaced(old_l1c, tmp_path / old_l1c.name, old_text, new_text)
    report = compare_cdfs(old_l1c, new)
    assert (report.verdict, report.attributes, report.variables) == (verdict, attributes, ())


def test_one_ob_value_changed_names_dose_rate_and_its_sensor(old_l1c, tmp_path):
    sensor, value = udl_with_value(UDL_0901, tmp_path / "in" / UDL_0901.name, factor=3.0)
    report = compare_cdfs(old_l1c, made(tmp_path / "in" / UDL_0901.name, tmp_path / "new"))
    assert report.verdict == Verdict.DATA_CHANGED
    [dose] = report.variables
    assert (dose.name, dose.values) == ("dose_rate", 1)
    assert dose.max_abs == pytest.approx(2 * value)
    assert dose.max_rel == pytest.approx(2.0)
    assert report.sensors[0].sensor == sensor
    assert report.attributes == ()
    assert report.line().startswith("DATA_CHANGED: dose_rate 1/")


def test_a_sensor_gone_changes_the_shapes_and_is_named(old_l1c, tmp_path):
    udl = udl_without_sensor(UDL_0901, tmp_path / "in" / UDL_0901.name, "REACH-171")
    report = compare_cdfs(old_l1c, made(udl, tmp_path / "new"))
    assert report.verdict == Verdict.DATA_CHANGED
    changed = {v.name for v in report.variables}
    assert {"dose_rate", "sensor_labels", "lat"} <= changed
    assert report.sensors[0].sensor == "REACH-171"
    assert (report.sensors[0].old_median is not None, report.sensors[0].new_median) == (True, None)


def test_a_product_compared_with_itself_is_no_change(old_l1c, tmp_path):
    assert compare_cdfs(old_l1c, copy_as(old_l1c, tmp_path / "copy.cdf")).verdict == (
        Verdict.NO_CHANGE
    )


NAN, FILL = float("nan"), -1e31


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ([1.0, NAN, FILL], [1.0, NAN, FILL], None),
        ([1.0, 2.0, 4.0], [1.0, 2.5, 3.0], (2, 1.0, 0.25)),
        # a value that becomes fill (or NaN) counts, but measures nothing
        ([1.0, 2.0], [FILL, NAN], (2, None, None)),
        ([0.0, 1.0], [0.5, 1.0], (1, 0.5, None)),  # relative to zero: not measured
        ([1, 2, 3], [1, 2, 4], (1, 1.0, 1 / 3)),
    ],
)
def test_variable_change(old, new, expected):
    change = variable_change("v", np.array(old), np.array(new))
    if expected is None:
        assert change is None
    else:
        assert (change.values, change.max_abs, change.max_rel) == pytest.approx(expected)


def test_a_shape_change_counts_every_value():
    change = variable_change("v", np.zeros((3, 2)), np.zeros((4, 2)))
    assert (change.values, change.total, change.max_abs) == (8, 8, None)


def test_text_variables():
    change = variable_change("labels", np.array(["a", "b"]), np.array(["a", "c"]))
    assert (change.values, change.max_abs) == (1, None)


def test_an_unreadable_old_product_is_replaced_as_new(old_l1c, tmp_path):
    broken = tmp_path / "broken.cdf"
    broken.write_bytes(b"not a CDF at all")
    assert change_from(broken, old_l1c) == NEW_PRODUCT
    assert change_from(None, old_l1c) == NEW_PRODUCT
