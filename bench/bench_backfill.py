"""Benchmark a sequential UI backfill of reach_cdf through the real webserver and daemon.

What it does:

1. Builds a throw-away workspace in a temporary folder: a ``DAGSTER_HOME`` whose
   ``dagster.yaml`` is a copy of the repository's (``--defaults``: an empty file, i.e.
   Dagster's defaults; ``--config FILE``: that file), an input folder with ``--days`` small
   synthetic day files (copies of ``examples/udl``'s 2025-09-01 sample with the day moved),
   an output folder and a telemetry path.
2. Starts ``dagster-webserver`` (free loopback port) and, once the code location is loaded,
   stops the location's sensors and schedule (otherwise ``reach_input_sensor`` would request
   its own run for every day file as soon as the daemon starts), then starts
   ``dagster-daemon run``. Both load the repository's ``workspace.yaml`` and get the
   ``REACH_*`` settings through the environment. The test harness
   (``reach_pipeline_tests.support.dagster_servers``) starts them, each in its own session,
   and stops them by PID at the end. Before the daemon starts, the ``reach_cdf`` pool gets its
   default limit, as on a long-lived instance (``--fresh-pools``: not; see ``init_pool``).
3. After ``--settle`` seconds (default 15: mid-way in the backfill daemon's fixed 30 s
   cycle, so the pick-up wait is its average, not a lucky or unlucky phase), launches the
   backfill exactly as the UI's "Materialize selected -> Launch backfill" does:
   the ``launchPartitionBackfill`` GraphQL mutation with ``assetSelection`` [reach_cdf],
   the partition names, ``fromFailure: false`` and the ``dagster/from_ui`` tag.
4. Waits for the backfill to finish (the instance is opened read-only in this process with
   the same ``DAGSTER_HOME``), sampling the RSS of every process of the webserver and daemon
   trees with psutil every ``--sample-interval`` seconds.
5. Reads every run's events from the instance and prints machine info, the timeline
   (pick-up, per-day cycle, the gap between one run's end and the next run's start and its
   parts), the orchestration overhead per day against the target, and the memory of the
   daemon and the code servers over the first and the last quarter of the days.
6. With the servers stopped, replays a run worker's start-up in fresh processes (import the
   Dagster CLI, open the instance, import the code location) and reports the CPU the
   machine spent during the backfill, ours and other processes' (a shared machine inflates
   the figures: the report warns when others used more than a quarter of a CPU).

Definitions:

* total wall: launch (mutation sent) to the end of the last run (every day done);
* orchestration overhead per day: (total wall - sum of step times) / days, where a step
  time is STEP_START -> STEP_SUCCESS of reach_day (a run processes up to ten days: the
  backfill policy is ``multi_run(10)``). The same with the wall measured to the moment the
  daemon marks the backfill complete, and the wall beyond the processor's own time (our
  per-day work in the step included: validation, telemetry, events), are printed as well.

The exit status is 0 whatever the figures (it is a benchmark, not a test); 2 when the
benchmark itself could not run (a server did not start, the backfill did not finish).

Usage::

    python bench/bench_backfill.py [--days 20] [--defaults | --config FILE] [--keep]
                                   [--timeout S] [--json OUT] [--env KEY=VALUE ...]
                                   [--settle 15] [--fresh-pools] [--quiet-wait S]

``bench/configs/*.yaml`` are the dagster.yaml variants tried with ``--config``. The parts
live in ``bench/backfill/`` (see its ``__init__``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from backfill import TARGET_S_PER_DAY, BenchError
from backfill.launch import HARNESS_ERRORS, launch, servers_for, wait_for_backfill
from backfill.machine import (
    code_fingerprint,
    code_revision,
    config_summary,
    machine_info,
    wait_for_quiet,
)
from backfill.memory import MemorySampler, memory_report
from backfill.report import print_report
from backfill.scratch import run_in_scratch
from backfill.startup import import_floor
from backfill.timeline import read_runs, timeline
from backfill.workspace import build


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=20, help="days to backfill (default 20)")
    parser.add_argument("--first-day", default="2025-09-01", help="first day (YYYY-MM-DD)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--defaults", action="store_true", help="an empty dagster.yaml (Dagster's defaults)"
    )
    group.add_argument("--config", type=Path, help="use this file as dagster.yaml")
    parser.add_argument(
        "--partitions-start", default="2019-01-01", help="REACH_PARTITIONS_START (default as code)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds for the backfill (default 120+30/day)"
    )
    parser.add_argument("--sample-interval", type=float, default=0.5, help="RSS sampling period")
    parser.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="seconds between the daemons turning healthy and the launch (default 15: mid-way"
        " in the backfill daemon's 30 s cycle, so the pick-up wait is its average)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the webserver and daemon (repeatable)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="S",
        help="first wait up to S seconds for the 1-minute load average to drop below "
        "--quiet-load (a shared machine)",
    )
    parser.add_argument("--quiet-load", type=float, default=1.0, help="see --quiet-wait")
    parser.add_argument(
        "--fresh-pools",
        action="store_true",
        help="do not create the reach_cdf pool's limit before the launch (see init_pool)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args(argv)
    if args.days < 2:
        parser.error("--days must be at least 2")
    return args


def run(args: argparse.Namespace, root: Path) -> dict:
    code_at_start = code_revision()
    fingerprint_at_start = code_fingerprint()
    ws = build(root, args)
    # This process reads the same instance (and the code's settings, for the summary).
    os.environ.update({k: v for k, v in ws.env.items() if k.startswith(("DAGSTER_", "REACH_"))})
    summary = config_summary(ws.home / "dagster.yaml")

    notes: dict[str, str] = {}
    servers = servers_for(ws, args.fresh_pools, notes)
    print(f"workspace {root}; webserver on 127.0.0.1:{servers.port}", flush=True)
    with servers:
        print(f"daemon healthy in {servers.ready_s['daemon']:.1f} s", flush=True)
        roots = {"webserver": servers.webserver.pid, "daemon": servers.daemon.pid}
        sampler = MemorySampler(roots, args.sample_interval)
        sampler.start()
        try:
            # a chosen phase in the backfill daemon's 30 s cycle, not a synchronization
            time.sleep(args.settle)
            backfill_id, launch_t = launch(servers, ws.partitions)
            timeout = args.timeout or 120 + 30 * args.days
            backfill = wait_for_backfill(servers, backfill_id, len(ws.partitions), timeout)
        finally:
            sampler.stop()

        from dagster import DagsterInstance

        with DagsterInstance.get() as instance:
            runs = read_runs(instance, backfill_id)
        servers.stop()  # a quiet machine for the start-up replay
    floor = import_floor(ws.env)
    backfill_end = getattr(backfill, "backfill_end_timestamp", None)
    return {
        "machine": machine_info(),
        "config": {"label": ws.config_label, "summary": summary},
        "partitions": ws.partitions,
        "backfill_id": backfill_id,
        "backfill_status": backfill.status.value,
        "launch_time": launch_t,
        "timeline": timeline(runs, launch_t, backfill_end, len(ws.partitions)),
        "memory": memory_report(sampler.samples, runs),
        "worker_startup": floor,
        "code_at_start": code_at_start,
        "code_changed": code_fingerprint() != fingerprint_at_start,
        "pool": notes["pool"],
        "cpu": sampler.cpu_report(),
        "runs": [
            {
                "partition": r.partition,
                "status": r.status,
                "created": r.created,
                "events": r.events,
                "step_s": r.step_s,
                "other_steps_s": r.other_steps_s,
                "process_seconds": r.process_seconds,
            }
            for r in runs
        ],
        "target_s_per_day": TARGET_S_PER_DAY,
    }


def print_log_tails(root: Path) -> None:
    """The servers' last log lines, to stderr (after a run that could not be made)."""
    for name in ("webserver.log", "daemon.log"):
        log = root / "logs" / name
        if log.exists():
            tail = log.read_text(errors="replace").splitlines()[-20:]
            print(f"--- {name} (last lines)\n" + "\n".join(tail), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quiet_wait > 0:
        wait_for_quiet(args.quiet_wait, args.quiet_load)
    result = run_in_scratch(
        "backfill",
        args.keep,
        lambda root: run(args, root),
        (BenchError, *HARNESS_ERRORS),
        on_error=print_log_tails,
    )
    if result is None:
        return 2
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
