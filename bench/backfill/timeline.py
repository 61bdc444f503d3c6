"""Reading a backfill's runs back from the instance, and the timeline figures from them."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from . import ASSET, STEP, BenchError


@dataclass
class RunTiming:
    run_id: str
    partition: str
    status: str
    created: float
    events: dict[str, float] = field(default_factory=dict)  # first time of each event type
    step_start: float | None = None
    step_end: float | None = None
    other_steps_s: float = 0.0
    process_seconds: float | None = None  # the processor's time, summed over the run's days
    days: int = 0  # the days this run materialized (up to ten in a ranged run)

    @property
    def start(self) -> float | None:
        return self.events.get("RUN_START")

    @property
    def end(self) -> float | None:
        for name in ("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"):
            if name in self.events:
                return self.events[name]
        return None

    @property
    def launched(self) -> float | None:
        return self.events.get("RUN_STARTING", self.start)

    @property
    def step_s(self) -> float:
        if self.step_start is None or self.step_end is None:
            return 0.0
        return self.step_end - self.step_start


def _range_of(tags) -> str:
    ends = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")
    return "..".join(tags.get(end, "?") for end in ends)


def read_runs(instance, backfill_id: str) -> list[RunTiming]:
    from dagster import RunsFilter

    records = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id}))
    runs = []
    for record in records:
        run = record.dagster_run
        timing = RunTiming(
            run_id=run.run_id,
            partition=run.tags.get("dagster/partition")
            or "..".join(
                run.tags.get(f"dagster/asset_partition_range_{end}", "?")
                for end in ("start", "end")
            ),
            status=run.status.value,
            created=record.create_timestamp.timestamp(),
        )
        open_steps: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None:
                continue
            name = event.event_type.name  # RUN_START etc. (values say PIPELINE_*)
            timing.events.setdefault(name, entry.timestamp)
            step = event.step_key
            if name == "STEP_START" and step:
                open_steps[step] = entry.timestamp
                if step == STEP:
                    timing.step_start = entry.timestamp
            elif name in ("STEP_SUCCESS", "STEP_FAILURE") and step:
                began = open_steps.pop(step, None)
                if step == STEP:
                    timing.step_end = entry.timestamp
                elif began is not None:
                    timing.other_steps_s += entry.timestamp - began
            elif name == "ASSET_MATERIALIZATION" and step == STEP:
                materialization = event.event_specific_data.materialization
                value = materialization.metadata.get("process_seconds")
                if materialization.asset_key.to_user_string() == ASSET and value is not None:
                    timing.days += 1
                    seconds = float(getattr(value, "value", value))
                    timing.process_seconds = (timing.process_seconds or 0.0) + seconds
        runs.append(timing)
    runs.sort(key=lambda r: (r.launched or r.created, r.created))
    return runs


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def stats(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def status_counts(runs: list[RunTiming]) -> dict[str, int]:
    """How many runs ended (or stand) in each status."""
    return dict(Counter(r.status for r in runs))


def timeline(runs: list[RunTiming], launch_t: float, backfill_end: float | None, days: int) -> dict:
    done = [r for r in runs if r.end is not None and r.start is not None]
    if not done:
        raise BenchError("no run of the backfill finished")
    last_end = max(r.end for r in done)
    first_created = min(r.created for r in runs)
    first_launched = min(r.launched for r in done)
    step_total = sum(r.step_s for r in done)
    processor_total = sum(r.process_seconds or 0.0 for r in done)
    wall = last_end - launch_t
    wall_complete = (backfill_end - launch_t) if backfill_end else None

    def between(run, a, b):
        x, y = run.events.get(a), run.events.get(b)
        return (y - x) if x is not None and y is not None else None

    ordered = sorted(done, key=lambda r: r.start)
    gaps, waits, launches = [], [], []
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        gaps.append(nxt.start - prev.end)
        launched = nxt.launched
        if launched is not None:
            waits.append(launched - prev.end)  # queue: slot free -> run launched
            launches.append(nxt.start - launched)  # launch: new process, code loaded
    max_parallel = max(
        sum(1 for o in done if o.start < run.end and o.end > run.start) for run in done
    )
    stepped = [r for r in done if r.step_start is not None and r.step_end is not None]
    max_parallel_steps = max(
        (
            sum(1 for o in stepped if o.step_start < r.step_end and o.step_end > r.step_start)
            for r in stepped
        ),
        default=0,
    )
    # per day, from the first run's start to the last run's end (no pick-up, no tail)
    steady = (ordered[-1].end - ordered[0].start) / days
    return {
        "days": days,
        "runs_finished": len(done),
        "statuses": status_counts(runs),
        "max_parallel_runs": max_parallel,
        "max_parallel_steps": max_parallel_steps,
        "wall_s": wall,
        "wall_to_backfill_complete_s": wall_complete,
        "step_total_s": step_total,
        "overhead_per_day_s": (wall - step_total) / days,
        "processor_total_s": processor_total,
        "beyond_processor_per_day_s": (wall - processor_total) / days,
        "days_per_run": stats([r.days for r in done]),
        "overhead_per_day_to_complete_s": (
            (wall_complete - step_total) / days if wall_complete else None
        ),
        "pickup_s": first_created - launch_t,  # backfill daemon picks the backfill up
        "pickup_to_first_launch_s": first_launched - launch_t,
        "tail_s": (backfill_end - last_end) if backfill_end else None,
        "steady_cycle_s": steady,
        "steady_overhead_s": steady - step_total / days,
        "gap_end_to_next_start": stats(gaps),
        "queue_wait": stats(waits),
        "launch": stats(launches),
        "run_duration": stats([r.end - r.start for r in done]),
        "run_start_to_step": stats([between(r, "RUN_START", "STEP_START") for r in done]),
        "step": stats([r.step_s for r in done]),
        "processor": stats([r.process_seconds for r in done]),
        "other_steps": stats([r.other_steps_s for r in done]),
        "step_end_to_run_end": stats([r.end - r.step_end for r in done if r.step_end is not None]),
    }
