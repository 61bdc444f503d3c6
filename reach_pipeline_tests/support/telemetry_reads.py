"""How many bytes a command, and every process it starts, reads from the telemetry file,
as strace sees them; and a telemetry file holding years of a legacy tool's history.

strace counts every ``read``/``pread64``/``readv``/``preadv`` on a file descriptor open on
that path (``-P``), whatever code makes it, so the count cannot miss a read that goes
around ``TelemetryLog``. Used by the test of the telemetry read once per run and by
``bench/bench_telemetry_reads.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from reach_pipeline.contract.telemetry import (
    DOWNLOAD_PENDING,
    DOWNLOADED,
    PROCESS_PENDING,
    PROCESSED,
    SCHEMA,
    UPLOAD_PENDING,
    UPLOADED,
)
from reach_pipeline.stages import REACH_CDF, REACH_GEOMAP
from reach_pipeline_tests.faults.support import process_argv, write_sample_day
from reach_pipeline_tests.support.pipeline_env import pipeline_env

LIFE = (DOWNLOAD_PENDING, DOWNLOADED, PROCESS_PENDING, PROCESSED, UPLOAD_PENDING, UPLOADED)
READ_CALLS = "read,pread64,readv,preadv,preadv2"
_RESULT = re.compile(r"= (\d+)$")

# A ranged run of the assets named after FIRST LAST in this interpreter (``ranged_run``);
# its exit status says whether the run succeeded.
RANGED_RUN = """
import sys
from reach_pipeline_tests.support.ranged_run import ranged_run
sys.exit(0 if ranged_run(sys.argv[1], sys.argv[2], sys.argv[3:]).success else 1)
"""


class StraceMissing(RuntimeError):
    """strace is not installed, or may not trace here."""


def strace() -> str:
    """The strace executable, once it has shown it can trace a child here."""
    found = shutil.which("strace")
    if found is None:
        raise StraceMissing("strace is not installed (apt-get install strace)")
    probe = subprocess.run([found, "-f", "-o", os.devnull, "true"], capture_output=True)
    if probe.returncode != 0:
        why = probe.stderr.decode(errors="replace")[:200]
        raise StraceMissing(f"strace cannot trace here: {why}")
    return found


@dataclass(frozen=True)
class Reads:
    """What a traced command read from the file, and how it ended."""

    bytes: int
    calls: int
    returncode: int
    stdout: str
    stderr: str


def bytes_read(
    argv: list[str], path: Path, *, cwd: Path, env: dict[str, str], timeout_s: float = 900
) -> Reads:
    """Run ``argv`` under strace (following every child) and count what it read from
    ``path``: the sum of the byte counts its read calls on that file returned."""
    with tempfile.TemporaryDirectory(prefix="reach-strace-") as tmp:
        trace = Path(tmp) / "trace.txt"
        done = subprocess.run(
            [
                strace(),
                "-f",
                "-qq",
                "--seccomp-bpf",
                "-e",
                f"trace={READ_CALLS}",
                "-e",
                "signal=none",
                "-s",
                "0",
                "-P",
                str(path),
                "-o",
                str(trace),
                "--",
                *argv,
            ],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        counts = [
            int(m[1]) for line in trace.read_text().splitlines() if (m := _RESULT.search(line))
        ]
    return Reads(sum(counts), len(counts), done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Workspace:
    root: Path
    input_dir: Path
    out: Path
    telemetry: Path
    env: dict[str, str]

    def cli_argv(self, days: list[date]) -> list[str]:
        """``reach-pipeline process`` over ``days`` (L1C + L2)."""
        return process_argv(str(days[0]), str(days[-1]), self.input_dir, self.out)

    def ranged_run_argv(self, days: list[date]) -> list[str]:
        """A Dagster ranged run of ``reach_cdf`` + ``reach_geomap`` over ``days``."""
        first, last = days[0].isoformat(), days[-1].isoformat()
        return [sys.executable, "-c", RANGED_RUN, first, last, REACH_CDF, REACH_GEOMAP]


def workspace(root: Path, days: list[date], history_rows: int, code: Path) -> Workspace:
    """``days`` sample days, a telemetry file of ``history_rows`` rows of history before
    them, a real instance (``DAGSTER_HOME``), and an environment with nothing of the
    caller's but PATH, whose ``reach_pipeline`` is ``code``'s."""
    input_dir, out, home = root / "in", root / "out", root / "dagster_home"
    for day in days:
        write_sample_day(input_dir, day)
    telemetry = input_dir / "download_telemetry.csv"
    write_history(telemetry, history_rows, before=days[0])
    home.mkdir()
    env = pipeline_env(
        root,
        input_dir,
        out,
        PYTHONPATH=str(code),
        DAGSTER_HOME=str(home),
        REACH_TELEMETRY_PATH=str(telemetry),
    )
    return Workspace(root, input_dir, out, telemetry, env)


def write_history(path: Path, rows: int, before: date) -> None:
    """``rows`` telemetry rows of a legacy tool's years, six per day (a day's whole life,
    DOWNLOAD_PENDING … UPLOADED), for days that end the day before ``before``."""
    days = -(-rows // len(LIFE))
    first = before - timedelta(days=days)
    lines = [",".join(SCHEMA)]
    for i in range(rows):
        day = first + timedelta(days=i // len(LIFE))
        values = dict.fromkeys(SCHEMA, "")
        values.update(
            run_id=f"legacy-{i // 60:06d}",
            chunk_date_utc=day.isoformat(),
            status=LIFE[i % len(LIFE)],
            records_downloaded="1105920",
            expected_records="1105920",
            availability_pct="100.00",
            csv_path=f"in/REACH-ALL_{day:%Y%m%d}T000000_{day + timedelta(days=1):%Y%m%d}"
            "T000000.csv",
            sensor_id="ALL",
            descriptor="QUICKLOOK",
            output_format="csv",
            started_at_utc=f"{day.isoformat()}T06:00:{i % 60:02d}.000000+00:00",
            cdf_path=f"out/l1c/prelim/{day:%Y/%m/%d}/reach_all_l1c_prelim_{day:%Y%m%d}"
            "T000010_v1.0.0.cdf",
        )
        lines.append(",".join(values[c] for c in SCHEMA))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
