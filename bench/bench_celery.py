"""Benchmark the several-machines setup: the same UI backfill on 1 and on 2 celery workers.

For each worker count (``--workers 1 2``), on its own fresh PostgreSQL database and its own
RabbitMQ queue:

1. The throw-away workspace of ``bench_backfill.py`` (``bench/backfill/workspace.py``) with
   ``deploy/dagster-celery.yaml`` as the instance: ``--days`` small synthetic days, input,
   output and telemetry in a temporary folder.
2. ``dagster-webserver``; once the code location is loaded its sensors and schedule are
   stopped, the ``reach_cdf`` pool's limit is set to the number of workers (``dagster instance
   concurrency set``, as the README says), N workers start with ``deploy/workers.sh run`` (one
   run at a time each) and answer a ping through the broker; then ``dagster-daemon run``.
   Everything is started and stopped by PID through the test harness.
3. ``--settle`` seconds later the backfill is launched as the UI does (GraphQL
   ``launchPartitionBackfill`` of ``reach_cdf``), and the instance is polled until it is done,
   while the CPU of every process of the trees and of the machine is sampled.
4. Each run's events give its days (``reach_cdf`` materializations), its step, the process
   that executed it (RUN_START's pid) and so the worker whose tree held that process.

With ``--repeat R`` the worker counts run R times, alternating (1, 2, 1, 2, ...), so that a
shared machine's changing load falls on both; each count's column is its median run.

The report puts the worker counts side by side: total wall (launch -> last day done) and per
day, the pick-up, the sum of step times, how many runs and steps overlapped, runs and days per
worker, the gap between one run's end and the next run's start on the same worker, and the
CPU the machine spent (ours and others': the machine is shared).

Exit status 0 whatever the figures (a benchmark, not a test); 2 when it could not run (a
service unreachable, a server that did not start, a backfill that did not finish).

Usage::

    python bench/bench_celery.py [--days 60] [--workers 1 2] [--repeat 1] [--settle 15]
                                 [--timeout S] [--quiet-wait S] [--json OUT] [--keep]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backfill import BenchError
from backfill.celery import SERVICE_ERRORS, run_one
from backfill.celery_report import print_report
from backfill.launch import HARNESS_ERRORS
from backfill.machine import code_revision, machine_info, wait_for_quiet
from backfill.scratch import run_in_scratch


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=60, help="days to backfill (default 60)")
    parser.add_argument("--first-day", default="2025-09-01", help="first day (YYYY-MM-DD)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)"
    )
    parser.add_argument(
        "--partitions-start", default="2019-01-01", help="REACH_PARTITIONS_START (default as code)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the worker counts this many times, alternating (default 1); the report "
        "shows each count's median run",
    )
    parser.add_argument("--settle", type=float, default=15.0, help="see bench_backfill.py")
    parser.add_argument("--timeout", type=float, help="seconds per backfill (default 120+30/day)")
    parser.add_argument("--sample-interval", type=float, default=0.5, help="CPU sampling period")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="S")
    parser.add_argument("--quiet-load", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    args = parser.parse_args(argv)
    if args.days < 2 or min(args.workers) < 1 or args.repeat < 1:
        parser.error("--days must be at least 2, --workers and --repeat at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quiet_wait > 0:
        wait_for_quiet(args.quiet_wait, args.quiet_load)
    code = code_revision()

    def run_all(base: Path) -> list[dict]:
        return [
            run_one(workers, args, base / f"{rep}-workers-{workers}")
            for rep in range(1, args.repeat + 1)
            for workers in args.workers
        ]

    errors = (BenchError, *SERVICE_ERRORS, *HARNESS_ERRORS)
    results = run_in_scratch("celery", args.keep, run_all, errors)
    if results is None:
        return 2
    machine = {**machine_info(), "code": code}
    print_report(machine, results)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=1))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
