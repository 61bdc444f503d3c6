"""One day through the selected stages, in order: L1C, its upload, L2, its upload.

A stage that needs an earlier stage's product is not run when that stage did not
materialize this day: it is reported SKIPPED with the reason, so the day's failure is
told once, where it happened.
"""

from __future__ import annotations

from datetime import date

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.settings import Settings

from .geomap import run_geomap
from .l1c import run_l1c
from .outcome import SKIPPED, DayOutcome
from .upload import run_l2_upload, run_upload

L1C, L1C_UPLOAD, L2, L2_UPLOAD = "l1c", "l1c_upload", "l2", "l2_upload"
STAGES = (L1C, L1C_UPLOAD, L2, L2_UPLOAD)
NEEDS = {L1C_UPLOAD: L1C, L2: L1C, L2_UPLOAD: L2}


def run_day(
    settings: Settings, day: date, log: DayLog, stages: set[str], uploader=None
) -> dict[str, DayOutcome]:
    """The outcome of each selected stage of ``day`` (``uploader`` for the upload stages)."""
    unknown = stages - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s): {sorted(unknown)}")
    outcomes: dict[str, DayOutcome] = {}
    run = {
        L1C: lambda: run_l1c(settings, day, log),
        L1C_UPLOAD: lambda: run_upload(settings, day, log, uploader),
        L2: lambda: run_geomap(settings, day),
        L2_UPLOAD: lambda: run_l2_upload(settings, day, uploader),
    }
    for stage in STAGES:
        if stage not in stages:
            continue
        needed = outcomes.get(NEEDS.get(stage, ""))
        if needed is not None and not needed.ok:
            outcomes[stage] = DayOutcome(
                day, SKIPPED, facts={"reason": f"{NEEDS[stage]} {needed.status}"}
            )
            continue
        outcomes[stage] = run[stage]()
    return outcomes
