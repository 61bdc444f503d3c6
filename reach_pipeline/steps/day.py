"""One day through the selected stages, in the stage table's order (``reach_pipeline.stages``:
L1C, its upload, L2, its upload).

The day is claimed once for all its stages (``claim.claim_day``): while another process
holds it, or has worked on it since this run planned it, every selected stage is LOCKED.
A stage that needs an earlier stage's product is not run when that stage did not
materialize this day: it is reported SKIPPED with the reason, so the day's failure is
told once, where it happened. A fault of the machine (a full disk, ``machine``) ends the
day where it hits: that stage FAILED with the fault, no later stage run. An upload stage
with no uploader (no bucket set) is NOT_CONFIGURED, with the reason: skipped, not a
failure of the day.

A ranged run takes its days through ``pipelined_days``: a day's L2 runs on a second thread
while the next day's L1C runs, each day under its own claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.machine import MachineFault, fault_in, places
from reach_pipeline.settings import Settings
from reach_pipeline.stages import STAGES, DayRun, StageId, needs

from .claim import claim_day
from .outcome import DayOutcome, Status, failed, skipped
from .upload import NO_BUCKET


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
    try:
        with claim_day(settings.output_dir, day, log, baseline) as elsewhere:
            if elsewhere is not None:
                return {s.id: elsewhere for s in STAGES if s.id in selected}
            return _stages(DayRun(settings, day, log, uploader), selected)
    except OSError as exc:  # the day's lock in output_dir/.staging, the telemetry's rows
        fault = fault_in(exc, places(settings), "output_dir")
        if fault is None:
            raise
        return _not_claimed(day, log, selected, fault)


def _not_claimed(
    day: date, log: DayLog, selected: set[StageId], fault: MachineFault
) -> dict[StageId, DayOutcome]:
    """The day could not be claimed for a fault of the machine (its lock cannot be
    written): its first stage FAILED with it, recorded in the telemetry when that stage
    writes rows from scratch (the L1C; an upload-only day keeps its state)."""
    first = next(s.id for s in STAGES if s.id in selected)
    if first == StageId.L1C:
        try:
            log.failed(day, fault.error_type, str(fault))
        except MachineFault as telemetry_fault:
            fault = telemetry_fault
    return {first: failed(day, fault)}


# The stages a day's second thread may take while the next day's L1C runs: they write no
# telemetry row (the run's log stays with one thread) and find the day's L1C in what this
# run made (``DayRun.l1c``).
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
        started: list[_Started] = []
        try:
            for day in days:
                current = _start_day(settings, day, log, selected, uploader, baseline, pool)
                started.append(current)
                if len(started) > 1:
                    yield started[-2].day, started[-2].future.result()
                if current.faulted:  # the machine's fault: no later day is started
                    break
            yield started[-1].day, started[-1].future.result()
        finally:
            for item in started:  # stopped early: a day not begun on the other thread
                if item.future.cancel():  # is not begun, and its claim is released here;
                    item.claim.close()
                else:  # one under way ends its stage there first
                    item.future.exception()


@dataclass
class _Started:
    day: date
    future: Future  # all the day's outcomes
    claim: ExitStack  # the day's claim, released by the later stages' thread
    faulted: bool = False


def _start_day(settings, day, log, selected, uploader, baseline, pool) -> _Started:
    """The day's stages before ``LATER`` here, claimed (as ``run_day`` claims), and its
    later stages submitted to ``pool``, which then releases the claim."""
    claim = ExitStack()
    try:
        elsewhere = claim.enter_context(claim_day(settings.output_dir, day, log, baseline))
        if elsewhere is not None:
            claim.close()
            return _Started(
                day, _done({s.id: elsewhere for s in STAGES if s.id in selected}), claim
            )
        run = DayRun(settings, day, log, uploader)
        first = _stages(run, selected - LATER)
    except OSError as exc:  # the day's lock in output_dir/.staging, the telemetry's rows
        claim.close()
        fault = fault_in(exc, places(settings), "output_dir")
        if fault is None:
            raise
        return _Started(day, _done(_not_claimed(day, log, selected, fault)), claim, True)
    except BaseException:
        claim.close()
        raise
    if any(o.failure is not None and o.failure.fault is not None for o in first.values()):
        claim.close()  # a fault of the machine ends the day where it hit
        return _Started(day, _done(first), claim, True)

    def finish() -> dict[StageId, DayOutcome]:
        with claim:
            return _stages(run, selected & LATER)

    return _Started(day, pool.submit(finish), claim)


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


def _stages(run: DayRun, selected: set[StageId]) -> dict[StageId, DayOutcome]:
    outcomes = run.done  # a later stage finds the day's L1C there (``DayRun.l1c``)
    for stage in STAGES:
        if stage.id not in selected:
            continue
        needed = needs(stage)
        done = outcomes.get(needed.id) if needed is not None else None
        if done is not None and not done.ok:
            outcomes[stage.id] = skipped(run.day, f"{needed.id} {_told(done.status)}")
            continue
        if stage.is_upload and run.uploader is None:
            outcomes[stage.id] = skipped(run.day, NO_BUCKET, Status.NOT_CONFIGURED)
            continue
        try:
            outcomes[stage.id] = stage.run(run)
        except MachineFault as fault:  # its telemetry row could not be written
            outcomes[stage.id] = failed(run.day, fault)
        failure = outcomes[stage.id].failure
        if failure is not None and failure.fault is not None:
            break
    return outcomes


def _told(status: Status) -> str:
    """How a stage that was not materialized is named in a later stage's reason (a day
    with no input is "skipped" there, as the legacy telemetry says SKIPPED_NO_INPUT)."""
    return Status.SKIPPED if status == Status.NO_INPUT else status
