"""Estimate the whole-archive reprocessing time from full-size days through the real path,
side by side with the standalone ``process_file`` of the same days.

What it does:

1. Makes ``--days`` (default 12) full-size synthetic UDL days (``make_synthetic_day.py``,
   ~1.1 M records, ~530 MB each; cached in ``bench/data/archive/``).
2. Runs the standalone ``process_file`` (the L1C) of every day, each in a fresh process in
   a fresh folder, timing the call: half the days before the backfill, the others after it
   (the load of a shared machine drifts; both sides see it).
3. Starts the webserver and the daemon on a throw-away ``DAGSTER_HOME`` with the shipped
   ``dagster.yaml`` (the test harness; sensors and schedule stopped first, the pool given
   its limit), as ``bench_backfill.py`` does.
4. Launches the backfill as the UI does (GraphQL ``launchPartitionBackfill``) of
   ``reach_cdf`` and ``reach_geomap`` over those days: the L1C, the L2 geomap and its
   default quicklooks, ten days per run (``BackfillPolicy.multi_run(10)``), while a ledger
   (``backfill/ledger.py``) samples the CPU seconds of every process of the server trees
   (run workers, fork workers, processors) and the summed RSS of each run worker's tree.
5. Waits for every day, then reads back from the instance, per day: the L1C processor's
   time (``process_seconds``), the L2 stage's (``seconds``) and when the day was done (its
   geomap's materialization), and prints:

   - the wall per day, two ways: all in (first run started to last day done, over the
     days) and steady (the time between one day done and the next, within a run: what
     each further day of a run costs);
   - what a run costs once, whatever its days (its start-up: the run worker, the fork
     workers' imports, the first day's L1C not yet overlapped; and its last L2): all in
     minus the days at the steady rate, per run;
   - both walls' ratio to the standalone ``process_file`` (target <= 1.3);
   - the CPU seconds a day, by kind of process, and the wall per day against them divided
     by the cores (1.0: every core busy all the time), the run worker's peak memory;
   - the projection to ``--archive-days`` (2,500: every day since 2019): the pick-up once,
     each run's one-off cost once per run (the days per run the code location's backfill
     policy sets), and every day at the steady rate.

The backfill daemon's pick-up (its 30 s cycle) is a one-off per backfill and is reported
apart. The exit status is 0 whatever the figures (a
benchmark, not a test); 2 when it could not run.

With ``--remake`` a second backfill then makes the same days again, as a campaign after a
calibration change re-makes an archive already made (the input's sha256 is then taken from
the product it replaces, and the new product compared with it, ``provenance``, ``change``),
and both passes are reported.

Usage::

    python bench/bench_archive.py [--days 12] [--archive-days 2500] [--remake] [--keep]
                                  [--quiet-wait S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import itertools
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backfill import REPO_ROOT, BenchError
from backfill.launch import HARNESS_ERRORS, launch, servers_for, wait_for_backfill
from backfill.ledger import TreeLedger
from backfill.machine import machine_info, wait_for_quiet
from backfill.scratch import run_in_scratch
from backfill.workspace import Workspace, day_file_name, install_config, server_env

DATA = REPO_ROOT / "bench" / "data" / "archive"
FIRST_DAY = dt.date(2025, 9, 1)
TARGET_MINUTES = 45.0
TARGET_RATIO = 1.3  # wall per day over the standalone process_file of the same days
TARGET_PEAK_MB = 1500.0
# In a fresh process: process_file of one day in the current folder; prints the call's s.
STANDALONE = (
    "import sys, time\n"
    "from reach_pipeline.processing import process_file\n"
    "t = time.perf_counter(); process_file(sys.argv[1]); print(time.perf_counter() - t)\n"
)
ASSETS = ["reach_cdf", "reach_geomap"]


def make_days(count: int) -> list[Path]:
    """``count`` full-size days in ``DATA``, made once (seeded: the same files every time)."""
    script = REPO_ROOT / "bench" / "make_synthetic_day.py"
    spec = importlib.util.spec_from_file_location("synth", script)
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        day = FIRST_DAY + dt.timedelta(days=i)
        path = DATA / day_file_name(day)
        if not path.is_file():
            print(f"making {path.name} ...", flush=True)
            synth.make_day(path, day, seed=i)
        paths.append(path)
    return paths


def build(root: Path, days: list[Path], args) -> Workspace:
    home, logs, inp = root / "dagster_home", root / "logs", root / "input"
    for folder in (home, inp, root / "output", logs):
        folder.mkdir(parents=True)
    for path in days:  # hard links (root is beside DATA): no copy of gigabytes, and no
        os.link(path, inp / path.name)  # symlink, which the input rules refuse
    label = install_config(home, False, None)
    env = server_env(root, "2019-01-01", args.env)
    keys = [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(len(days))]
    return Workspace(root, home, logs, env, label, keys)


def standalone(paths: list[Path], scratch: Path) -> dict[str, float]:
    """Seconds of ``process_file`` of each day, each in a fresh process and folder."""
    seconds = {}
    for path in paths:
        folder = Path(tempfile.mkdtemp(dir=scratch))
        argv = [sys.executable, "-c", STANDALONE, str(path)]
        done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BenchError(f"process_file of {path.name}: {done.stderr[-2000:]}")
        seconds[path.name] = float(done.stdout.split()[-1])
        for product in folder.iterdir():
            product.unlink()
        folder.rmdir()
        print(f"standalone process_file {path.name[10:18]}: {seconds[path.name]:.2f} s", flush=True)
    return seconds


def per_day(instance, keys: list[str]) -> dict[str, dict[str, float]]:
    """Each day's stage times, from its materializations' metadata, when its geomap was
    materialized and by which run."""
    from dagster import AssetKey, AssetRecordsFilter

    times: dict[str, dict[str, float]] = {k: {} for k in keys}
    for asset, field in (("reach_cdf", "process_seconds"), ("reach_geomap", "seconds")):
        for key in keys:
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[key]), limit=1
            ).records
            if records:
                meta = records[0].asset_materialization.metadata
                times[key][asset] = float(meta[field].value)
                times[key][f"{asset}_at"] = records[0].timestamp
                times[key][f"{asset}_run"] = records[0].run_id
    return times


def steady_seconds(done: list[dict]) -> float:
    """The mean time from one day done to the next within a run (over every run's days
    after its first)."""
    by_run: dict[str, list[float]] = {}
    for day in done:
        by_run.setdefault(day["reach_geomap_run"], []).append(day["reach_geomap_at"])
    gaps = []
    for times in by_run.values():
        times.sort()
        gaps += [b - a for a, b in itertools.pairwise(times)]
    if not gaps:
        raise BenchError("no run made two days: the steady wall per day needs two")
    return statistics.fmean(gaps)


def days_per_run() -> int:
    """The most days a backfill run takes (the code location's backfill policy)."""
    from reach_pipeline.definitions import defs

    policy = defs.resolve_assets_def("reach_cdf").backfill_policy
    return policy.max_partitions_per_run or 1


def backfill_pass(servers, ws: Workspace, ledger: TreeLedger, timeout_s: float) -> dict:
    """One backfill of ``ASSETS`` over every day, launched as the UI does; its figures."""
    from dagster import DagsterInstance, RunsFilter

    backfill_id, launch_t = launch(servers, ws.partitions, ASSETS)
    backfill = wait_for_backfill(servers, backfill_id, len(ws.partitions), timeout_s)
    with DagsterInstance.get() as instance:
        times = per_day(instance, ws.partitions)
        runs = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id}))
        starts = [r.start_time for r in runs if r.start_time]
    done = [t for t in times.values() if t.get("reach_geomap_at", 0) > launch_t]
    if len(done) != len(ws.partitions):
        raise BenchError(f"only {len(done)} of {len(ws.partitions)} days got their geomap")
    last = max(t["reach_geomap_at"] for t in done)
    first_start = min(starts)
    return {
        "backfill_status": backfill.status.value,
        "runs": len(runs),
        "days": len(done),
        "pickup_s": first_start - launch_t,
        "working_s": last - first_start,
        "steady_s": steady_seconds(done),
        "l1c": [t["reach_cdf"] for t in done],
        "l2": [t["reach_geomap"] for t in done],
        "cpu_s": ledger.seconds_between(first_start, last),  # (all, the runs')
        "by_kind": ledger.kinds_between(first_start, last),
    }


