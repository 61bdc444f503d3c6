"""A celery backfill's runs read back from the instance, each with the worker that executed
it (the worker whose process tree held the run's RUN_START pid), and their figures."""

from __future__ import annotations

from dataclasses import dataclass

from reach_pipeline_tests.support.celery_workers import worker_of

from . import ASSET
from .timeline import RunTiming, stats, status_counts

RANGE_START = "dagster/asset_partition_range_start"


@dataclass
class CeleryRun(RunTiming):
    """A run's timing (``start``, ``end``, ``step_s`` as in ``bench_backfill``), its days
    and the process, hence the worker, that executed it."""

    days: int = 0  # reach_cdf materializations in the run
    pid: int | None = None  # the process that executed the run (RUN_START's)
    worker: str | None = None


def _note_event(run: CeleryRun, entry) -> None:
    event = entry.dagster_event
    name = event.event_type.name
    run.events.setdefault(name, entry.timestamp)
    if name == "RUN_START":
        run.pid = event.pid
    elif name == "STEP_START" and run.step_start is None:
        run.step_start = entry.timestamp
    elif name in ("STEP_SUCCESS", "STEP_FAILURE"):
        run.step_end = entry.timestamp
    elif name == "ASSET_MATERIALIZATION" and event.asset_key.to_user_string() == ASSET:
        run.days += 1
        value = event.event_specific_data.materialization.metadata.get("process_seconds")
        run.process_seconds = (run.process_seconds or 0.0) + float(
            getattr(value, "value", value) or 0.0
        )


def read_celery_runs(instance, backfill_id: str, workers: dict) -> list[CeleryRun]:
    """The backfill's runs from the instance, each with the worker whose tree held it."""
    from dagster import RunsFilter

    runs = []
    for record in instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id})):
        dagster_run = record.dagster_run
        run = CeleryRun(
            run_id=dagster_run.run_id,
            partition=dagster_run.tags.get(RANGE_START, "?"),  # the run's first day
            status=dagster_run.status.value,
            created=record.create_timestamp.timestamp(),
        )
        for entry in instance.all_logs(dagster_run.run_id):
            if entry.dagster_event is not None:
                _note_event(run, entry)
        run.worker = worker_of(run.pid, workers) if run.pid else None
        runs.append(run)
    return sorted(runs, key=lambda r: r.start or r.created)


def same_worker_gaps(runs: list[CeleryRun]) -> list[float]:
    """Per worker, the seconds from one run's end to the start of its next run there."""
    gaps = []
    for worker in {r.worker for r in runs}:
        mine = sorted((r for r in runs if r.worker == worker), key=lambda r: r.start)
        gaps += [nxt.start - prev.end for prev, nxt in zip(mine, mine[1:], strict=False)]
    return gaps


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals in progress at one moment (one of them starting)."""
    return max((sum(1 for a, b in intervals if a <= t < b) for t, _ in intervals), default=0)


def celery_figures(runs: list[CeleryRun], launch_t: float) -> dict:
    done = [r for r in runs if r.start is not None and r.end is not None]
    days = sum(r.days for r in runs)
    first_created = min(r.created for r in runs)
    last_end = max(r.end for r in done)
    step_total = sum(r.step_s for r in done)
    per_worker: dict[str, dict] = {}
    for r in done:
        entry = per_worker.setdefault(str(r.worker), {"runs": 0, "days": 0, "busy_s": 0.0})
        entry["runs"] += 1
        entry["days"] += r.days
        entry["busy_s"] += r.end - r.start
    return {
        "days": days,
        "runs": len(runs),
        "statuses": status_counts(runs),
        "first_created": first_created,
        "last_end": last_end,
        "wall_s": last_end - launch_t,
        "pickup_s": first_created - launch_t,
        "busy_wall_s": last_end - first_created,  # first run created -> last day done
        "s_per_day": (last_end - launch_t) / days if days else None,
        "busy_s_per_day": (last_end - first_created) / days if days else None,
        "step_total_s": step_total,
        "process_total_s": sum(r.process_seconds or 0.0 for r in done),
        "overhead_per_day_s": (last_end - launch_t - step_total) / days if days else None,
        "max_parallel_runs": max_overlap([(r.start, r.end) for r in done]),
        "max_parallel_steps": max_overlap(
            [(r.step_start, r.step_end) for r in done if r.step_s > 0]
        ),
        "per_worker": per_worker,
        "same_worker_gap": stats(same_worker_gaps(done)),
        "starting_to_start": stats(
            [r.start - r.events["RUN_STARTING"] for r in done if "RUN_STARTING" in r.events]
        ),
        "start_to_step": stats([r.step_start - r.start for r in done if r.step_start]),
        "step_per_run": stats([r.step_s for r in done]),
    }
