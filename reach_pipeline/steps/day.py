"""One day through the selected stages, in the stage table's order (``reach_pipeline.stages``:
L1C, its upload, L2, its upload).

The day is claimed once for all its stages (``claim.claim_day``): while another process
holds it, or has worked on it since this run planned it, every selected stage is LOCKED.
A stage that needs an earlier stage's product is not run when that stage did not
materialize this day: it is reported SKIPPED with the reason, so the day's failure is
told once, where it happened.

A ranged run takes its days through ``pipelined_days``: a day's L2 runs on a second thread
while the next day's L1C runs, each day under its own claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
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


# The stages a day's second thread may take while the next day's L1C runs: they write no
# telemetry row (the run's log stays with one thread) and need the day's L1C only.
LATER = frozenset({StageId.L2, StageId.L2_UPLOAD})


def pipelined_days(
    settings: Settings,
    days: list[date],
    log: DayLog,
    stages: Iterable[StageId | str],
    uploader=None,
    baseline: int | None = None,
) -> Iterator[tuple[date, dict[StageId, DayOutcome]]]:
    """``(day, its outcomes)`` for each of ``days``, in order, as ``run_day`` gives them;
    a day's L2 and its upload run on a second thread while the next day's L1C runs here
    (both cores busy: the L1C parses in parallel, the L2 and its images are serial). Each
    day keeps its claim until its last stage is done, so at most two days are in flight;
    each processor child still runs alone in its fork worker (one per thread). When
    something stops this thread (an interrupt), the day on the other thread finishes its
    stage first, and the exception goes on."""
    selected = _stage_ids(stages)
    later = selected & LATER
    if len(days) < 2 or not later or later == selected:
        for day in days:
            yield day, run_day(settings, day, log, selected, uploader, baseline)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="reach-later-stages") as pool:
        waiting: tuple[date, Future] | None = None
        try:
            for day in days:
                current = _start_day(settings, day, log, selected, uploader, baseline, pool)
                if waiting is not None:
                    yield waiting[0], waiting[1].result()
                waiting = (day, current)
            if waiting is not None:
                yield waiting[0], waiting[1].result()
        except BaseException:
            if waiting is not None:
                waiting[1].exception()  # its stage ends; its claim is released there
            raise


def _start_day(settings, day, log, selected, uploader, baseline, pool) -> Future:
    """The day's stages before ``LATER`` here, claimed; a future of all its outcomes, with
    the later stages on ``pool`` (which releases the claim)."""
    claim = ExitStack()
    try:
        elsewhere = claim.enter_context(claim_day(settings.output_dir, day, log, baseline))
        if elsewhere is not None:
            claim.close()
            return _done({s.id: elsewhere for s in STAGES if s.id in selected})
        run = DayRun(settings, day, log, uploader)
        first = _stages(run, selected - LATER)
    except BaseException:
        claim.close()
        raise

    def finish() -> dict[StageId, DayOutcome]:
        with claim:
            return _stages(run, selected & LATER, first)

    return pool.submit(finish)


def _done(outcomes: dict[StageId, DayOutcome]) -> Future:
    future: Future = Future()
    future.set_result(outcomes)
    return future


def _stage_ids(stages: Iterable[StageId | str]) -> set[StageId]:
    names = set(stages)
    unknown = names - set(StageId)
    if unknown:
        raise ValueError(f"unknown stage(s): {sorted(unknown)}")
    return {StageId(name) for name in names}


def _stages(
    run: DayRun, selected: set[StageId], before: dict[StageId, DayOutcome] | None = None
) -> dict[StageId, DayOutcome]:
    """The outcomes of the selected stages, in order, after those already ``before``."""
    outcomes: dict[StageId, DayOutcome] = dict(before or {})
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
