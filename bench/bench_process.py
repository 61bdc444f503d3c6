"""Benchmark ``reach_pipeline.processing.process_file`` on a synthetic full day of UDL data.

Measures, on the same (warm-cache) input file:

* the floor: a bare ``pyarrow.csv.read_csv(path)`` of the whole file, in this process,
  after one warm-up read: 3 reads, then one more right before each run (the load of a
  shared machine drifts), the best of all; plus the peak RSS of such a read in a fresh
  process;
* ``process_file(path)`` in a fresh child process (cwd = a new temporary directory),
  ``--repeat`` times: seconds spent in the call (best and median), the child's wall time
  including interpreter start-up and imports, and its peak RSS.

Peak RSS comes from ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a dedicated wrapper
process whose only child is the processing process (ru_maxrss of children is a maximum over
all waited-for descendants, so every run gets its own wrapper). If the processing itself
spawns worker processes, ru_maxrss is the largest single process, not their sum; the wrapper
therefore also polls the summed RSS of the whole process tree with psutil.

Prints a table with PASS/FAIL against the targets (<= 5 s, <= 650 MB, <= 1.3x floor: issue 20),
on the best time and the largest peak RSS. With the default function it also runs our
processing once more in a fresh process, stage by stage (read, grid, write), and times
``verify.cdf_problems`` on the CDF it wrote (best of 3): where the time goes. Exit status is
0 whatever the figures: this is a benchmark, not a test.

Usage::

    python bench/bench_process.py [--path CSV] [--repeat 3] [--fraction 1.0]
                                  [--func reach_pipeline.processing:process_file]

``--func`` takes ``module:function`` or ``/path/to/file.py:function``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from make_synthetic_day import default_path, make_day  # noqa: E402

DEFAULT_FUNC = "reach_pipeline.processing:process_file"
TARGET_SECONDS = 5.0
TARGET_RSS_MB = 650.0
TARGET_RATIO = 1.3
DAY = date(2025, 9, 1)

# Runs in the processing child: import the function, time one call, write a JSON result.
CHILD = r"""
import importlib, importlib.util, json, sys, time
from pathlib import Path
spec, csv_path, result_path = sys.argv[1:4]
t0 = time.perf_counter()
mod_name, _, fn_name = spec.rpartition(":")
if mod_name.endswith(".py"):
    s = importlib.util.spec_from_file_location(Path(mod_name).stem, mod_name)
    mod = importlib.util.module_from_spec(s)
    sys.modules[s.name] = mod
    s.loader.exec_module(mod)
else:
    mod = importlib.import_module(mod_name)
func = getattr(mod, fn_name)
t1 = time.perf_counter()
c1, m1 = time.process_time(), time.thread_time()
out = func(csv_path)
t2 = time.perf_counter()
c2, m2 = time.process_time(), time.thread_time()
outputs = []
if isinstance(out, (list, tuple)):
    for o in out:
        p = Path(o)
        outputs.append([str(p), p.stat().st_size if p.exists() else None])
with open(result_path, "w") as fh:
    json.dump({"import_s": t1 - t0, "call_s": t2 - t1, "call_cpu_s": c2 - c1,
               "call_main_cpu_s": m2 - m1,
               "returned": type(out).__name__,
               "outputs": outputs}, fh)
"""

# Runs in a fresh process with cwd = a temporary directory: our processing stage by stage,
# then verify.cdf_problems on its output; prints one JSON line of seconds.
STAGES = r"""
import datetime as dt, json, sys, time
from pathlib import Path
from reach_pipeline.processing.cdf import write_cdf
from reach_pipeline.processing.read import read_observations
from reach_pipeline.processing.transform import build_grid
from reach_pipeline.processing.verify import cdf_problems

def timed(f, *args):
    t = time.perf_counter()
    result = f(*args)
    return result, time.perf_counter() - t

