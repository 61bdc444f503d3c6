"""Two full-size days with the reach_cdf pool limit at 2 versus 1: throughput and memory.

    python bench/bench_pool.py [--fraction 1.0]

Each day is materialized by its own `dagster asset materialize` process (as two runs
would be), against one persistent instance whose `reach_cdf` pool limit is 1 or 2 (op
granularity: a run waits for a slot before its step starts). Throughput ratio =
wall(limit 1) / wall(limit 2). Target (issue 7): >= 1.7x on 2 cores.
"""

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import psutil
from backfill.cpu import tree_total

ROOT = Path(__file__).resolve().parents[1]
DAYS = (date(2024, 3, 1), date(2024, 3, 2))


def _generator():
    spec = importlib.util.spec_from_file_location("gen", ROOT / "bench" / "make_synthetic_day.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_days(folder: Path, fraction: float) -> None:
    gen = _generator()
    folder.mkdir(parents=True, exist_ok=True)
    for day in DAYS:
        name = f"REACH-ALL_{day:%Y%m%d}T000000_{day.replace(day=day.day + 1):%Y%m%d}T000000.csv"
        if not (folder / name).exists():
            gen.make_day(folder / name, day, seed=day.day, rows_fraction=fraction)


class TreeSampler(threading.Thread):
    """Peak summed RSS of a set of process trees, sampled every 0.2 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.roots: list[int] = []
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.2):
            total = tree_total(self.roots, lambda proc: proc.memory_info().rss)
            self.peak = max(self.peak, total)


def run_pair(limit: int, data: Path, work: Path) -> tuple[float, int]:
    home = work / f"home-{limit}"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n"
        f"    default_limit: {limit}\n    granularity: op\n"
    )
    # Create the storage and the pool's slots once, before two processes race to do it.
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        instance.event_log_storage.set_concurrency_slots("reach_cdf", limit)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(data),
        REACH_OUTPUT_DIR=str(work / f"out-{limit}"),
        REACH_TELEMETRY_PATH=str(work / f"telemetry-{limit}.csv"),
        REACH_PARTITIONS_START="2024-01-01",
    )
    dagster = str(Path(sys.executable).with_name("dagster"))
    sampler = TreeSampler()
    sampler.start()
    started = time.perf_counter()
    procs = []
    for day in DAYS:
        cmd = [
            dagster,
            "asset",
            "materialize",
            "-m",
            "reach_pipeline.definitions",
            "--select",
            "reach_cdf",
            "--partition",
            day.isoformat(),
        ]
        procs.append(
            subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        sampler.roots.append(procs[-1].pid)
    codes = [p.wait() for p in procs]
    wall = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    if any(codes):
        raise SystemExit(f"a materialize failed with limit {limit}: {codes}")
    return wall, sampler.peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0, help="size of each day")
    args = parser.parse_args()
    data = ROOT / "bench" / "data" / f"pool-{args.fraction}"
    ensure_days(data, args.fraction)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for limit in (1, 2):
            results[limit] = run_pair(limit, data, Path(tmp))
    w1, m1 = results[1]
    w2, m2 = results[2]
    ratio = w1 / w2
    size = sum(f.stat().st_size for f in data.glob("*.csv")) / 1e6
    print("reach_cdf pool limit 2 vs 1: two days")
    print(
        f"machine        {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB,"
        f" Python {platform.python_version()}"
    )
    print(f"input          2 days, {size:.0f} MB in all (fraction {args.fraction})")
    print(f"limit 1        wall {w1:.2f} s, peak RSS of both runs {m1 / 2**20:.0f} MB")
    print(f"limit 2        wall {w2:.2f} s, peak RSS of both runs {m2 / 2**20:.0f} MB")
    print(f"throughput     {ratio:.2f}x   target >= 1.7x   {'PASS' if ratio >= 1.7 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
