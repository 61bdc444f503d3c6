"""The change report's verdict, line, metadata round trip and the tally of many days."""

from __future__ import annotations

import pytest

from reach_pipeline.change.report import (
    NEW_PRODUCT,
    ChangeReport,
    SensorShift,
    VariableChange,
    Verdict,
    tally_changes,
    verdict_of,
)

DOSE = VariableChange("dose_rate", 3, 100, 2e-6, 0.5)
CHANGED = ChangeReport(
    Verdict.DATA_CHANGED,
    attributes=("PI_name",),
    variables=(DOSE, VariableChange("lat", 1, 50)),
    sensors=(SensorShift("REACH-113", 1e-6, 1.5e-6),),
    seconds=0.01,
)


@pytest.mark.parametrize(
    ("attributes", "variables", "verdict"),
    [
        ([], [], Verdict.NO_CHANGE),
        (["PI_name"], [], Verdict.METADATA_ONLY),
        ([], [DOSE], Verdict.DATA_CHANGED),
        (["PI_name"], [DOSE], Verdict.DATA_CHANGED),
    ],
)
def test_verdict(attributes, variables, verdict):
    assert verdict_of(attributes, variables) == verdict


@pytest.mark.parametrize(
    ("report", "line"),
    [
        (NEW_PRODUCT, "NEW"),
        (ChangeReport(Verdict.NO_CHANGE), "NO_CHANGE"),
        (
            ChangeReport(Verdict.METADATA_ONLY, ("PI_name", "dose_rate.CATDESC")),
            "METADATA_ONLY: PI_name, dose_rate.CATDESC",
        ),
        (
            CHANGED,
            "DATA_CHANGED: dose_rate 3/100 (max abs 2e-06, rel 0.5); lat 1/50; "
            "median moved most: REACH-113 +5e-07; attributes: PI_name",
        ),
    ],
)
def test_line(report, line):
    assert report.line() == line


def test_figures_and_round_trip():
    assert (CHANGED.values, CHANGED.max_abs, CHANGED.max_rel) == (4, 2e-6, 0.5)
    assert ChangeReport.from_dict(CHANGED.as_dict()) == CHANGED


def test_tally_counts_and_lists_the_most_changed_days_first():
    def changed(values, rel):
        return ChangeReport(
            Verdict.DATA_CHANGED, variables=(VariableChange("v", values, 9, 1, rel),)
        )

    reports = {
        "2025-09-01": ChangeReport(Verdict.NO_CHANGE),
        "2025-09-02": changed(5, 0.1),
        "2025-09-03": changed(7, 0.1),
        "2025-09-04": changed(5, 0.9),
        "2025-09-05": ChangeReport(Verdict.METADATA_ONLY, ("PI_name",)),
        "2025-09-06": NEW_PRODUCT,
    }
    tally = tally_changes(reports, listed=2)
    assert tally.counts == {
        Verdict.NEW: 1,
        Verdict.NO_CHANGE: 1,
        Verdict.METADATA_ONLY: 1,
        Verdict.DATA_CHANGED: 3,
    }
    assert [day for day, _ in tally.most_changed] == ["2025-09-03", "2025-09-04"]
