"""One day through the selected stages, in order: L1C, its upload, L2, its upload.

The day is claimed once for all its stages (``claim.claim_day``): while another process
holds it, or has worked on it since this run planned it, every selected stage is LOCKED.
A stage that needs an earlier stage's product is not run when that stage did not
materialize this day: it is reported SKIPPED with the reason, so the day's failure is
told once, where it happened. An upload stage with no uploader (no bucket set) is
NOT_CONFIGURED, with the reason: skipped, not a failure of the day.
"""

from __future__ import annotations

from datetime import date

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.settings import Settings

from .claim import claim_day
from .geomap import run_geomap
from .l1c import process_l1c
from .outcome import NOT_CONFIGURED, SKIPPED, DayOutcome
from .upload import NO_BUCKET, run_l2_upload, upload_l1c

L1C, L1C_UPLOAD, L2, L2_UPLOAD = "l1c", "l1c_upload", "l2", "l2_upload"
STAGES = (L1C, L1C_UPLOAD, L2, L2_UPLOAD)
NEEDS = {L1C_UPLOAD: L1C, L2: L1C, L2_UPLOAD: L2}
UPLOADS = (L1C_UPLOAD, L2_UPLOAD)


def run_day(
    settings: Settings,
    day: date,
    log: DayLog,
    stages: set[str],
    uploader=None,
    baseline: int | None = None,
) -> dict[str, DayOutcome]:
    """The outcome of each selected stage of ``day`` (``uploader`` for the upload stages,
    its ``remove`` for a day's replaced object; ``baseline``: the telemetry rows when this
    run planned, see ``claim``)."""
    unknown = stages - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s): {sorted(unknown)}")
    with claim_day(settings.output_dir, day, log, baseline) as elsewhere:
        if elsewhere is not None:
            return {stage: elsewhere for stage in STAGES if stage in stages}
        return _stages(settings, day, log, stages, uploader)


def _stages(settings, day, log, stages, uploader) -> dict[str, DayOutcome]:
    remover = getattr(uploader, "remove", None)
    run = {
        L1C: lambda: process_l1c(settings, day, log),
        L1C_UPLOAD: lambda: upload_l1c(settings, day, log, uploader, remover),
        L2: lambda: run_geomap(settings, day),
        L2_UPLOAD: lambda: run_l2_upload(settings, day, uploader),
    }
    outcomes: dict[str, DayOutcome] = {}
    for stage in STAGES:
        if stage not in stages:
            continue
        needed = outcomes.get(NEEDS.get(stage, ""))
        if needed is not None and not needed.ok:
            outcomes[stage] = DayOutcome(
                day, SKIPPED, facts={"reason": f"{NEEDS[stage]} {needed.status}"}
            )
            continue
        if stage in UPLOADS and uploader is None:
            outcomes[stage] = DayOutcome(day, NOT_CONFIGURED, facts={"reason": NO_BUCKET})
            continue
        outcomes[stage] = run[stage]()
    return outcomes