path = Path(sys.argv[1])
obs, read_s = timed(read_observations, path)
(grid, _), grid_s = timed(build_grid, path, obs)
del obs
day = dt.datetime.fromtimestamp(int(grid.epoch_unix_ns[0]) // 10**9, dt.UTC).date()
cdf, write_s = timed(write_cdf, grid, day, Path.cwd())
checks = [timed(cdf_problems, cdf, day) for _ in range(3)]
print(json.dumps({"read": read_s, "grid": grid_s, "write": write_s,
                  "verify": min(s for _, s in checks), "problems": checks[0][0],
                  "cdf_mb": cdf.stat().st_size / 1e6}))
"""

# Runs in the wrapper: start the child, poll tree RSS, wait, report ru_maxrss of children.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time
cfg = json.loads(sys.argv[1])
try:
    import psutil
except ImportError:
    psutil = None
log = open(cfg["log"], "wb")
t0 = time.perf_counter()
proc = subprocess.Popen([sys.executable, "-c", cfg["child"], cfg["func"], cfg["csv"],
                         cfg["result"]], cwd=cfg["cwd"], stdout=log, stderr=subprocess.STDOUT,
                        env=cfg["env"])
peak_tree = 0
ps = None
if psutil is not None:
    try:
        ps = psutil.Process(proc.pid)
    except psutil.Error:
        ps = None
timed_out = False
while True:
    try:
        rc = proc.wait(timeout=cfg["poll"])
        break
    except subprocess.TimeoutExpired:
        pass
    if time.perf_counter() - t0 > cfg["timeout"]:
        proc.kill()
        rc = proc.wait()
        timed_out = True
        break
    if ps is not None:
        try:
            total = ps.memory_info().rss
            for c in ps.children(recursive=True):
                try:
                    total += c.memory_info().rss
                except psutil.Error:
                    pass
            peak_tree = max(peak_tree, total)
        except psutil.Error:
            pass
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "timed_out": timed_out, "wall_s": wall,
                  "maxrss_kb": ru.ru_maxrss, "peak_tree_rss": peak_tree,
                  "user_s": ru.ru_utime, "sys_s": ru.ru_stime}))
"""


def machine_info() -> dict:
    info = {"cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0))}
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu_model"] = model
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
                break
    except OSError:
        pass
    info["ram_bytes"] = ram
    return info


def ensure_data(path: Path, fraction: float, seed: int) -> None:
    if path.exists():
        return
    print(f"generating {path} (fraction {fraction}) ...", flush=True)
    t = time.perf_counter()
    info = make_day(path, DAY, seed=seed, rows_fraction=fraction)
    print(
        f"  {info['records']:,} records, {info['bytes'] / 1e6:,.1f} MB "
        f"in {time.perf_counter() - t:.1f} s",
        flush=True,
    )


def measure_floor(path: Path, repeat: int = 3) -> tuple[float, list[float], int]:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)  # warm the page cache and the allocator
    records = table.num_rows
    del table
    gc.collect()
    times = [floor_read(path) for _ in range(repeat)]
    return min(times), times, records


# CPU seconds (all threads) of each floor read: on a loaded machine the wall of a
# multi-threaded read says more about the other work than about the read.
FLOOR_CPU: list[float] = []


def floor_read(path: Path) -> float:
    """Seconds of one bare ``pyarrow.csv.read_csv(path)`` in this process."""
    import pyarrow.csv as pacsv

    t = time.perf_counter()
    c = time.process_time()
    table = pacsv.read_csv(path)
    seconds = time.perf_counter() - t
    FLOOR_CPU.append(time.process_time() - c)
    del table
    gc.collect()
    return seconds


def run_isolated(func: str, csv_path: Path, *, poll: float, timeout: float, keep: bool) -> dict:
    """Run func(csv_path) in a fresh child process (via a dedicated wrapper process)."""
    work = Path(tempfile.mkdtemp(prefix="reach-bench-"))
    run_dir = work / "cwd"
    run_dir.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    cfg = {
        "child": CHILD,
        "func": func,
        "csv": str(csv_path),
        "result": str(work / "result.json"),
        "log": str(work / "child.log"),
        "cwd": str(run_dir),
        "env": env,
        "poll": poll,
        "timeout": timeout,
    }
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(cfg)], capture_output=True, text=True
    )
    res: dict = {"ok": False, "workdir": str(work)}
    try:
        res.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        res["error"] = f"wrapper failed: {proc.stderr.strip()[-2000:]}"
        return res
    result_file = work / "result.json"
    if res["rc"] == 0 and result_file.exists():
        res.update(json.loads(result_file.read_text()))
        res["ok"] = True
    else:
        log = (work / "child.log").read_text(errors="replace")
        res["error"] = ("timed out; " if res.get("timed_out") else "") + log.strip()[-2000:]
    res["files"] = sorted(
        (str(p.relative_to(run_dir)), p.stat().st_size) for p in run_dir.rglob("*") if p.is_file()
    )
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return res


