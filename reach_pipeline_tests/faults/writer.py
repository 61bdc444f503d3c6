"""Telemetry writers run as separate processes by the fault tests.

``python -m reach_pipeline_tests.faults.writer MODE PATH TAG [STOP_FILE]``; every row's id
(``TAG-N``, N = 0, 1, ...) is printed on stdout once the row is written and fsynced.

- ``append``: ``TelemetryLog.append`` in a tight loop (this project's writer).
- ``chunked``: a foreign writer as the legacy tool might be: it locks the data file only,
  and writes each row in three pieces, each fsynced, so a kill can tear a row. After a
  number of rows chosen from its tag it writes only the first piece of the next row,
  prints ``partial TAG-N`` and waits to be killed: a kill then tears that row for sure.
- ``download``: the download tool: DOWNLOAD_PENDING then DOWNLOADED rows through
  ``TelemetryLog`` until STOP_FILE exists; prints ``count N`` (rows written) at the end.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import random
import signal
import sys
from datetime import date, timedelta
from pathlib import Path

from reach_pipeline.contract.telemetry import (
    DOWNLOAD_PENDING,
    DOWNLOADED,
    UPLOADED,
    TelemetryLog,
    TelemetryRow,
    utc_now_iso,
)

DOWNLOAD_DAYS = 30
DOWNLOAD_FIRST_DAY = date(2031, 1, 1)


def row_for(row_id: str, status: str = UPLOADED) -> TelemetryRow:
    """The row a writer writes for ``row_id``: a function of the id alone.

    It has a quoted error_message (quotes and a comma) and a non-blank last column, so a
    tear can fall inside a quoted field or inside the last field.
    """
    n = int(row_id.rsplit("-", 1)[1])
    day = DOWNLOAD_FIRST_DAY + timedelta(days=n % DOWNLOAD_DAYS)
    return TelemetryRow(
        run_id=row_id,
        chunk_date_utc=day.isoformat(),
        status=status,
        records_downloaded=str(1000 + n),
        csv_path=f"in/REACH-ALL_{day:%Y%m%d}T000000_x.csv",
        sensor_id="ALL",
        descriptor="QUICKLOOK",
        output_format="csv",
        error_message=f'writer said "row {n}", then, "went on"',
        started_at_utc=f"2031-01-01T00:00:00.{n % 1000000:06d}+00:00",
        s3_bucket="reach-fault-bucket",
        s3_key=f"l1c/prelim/{day:%Y/%m/%d}/row_{row_id}.cdf",
    )


def csv_line(row: TelemetryRow) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(row.as_list())
    return buf.getvalue().encode()


def _report(row_id: str) -> None:
    sys.stdout.write(row_id + "\n")
    sys.stdout.flush()


def append_loop(path: Path, tag: str) -> None:
    log = TelemetryLog(path)
    n = 0
    while True:
        row_id = f"{tag}-{n}"
        log.append(row_for(row_id))
        _report(row_id)
        n += 1


def tear_row(tag: str) -> int:
    """The row a chunked writer tears: the same for the same tag."""
    return random.Random(tag).randint(1, 40)


def chunked_loop(path: Path, tag: str) -> None:
    rng = random.Random(f"{tag}-cuts")
    tear_at = tear_row(tag)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    n = 0
    while True:
        row_id = f"{tag}-{n}"
        data = csv_line(row_for(row_id))
        cuts = sorted(rng.sample(range(1, len(data)), 2))
        fcntl.flock(fd, fcntl.LOCK_EX)
        for k, piece in enumerate((data[: cuts[0]], data[cuts[0] : cuts[1]], data[cuts[1] :])):
            os.write(fd, piece)
            os.fsync(fd)
            if n == tear_at and k == 0:
                _report(f"partial {row_id}")
                signal.pause()  # killed here, in the middle of the row, lock held
        fcntl.flock(fd, fcntl.LOCK_UN)
        _report(row_id)
        n += 1


def download_loop(path: Path, tag: str, stop_file: Path) -> None:
    log = TelemetryLog(path)
    n = 0
    while not stop_file.exists():
        for status in (DOWNLOAD_PENDING, DOWNLOADED):
            row_id = f"{tag}-{n}"
            row = row_for(row_id, status).replace(
                error_message="", s3_bucket="", s3_key="", started_at_utc=utc_now_iso()
            )
            log.append(row)
            _report(row_id)
            n += 1
    sys.stdout.write(f"count {n}\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    mode, path, tag, *rest = argv
    if mode == "append":
        append_loop(Path(path), tag)
    elif mode == "chunked":
        chunked_loop(Path(path), tag)
    elif mode == "download":
        download_loop(Path(path), tag, Path(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
