"""Per sensor, per day: records, availability, quality, median dose; the same from the
processor's grid in memory and from the CDF read back."""

from __future__ import annotations

import numpy as np
import pytest

from reach_pipeline.processing import process_day
from reach_pipeline.processing.pods import satellite_of
from reach_pipeline.processing.product import FILLVAL
from reach_pipeline.processing.sensor_stats import SensorDay, sensor_days
from reach_pipeline.processing.verify import facts_from_cdf
from reach_pipeline_tests.support.data import UDL_0901

F = FILLVAL


@pytest.mark.parametrize(
    ("dose", "quality", "records", "quality_pct", "median"),
    [
        ([[1.0, 3.0], [2.0, F]], [0.0, 0.0], 3, 0.0, 2.0),
        ([[1.0, 3.0], [2.0, F]], [1.0, 0.0], 3, 66.67, 2.0),  # 2 of 3 records flagged
        ([[1.0, 3.0], [2.0, F]], [F, 2.0], 3, 33.33, 2.0),  # unknown quality: not flagged
        ([[F, F], [F, F]], [F, F], 0, 0.0, None),  # absent all day
    ],
)
def test_one_sensor(dose, quality, records, quality_pct, median):
    [day] = sensor_days(["REACH-101"], np.array(dose)[:, None, :], np.array(quality)[:, None])
    assert (day.records, day.quality_pct, day.median_dose) == (records, quality_pct, median)
    assert day.satellite == "Iridium-102"
    assert day.availability_pct == round(100 * records / 34_560, 2)


@pytest.mark.parametrize(
    ("sensor", "satellite"),
    [("REACH-101", "Iridium-102"), ("REACH-181", "Iridium-160"), ("REACH-999", "")],
)
def test_satellite_of(sensor, satellite):
    assert satellite_of(sensor) == satellite


def test_grid_and_cdf_give_the_same_numbers(tmp_path):
    facts = process_day(UDL_0901, tmp_path)
    days = [SensorDay.from_dict(d) for d in facts.sensor_days]
    assert [d.sensor for d in days] == facts.sensors
    assert sum(d.records for d in days) == facts.after_dedupe
    assert all(d.satellite for d in days)
    assert facts_from_cdf(facts.cdf_path)["sensor_days"] == facts.sensor_days