def run_stages(csv_path: Path) -> dict | None:
    """Our processing once more in a fresh process, timed stage by stage; None on failure."""
    with tempfile.TemporaryDirectory(prefix="reach-bench-stages-") as work:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        proc = subprocess.run(
            [sys.executable, "-c", STAGES, str(csv_path)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"  stages: ERROR {proc.stderr.strip()[-600:]}", flush=True)
        return None


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", type=Path, help="input CSV (generated if missing)")
    ap.add_argument("--repeat", type=int, default=3, help="process_file runs (default 3)")
    ap.add_argument(
        "--fraction", type=float, default=1.0, help="fraction of the day to generate (quick runs)"
    )
    ap.add_argument("--func", default=DEFAULT_FUNC, help="module:function or file.py:function")
    ap.add_argument("--seed", type=int, default=0, help="generator seed")
    ap.add_argument("--poll", type=float, default=0.02, help="RSS polling interval, s")
    ap.add_argument("--timeout", type=float, default=900.0, help="per-run timeout, s")
    ap.add_argument("--keep", action="store_true", help="keep each run's temporary directory")
    args = ap.parse_args(argv)

    if args.path is not None:
        path = args.path
    elif args.fraction >= 1.0:
        path = default_path(DAY)
    else:
        path = BENCH_DIR / "data" / f"fraction-{args.fraction:g}" / default_path(DAY).name
    path = path.resolve()
    ensure_data(path, args.fraction, args.seed)
    size_mb = path.stat().st_size / 1e6

    m = machine_info()
    import numpy
    import pyarrow

    print(f"floor: pyarrow.csv.read_csv({path.name}) ...", flush=True)
    floor, floor_times, records = measure_floor(path)
    floor_iso = run_isolated(
        "pyarrow.csv:read_csv", path, poll=args.poll, timeout=args.timeout, keep=False
    )

    runs = []
    for i in range(args.repeat):
        print(f"run {i + 1}/{args.repeat}: {args.func} ...", flush=True)
        # One more floor read right before each run: on a shared machine the load drifts,
        # and each run is judged against the floor of the same moment too.
        before = floor_read(path)
        floor_times.append(before)
        floor = min(floor, before)
        r = run_isolated(args.func, path, poll=args.poll, timeout=args.timeout, keep=args.keep)
        r["floor_before"] = before
        if r["ok"]:
            print(
                f"  call {r['call_s']:.2f} s, wall {r['wall_s']:.2f} s, "
                f"peak RSS {r['maxrss_kb'] / 1024:.0f} MB",
                flush=True,
            )
        else:
            print(f"  ERROR: {r.get('error', '')[-600:]}", flush=True)
        runs.append(r)

    stages = None
    if args.func == DEFAULT_FUNC:
        print("stages: read, grid, write, verify ...", flush=True)
        stages = run_stages(path)

    ok_runs = [r for r in runs if r["ok"]]
    w = 34
    print()
    print("=" * 78)
    print("REACH process_file benchmark")
    print("=" * 78)
    ram = f"{m['ram_bytes'] / 2**30:.1f} GiB" if m["ram_bytes"] else "unknown"
    print(f"{'machine':<{w}}{m['cpus_usable']} CPUs usable ({m['cpus']} online), {ram} RAM")
    print(f"{'cpu':<{w}}{m['cpu_model']}")
    print(
        f"{'software':<{w}}Python {platform.python_version()}, pyarrow {pyarrow.__version__}, "
        f"numpy {numpy.__version__}"
    )
    print(f"{'input':<{w}}{path}")
    print(f"{'file size':<{w}}{size_mb:,.1f} MB")
    print(f"{'records':<{w}}{records:,}")
    print(f"{'function':<{w}}{args.func}")
    if args.fraction < 1.0 or size_mb < 400:
        print(f"{'note':<{w}}not a full day: targets are meant for the full-size file")
    print("-" * 78)
    print(f"{'measure':<{w}}{'value':<22}{'target':<14}status")
    print("-" * 78)
    ft = ", ".join(f"{t:.2f}" for t in floor_times)
    label = f"floor read_csv, best of {len(floor_times)}"
    print(f"{label:<{w}}{f'{floor:.2f} s':<22}{'':<14}({ft})")
    if floor_iso.get("ok"):
        frss = f"{floor_iso['maxrss_kb'] / 1024:.0f} MB"
        print(f"{'floor read_csv peak RSS':<{w}}{frss}")
    if ok_runs:
        calls = [r["call_s"] for r in ok_runs]
        best, med = min(calls), statistics.median(calls)
        rss = max(r["maxrss_kb"] for r in ok_runs) / 1024
        tree = max(r["peak_tree_rss"] for r in ok_runs) / 2**20
        walls = [r["wall_s"] for r in ok_runs]
        imports = statistics.median(r["import_s"] for r in ok_runs)
        cpu = statistics.median(r["user_s"] + r["sys_s"] for r in ok_runs)
        ratio = best / floor
        print(
            f"{'process_file best / median':<{w}}{f'{best:.2f} / {med:.2f} s':<22}"
            f"{f'<= {TARGET_SECONDS:g} s':<14}{verdict(best <= TARGET_SECONDS)}"
        )
        print(
            f"{'peak RSS (ru_maxrss, max of runs)':<{w}}{f'{rss:.0f} MB':<22}"
            f"{f'<= {TARGET_RSS_MB:g} MB':<14}{verdict(rss <= TARGET_RSS_MB)}"
        )
        print(
            f"{'ratio to floor (best / best)':<{w}}{f'{ratio:.2f}x':<22}"
            f"{f'<= {TARGET_RATIO:g}x':<14}{verdict(ratio <= TARGET_RATIO)}"
        )
        pairs = statistics.median(r["call_s"] / r["floor_before"] for r in ok_runs)
        print(f"{'ratio, each run to the floor read':<{w}}{f'{pairs:.2f}x (median)'}")
        call_cpu = statistics.median(r["call_cpu_s"] for r in ok_runs)
        floor_cpu = statistics.median(FLOOR_CPU)
        print(
            f"{'CPU-s: call / floor (medians)':<{w}}"
            f"{f'{call_cpu:.2f} / {floor_cpu:.2f} s = {call_cpu / floor_cpu:.2f}x'}"
        )
        # The calling thread waits while the parser's threads work: its CPU is the work
        # done beside or after the parallel parse, the part that is serial on an idle machine.
        main_cpu = statistics.median(r["call_main_cpu_s"] for r in ok_runs)
        print(f"{'CPU-s, calling thread (median)':<{w}}{f'{main_cpu:.2f} s'}")
        print(f"{'peak tree RSS (psutil, sampled)':<{w}}{f'{tree:.0f} MB'}")
        print(f"{'child wall best (incl. start-up)':<{w}}{f'{min(walls):.2f} s'}")
        print(f"{'import time (median)':<{w}}{f'{imports:.2f} s'}")
        print(f"{'child CPU user+sys (median)':<{w}}{f'{cpu:.2f} s'}")
        print(f"{'successful runs':<{w}}{len(ok_runs)} of {len(runs)}")
        if stages:
            print(
                f"{'stages (one more run)':<{w}}read {stages['read']:.2f} s, grid "
                f"{stages['grid']:.2f} s, write {stages['write']:.2f} s"
            )
            found = "; ".join(stages["problems"]) or "no problems"
            print(
                f"{'verify.cdf_problems, best of 3':<{w}}{stages['verify']:.3f} s on the "
                f"{stages['cdf_mb']:.1f} MB CDF ({found})"
            )
        print("-" * 78)
        for i, r in enumerate(runs, 1):
            if r["ok"]:
                print(
                    f"  run {i}: call {r['call_s']:.2f} s (floor just before "
                    f"{r['floor_before']:.2f} s), wall {r['wall_s']:.2f} s, "
                    f"RSS {r['maxrss_kb'] / 1024:.0f} MB, tree {r['peak_tree_rss'] / 2**20:.0f} MB"
                )
            else:
                print(f"  run {i}: ERROR")
        last = ok_runs[-1]
        print(f"  returned: {last['returned']}")
        for name, size in last["files"]:
            print(f"  output: {name} ({size / 1e6:,.2f} MB)")
        if args.keep:
            for r in runs:
                print(f"  kept: {r['workdir']}")
    else:
        print(f"{'process_file':<{w}}{'ERROR':<36}FAIL")
        err = runs[-1].get("error", "") if runs else "no runs"
        print("-" * 78)
        print("last error (tail):")
        print(err[-1500:])
    print("=" * 78)
    return 0


if __name__ == "__main__":
    sys.exit(main())