def run(args, root: Path) -> dict:
    days = make_days(args.days)
    ws = build(root, days, args)
    os.environ.update({k: v for k, v in ws.env.items() if k.startswith(("DAGSTER_", "REACH_"))})
    half = len(days) // 2
    alone = standalone(days[:half], root)
    notes: dict[str, str] = {}
    servers = servers_for(ws, False, notes)
    timeout_s = 300 + 60 * args.days
    with servers:
        ledger = TreeLedger([server.pid for server in servers.servers])
        ledger.start()
        time.sleep(args.settle)  # a chosen phase in the backfill daemon's 30 s cycle
        passes = {"first making of the days": backfill_pass(servers, ws, ledger, timeout_s)}
        if args.remake:
            time.sleep(args.settle)
            passes["the same days made again"] = backfill_pass(servers, ws, ledger, timeout_s)
        ledger.stop()
    alone.update(standalone(days[half:], root))
    return {
        "machine": machine_info(),
        "passes": passes,
        "days_per_run": days_per_run(),
        "standalone": list(alone.values()),
        "peak_run_worker_mb": ledger.peak_run_worker_mb,
        "load": os.getloadavg(),
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def pass_rows(r: dict, p: dict, archive_days: int) -> list[tuple[str, str]]:
    """The figures of one backfill pass ``p`` (``r``: the whole run's)."""
    n = p["days"]
    l1c, l2 = statistics.fmean(p["l1c"]), statistics.fmean(p["l2"])
    per_day = p["working_s"] / n
    steady = p["steady_s"]
    once = (p["working_s"] - n * steady) / p["runs"]  # a run's own cost, whatever its days
    rest = per_day - l1c - l2
    archive_runs = math.ceil(archive_days / r["days_per_run"])
    projected = (p["pickup_s"] + archive_runs * once + steady * archive_days) / 60
    alone = statistics.fmean(r["standalone"])
    ratio, steady_ratio = per_day / alone, steady / alone
    cpu_day, runs_cpu_day = p["cpu_s"][0] / n, p["cpu_s"][1] / n
    cores = r["machine"]["cpus"]
    busy_ratio = per_day / (cpu_day / cores)
    return [
        ("backfill", f"{n} full-size days in {p['runs']} run(s), status {p['backfill_status']}"),
        ("pick-up (launch -> first run started)", f"{p['pickup_s']:.1f} s (once per backfill)"),
        ("first run started -> last day done", f"{p['working_s']:.1f} s"),
        ("wall per day, all in (first run started -> last day done)", f"{per_day:.2f} s"),
        ("wall per day, steady (one day done -> the next, in a run)", f"{steady:.2f} s"),
        ("a run's one-off cost (start-up, first L1C, last L2)", f"{once:.1f} s a run"),
        ("  L1C processor (process_seconds)", f"{l1c:.2f} s (min {min(p['l1c']):.2f})"),
        ("  L2 geomap + quicklooks (seconds)", f"{l2:.2f} s (min {min(p['l2']):.2f})"),
        ("  the rest (negative: a day's L2 overlaps the next L1C)", f"{rest:.2f} s"),
        (
            "wall per day, steady / standalone process_file",
            f"{steady_ratio:.2f} (target <= {TARGET_RATIO}) "
            + verdict(steady_ratio <= TARGET_RATIO),
        ),
        (
            "wall per day, all in / standalone process_file",
            f"{ratio:.2f} ({n} days in {p['runs']} run(s): each run's one-off cost shared by "
            "fewer days than in the archive)",
        ),
        ("CPU seconds a day (every process of the servers)", f"{cpu_day:.2f} s"),
        ("  of which the runs (run workers, processors)", f"{runs_cpu_day:.2f} s"),
        *(
            (f"  {kind or 'other'}", f"{seconds / n:.2f} s")
            for kind, seconds in sorted(p["by_kind"].items(), key=lambda kv: -kv[1])
            if seconds / n >= 0.005
        ),
        (f"wall per day / (CPU s a day / {cores} cores)", f"{busy_ratio:.2f} (1.0: all busy)"),
        (
            f"projection, {archive_days} days ({archive_runs} runs of {r['days_per_run']})",
            f"{projected:.0f} min (target <= {TARGET_MINUTES:.0f} min) "
            + verdict(projected <= TARGET_MINUTES),
        ),
    ]


def report(r: dict, archive_days: int) -> None:
    alone = statistics.fmean(r["standalone"])
    peak = r["peak_run_worker_mb"]
    m = r["machine"]
    load = ", ".join(f"{x:.1f}" for x in r["load"])
    rows = [
        ("machine", f"{m['cpu']}, {m['cpus']} CPUs, {m['ram_gb']} GB RAM"),
        ("load average at the end (1, 5, 15 min)", load),
        (
            "standalone process_file, same days",
            f"{alone:.2f} s (min {min(r['standalone']):.2f}, max {max(r['standalone']):.2f})",
        ),
        (
            "peak RSS of a run worker's tree (summed)",
            f"{peak:.0f} MB (target <= {TARGET_PEAK_MB:.0f}) {verdict(peak <= TARGET_PEAK_MB)}",
        ),
    ]
    for name, p in r["passes"].items():
        rows.append((f"-- {name}", ""))
        rows += pass_rows(r, p, archive_days)
    width = max(len(k) for k, _ in rows) + 2
    print("=" * 90)
    print("bench_archive: whole-archive estimate (UI backfill of reach_cdf + reach_geomap)")
    print("=" * 90)
    for key, value in rows:
        print(f"{key:<{width}}{value}")
    print("=" * 90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--archive-days", type=int, default=2500)
    parser.add_argument("--settle", type=float, default=15.0)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="S")
    parser.add_argument("--quiet-load", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--remake",
        action="store_true",
        help="then backfill the same days again, as a campaign re-makes them, and report both",
    )
    args = parser.parse_args(argv)
    if args.quiet_wait > 0:
        wait_for_quiet(args.quiet_wait, args.quiet_load)
    DATA.mkdir(parents=True, exist_ok=True)
    result = run_in_scratch(
        "archive",
        args.keep,
        lambda root: run(args, root),
        (BenchError, *HARNESS_ERRORS),
        parent=DATA.parent,
    )
    if result is None:
        return 2
    report(result, args.archive_days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
