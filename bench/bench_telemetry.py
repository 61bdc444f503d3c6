"""Telemetry file at scale: ``latest_by_day`` and one ``append`` on a 200,000-row file.

    python bench/bench_telemetry.py [--rows 200000] [--repeat 5]

Targets (issue 7): latest_by_day < 1 s, one append < 50 ms.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reach_pipeline.contract.telemetry import (
    SCHEMA,
    TelemetryLog,
    TelemetryRow,
    utc_now_iso,
)

STATUSES = (
    "DOWNLOAD_PENDING",
    "DOWNLOADED",
    "PROCESS_PENDING",
    "PROCESSED",
    "UPLOAD_PENDING",
    "UPLOADED",
)


def build(path: Path, rows: int) -> None:
    """Write ``rows`` realistic rows (six per day, as a full lifecycle) in one go."""
    start = date(2017, 1, 1)
    with open(path, "w", newline="") as fh:
        fh.write(",".join(SCHEMA) + "\r\n")
        for i in range(rows):
            day = start + timedelta(days=i // len(STATUSES))
            status = STATUSES[i % len(STATUSES)]
            values = dict.fromkeys(SCHEMA, "")
            values.update(
                run_id=f"run-{i // 60:06d}",
                chunk_date_utc=day.isoformat(),
                status=status,
                records_downloaded="1105920",
                expected_records="1105920",
                availability_pct="100.00",
                csv_path=f"in/REACH-ALL_{day:%Y%m%d}T000000_x.csv",
                sensor_id="ALL",
                descriptor="QUICKLOOK",
                output_format="csv",
                started_at_utc=f"{day.isoformat()}T06:00:{i % 60:02d}.000000+00:00",
                cdf_path=f"out/l1c/prelim/{day:%Y/%m/%d}/reach_all_l1c_prelim_{day:%Y%m%d}"
                "T000000_v1.0.0.cdf",
            )
            fh.write(",".join(values[c] for c in SCHEMA) + "\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "download_telemetry.csv"
        build(path, args.rows)
        log = TelemetryLog(path)
        reads, appends = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            latest = log.latest_by_day()
            reads.append(time.perf_counter() - t)
        for i in range(args.repeat * 4):
            row = TelemetryRow(
                run_id=f"bench-{i}",
                chunk_date_utc="2026-01-01",
                status="PROCESS_PENDING",
                started_at_utc=utc_now_iso(),
            )
            t = time.perf_counter()
            log.append(row)
            appends.append(time.perf_counter() - t)
        size_mb = path.stat().st_size / 1e6
    print("telemetry benchmark")
    print(
        f"machine         {os.cpu_count()} CPUs, {platform.processor() or platform.machine()},"
        f" Python {platform.python_version()}"
    )
    print(f"file            {args.rows:,} rows, {size_mb:.1f} MB, {len(latest):,} days")
    best, med = min(reads), statistics.median(reads)
    print(
        f"latest_by_day   best {best:.3f} s, median {med:.3f} s   target < 1 s     "
        f"{'PASS' if med < 1 else 'FAIL'}"
    )
    best, med, worst = min(appends), statistics.median(appends), max(appends)
    print(
        f"append          best {best * 1e3:.1f} ms, median {med * 1e3:.1f} ms, "
        f"worst {worst * 1e3:.1f} ms   target < 50 ms   {'PASS' if worst < 0.05 else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
