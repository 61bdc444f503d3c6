"""Per-day orchestration overhead of ``reach-pipeline process`` (the command line).

    python bench/bench_cli.py [--days 30] [--geomap]

Makes N small days (the bundled 2025-09-02 sample moved to consecutive dates), runs the
real console script over them in a fresh process, and splits the wall time into
interpreter start-up (the same command over a range with nothing to do), the processor's
own time (``process_seconds`` of each PROCESSED row) and the rest: orchestration.
Target: <= 0.5 s per day beyond the processor's own time (the design asks <= 0.2 s). The
L1C only, as the legacy command did (``--no-geomap``); with ``--geomap`` the L2 and its
quicklooks are made too, and their time counts in the rest.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "udl" / "REACH-ALL_20250902T000000_20250903T000000.csv"
sys.path.insert(0, str(ROOT))

from reach_pipeline.contract.telemetry import TelemetryLog  # noqa: E402


def make_days(folder: Path, first: date, n: int) -> None:
    text = SAMPLE.read_text()
    for i in range(n):
        day = first + timedelta(days=i)
        nxt = day + timedelta(days=1)
        body = text.replace("2025-09-02T", f"{day.isoformat()}T")
        (folder / f"REACH-ALL_{day:%Y%m%d}T000000_{nxt:%Y%m%d}T000000.csv").write_text(body)


def run(cli: str, args: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run([cli, *args], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"reach-pipeline failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--geomap", action="store_true", help="make the L2 too")
    args = parser.parse_args()
    cli = shutil.which("reach-pipeline") or str(Path(sys.executable).with_name("reach-pipeline"))
    first = date(2024, 1, 1)
    last = first + timedelta(days=args.days - 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    env["REACH_PARTITIONS_START"] = "2023-12-01"
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "in").mkdir()
        make_days(cwd / "in", first, args.days)
        common = [
            "--start-date",
            first.isoformat(),
            "--end-date",
            last.isoformat(),
            "--input-dir",
            "in",
            "--output-dir",
            "out",
            *([] if args.geomap else ["--no-geomap"]),
        ]
        wall, summary = run(cli, ["process", *common], cwd, env)
        rows = [
            r
            for r in TelemetryLog(cwd / "in" / "download_telemetry.csv").rows()
            if r.status == "PROCESSED"
        ]
        processor = sum(float(r.process_seconds) for r in rows)
        idle, _ = run(cli, ["process", *common], cwd, env)  # all skipped_existing now
    overhead = (wall - idle - processor) / args.days
    print("reach-pipeline process: per-day overhead")
    print(f"machine            {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"days               {args.days} small days ({SAMPLE.name} moved), {len(rows)} PROCESSED")
    print(f"summary            {summary}")
    print(f"levels             L1C{' and L2 (its time in the overhead)' if args.geomap else ''}")
    print(f"total wall         {wall:.2f} s")
    print(f"start-up (no work) {idle:.2f} s")
    print(f"processor, summed  {processor:.2f} s  (process_seconds of the PROCESSED rows)")
    print(
        f"overhead per day   {overhead:.3f} s   target <= 0.5 s   "
        f"{'PASS' if overhead <= 0.5 else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
