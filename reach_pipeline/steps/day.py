"""One day through the selected stages, in the stage table's order (``reach_pipeline.stages``:
L1C, its upload, L2, its upload).

The day is claimed once for all its stages (``claim.claim_day``): while another process
holds it, or has worked on it since this run planned it, every selected stage is LOCKED.
A stage that needs an earlier stage's product is not run when that stage did not
materialize this day: it is reported SKIPPED with the reason, so the day's failure is
told once, where it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.settings import Settings
from reach_pipeline.stages import STAGES, DayRun, StageId, needs

from .claim import claim_day
from .outcome import DayOutcome, Status, skipped


def run_day(
    settings: Settings,
    day: date,
    log: DayLog,
    stages: Iterable[StageId | str],
    uploader=None,
    baseline: int | None = None,
) -> dict[StageId, DayOutcome]:
    """The outcome of each selected stage of ``day`` (``uploader`` for the upload stages,
    its ``remove`` for a day's replaced object; ``baseline``: the telemetry rows when this
    run planned, see ``claim``)."""
    selected = _stage_ids(stages)
    with claim_day(settings.output_dir, day, log, baseline) as elsewhere:
        if elsewhere is not None:
            return {s.id: elsewhere for s in STAGES if s.id in selected}
        return _stages(DayRun(settings, day, log, uploader), selected)


def _stage_ids(stages: Iterable[StageId | str]) -> set[StageId]:
    names = set(stages)
    unknown = names - set(StageId)
    if unknown:
        raise ValueError(f"unknown stage(s): {sorted(unknown)}")
    return {StageId(name) for name in names}


def _stages(run: DayRun, selected: set[StageId]) -> dict[StageId, DayOutcome]:
    outcomes: dict[StageId, DayOutcome] = {}
    for stage in STAGES:
        if stage.id not in selected:
            continue
        needed = needs(stage)
        done = outcomes.get(needed.id) if needed is not None else None
        if done is not None and not done.ok:
            outcomes[stage.id] = skipped(run.day, f"{needed.id} {_told(done.status)}")
            continue
        outcomes[stage.id] = stage.run(run)
    return outcomes


def _told(status: Status) -> str:
    """How a stage that was not materialized is named in a later stage's reason (a day
    with no input is "skipped" there, as the legacy telemetry says SKIPPED_NO_INPUT)."""
    return Status.SKIPPED if status == Status.NO_INPUT else status
