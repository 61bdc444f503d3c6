"""Bytes read from the telemetry file by an N-day run next to a long telemetry file.

    python bench/bench_telemetry_reads.py [--rows 20000] [--days 5] [--code DIR]

Writes N small sample days (the 2025-09-01 sample, moved) and a telemetry file of ROWS rows
of a legacy tool's history (six per day, days before the first), then runs, under strace,
(1) ``reach-pipeline process`` over the N days (L1C + L2) and (2) a Dagster ranged run of
``reach_cdf`` + ``reach_geomap`` over the same N days (as the backfill daemon launches one),
each in a fresh workspace, and prints the bytes each read from the telemetry file: in all,
as a multiple of the file's size, and per day beyond one whole read. ``--code DIR``
measures another checkout (its ``reach_pipeline`` on PYTHONPATH), e.g. main before a change.

Target (issue 19): a 5-day run reads at most 2 x the file's size from it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reach_pipeline_tests.support.telemetry_reads import (  # noqa: E402
    bytes_read,
    workspace,
    write_history,
)

FIRST = date(2025, 10, 1)
TARGET = 2.0


def measure(root: Path, code: Path, rows: int, days: list[date], what: str) -> None:
    ws = workspace(root, days, rows, code)
    if what == "cli":
        argv, label = ws.cli_argv(days), f"reach-pipeline process, {len(days)} days, L1C + L2"
    else:
        argv, label = ws.ranged_run_argv(days), f"Dagster ranged run, {len(days)} days, L1C + L2"
    size = ws.telemetry.stat().st_size
    reads = bytes_read(argv, ws.telemetry, cwd=root, env=ws.env)
    if reads.returncode != 0:
        raise SystemExit(f"{label} failed (exit {reads.returncode}):\n{reads.stderr[-3000:]}")
    ratio = reads.bytes / size
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(
        f"{label:<44} {reads.bytes:>12,} bytes in {reads.calls:>4} reads = {ratio:6.2f} x "
        f"the file; beyond one whole read {(reads.bytes - size) / len(days):>12,.0f} "
        f"bytes/day   target <= {TARGET:g} x  {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--code", type=Path, default=REPO, help="checkout to measure")
    args = parser.parse_args()
    days = [FIRST + timedelta(days=k) for k in range(args.days)]
    print(f"telemetry reads: code {args.code.resolve()}, {os.cpu_count()} CPUs")
    for what in ("cli", "ranged"):
        with tempfile.TemporaryDirectory(prefix="reach-bench-reads-") as tmp:
            if what == "cli":
                write_history(Path(tmp) / "probe.csv", args.rows, before=days[0])
                size = (Path(tmp) / "probe.csv").stat().st_size
                print(f"telemetry file: {args.rows:,} rows of history, {size:,} bytes")
            measure(Path(tmp), args.code.resolve(), args.rows, days, what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
