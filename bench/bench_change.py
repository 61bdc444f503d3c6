"""Benchmark the change report (``reach_pipeline.change.compare.compare_cdfs``) on the L1C
of a full synthetic day (``make_synthetic_day.py``, 1.1 M records, a 40 MB CDF), against
the budget of 0.2 s per full day.

Cases, each the new product against the old one:
  identical      the same input made again the same day: the same bytes
  another day    the same input made again on another day: Generation_date differs
  one value      the input with one obValue tripled
  every value    (--worst) another synthetic day (seed 1): every value differs

Usage::

    python bench/bench_change.py [--repeat 5] [--worst]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_geomap import DAY, ensure_l1c  # noqa: E402
from make_synthetic_day import default_path, make_day  # noqa: E402

from reach_pipeline.change.compare import compare_cdfs  # noqa: E402

BUDGET_S = 0.2


def processed(csv: Path, folder: Path) -> Path:
    """The L1C of ``csv``, made in a process of its own into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "reach_pipeline.processing", str(csv)],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    [cdf] = folder.glob("*.cdf")
    return cdf


def one_value_changed(csv: Path, out: Path) -> Path:
    """A copy of ``csv`` with the first record's obValue tripled."""
    data = csv.read_bytes()
    start = data.index(b"'obValue': ", data.index(b"\n")) + len(b"'obValue': ")
    end = start + min(data.index(b",", start) - start, data.index(b"}", start) - start)
    value = float(data[start:end])
    out.write_bytes(data[:start] + repr(value * 3 or 1e-6).encode() + data[end:])
    return out


def another_day(cdf: Path, out: Path) -> Path:
    """A copy of ``cdf`` as if made on another day (its Generation_date replaced)."""
    import cdflib

    stamp = cdflib.CDF(str(cdf)).globalattsget()["Generation_date"][0]
    out.write_bytes(cdf.read_bytes().replace(stamp.encode(), b"1999-01-01", 1))
    return out


def timed(old: Path, new: Path, repeat: int):
    """The report, the wall seconds and the CPU seconds of each run (the first warms up).
    The comparison is one thread: on a quiet machine its wall time is its CPU time; on a
    busy one the CPU time says what it costs."""
    reports, cpu = [], []
    for _ in range(repeat + 1):
        started = time.process_time()
        reports.append(compare_cdfs(old, new))
        cpu.append(time.process_time() - started)
    return reports[-1], [r.seconds for r in reports[1:]], cpu[1:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--worst", action="store_true", help="also every value changed")
    args = ap.parse_args(argv)
    old = ensure_l1c()
    print(f"old product: {old} ({old.stat().st_size / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory(prefix="reach-bench-change-", dir=BENCH_DIR / "data") as tmp:
        work = Path(tmp)
        cases = {
            "identical": processed(default_path(DAY), work / "same"),
            "another day": another_day(old, work / "another.cdf"),
        }
        edited = one_value_changed(default_path(DAY), work / default_path(DAY).name)
        cases["one value"] = processed(edited, work / "one")
        if args.worst:
            other = work / "seed1" / default_path(DAY).name
            other.parent.mkdir()
            make_day(other, DAY, seed=1)
            cases["every value"] = processed(other, work / "every")
        ok = True
        for name, new in cases.items():
            report, seconds, cpu = timed(old, new, args.repeat)
            median, cpu_median = statistics.median(seconds), statistics.median(cpu)
            within = cpu_median <= BUDGET_S
            ok &= within or name == "every value"
            print(
                f"{name:<12} wall median {median:.3f} s (min {min(seconds):.3f}, max "
                f"{max(seconds):.3f}), CPU median {cpu_median:.3f} s, {args.repeat} runs: "
                f"{'within' if within else 'OVER'} {BUDGET_S} s: {report.line()}"
            )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
