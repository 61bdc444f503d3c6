"""The telemetry writer's durability, observed in the system calls of a real append.

The log promises: a row is written with ONE write() of the whole row, then fsync() of the
same file; a migration's replacement file is fsynced, renamed over the old one, then its
folder is fsynced. Reading the file back cannot tell a skipped fsync from a done one;
strace can. Skipped with a reason where strace is missing or not allowed; CI
(REACH_REQUIRE_SERVICES=1) turns that skip into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from reach_pipeline.contract.telemetry import DOWNLOAD_SCHEMA

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Call:
    name: str
    args: str
    result: int

    def fd(self) -> int:
        return int(self.args.split(",", 1)[0])


def _strace() -> str:
    found = shutil.which("strace")
    reason = None
    if found is None:
        reason = "strace is not installed (apt-get install strace)"
    else:
        probe = subprocess.run([found, "-f", "-o", os.devnull, "true"], capture_output=True)
        if probe.returncode != 0:
            reason = f"strace cannot trace here: {probe.stderr.decode(errors='replace')[:200]}"
    if reason:
        if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


_CALL = re.compile(r"^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)")


def traced_append(tmp_path: Path, telemetry: Path) -> tuple[list[Call], bytes]:
    """Append one row in a fresh interpreter under strace; its calls after the import."""
    script = textwrap.dedent(
        f"""
        import os
        from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
        log = TelemetryLog({str(telemetry)!r})
        row = TelemetryRow(run_id="r1", chunk_date_utc="2025-09-01", status="PROCESSED",
                           error_message="a, quoted \\"message\\"")
        os.write(2, b"--start--")
        log.append(row)
        os.write(2, b"--end--")
        """
    )
    out = tmp_path / "strace.txt"
    subprocess.run(
        [
            _strace(),
            "-f",
            "-s",
            "4096",
            "-e",
            "trace=openat,write,fsync,close,rename,renameat,renameat2,ftruncate",
            "-o",
            str(out),
            sys.executable,
            "-c",
            script,
        ],
        check=True,
        capture_output=True,
    )
    calls = [
        Call(*m.groups()[:2], int(m[3]))
        for m in map(_CALL.match, out.read_text().splitlines())
        if m
    ]
    start = next(i for i, c in enumerate(calls) if c.name == "write" and "--start--" in c.args)
    end = next(i for i, c in enumerate(calls) if c.name == "write" and "--end--" in c.args)
    return calls[start + 1 : end], telemetry.read_bytes()


def opened(calls: list[Call], path: Path) -> set[int]:
    return {
        c.result for c in calls if c.name == "openat" and f'"{path}"' in c.args and c.result >= 0
    }


def test_a_row_is_one_write_then_fsync_of_the_same_file(tmp_path):
    telemetry = tmp_path / "download_telemetry.csv"
    telemetry.write_bytes(b"")  # an existing, empty file: header + row in one write

    calls, data = traced_append(tmp_path, telemetry)

    fds = opened(calls, telemetry)
    writes = [c for c in calls if c.name == "write" and c.fd() in fds]
    assert len(writes) == 1, writes
    assert writes[0].result == len(data)  # the whole file: header and row, in one call
    after = calls[calls.index(writes[0]) + 1 :]
    fsyncs = [c for c in after if c.name == "fsync"]
    assert fsyncs and fsyncs[0].fd() == writes[0].fd(), after


def test_an_append_to_a_file_with_rows_is_one_write_of_the_row(tmp_path):
    telemetry = tmp_path / "download_telemetry.csv"
    header = ",".join(__import__("reach_pipeline.contract.telemetry", fromlist=["SCHEMA"]).SCHEMA)
    telemetry.write_bytes((header + "\r\n").encode())
    before = telemetry.stat().st_size

    calls, data = traced_append(tmp_path, telemetry)

    fds = opened(calls, telemetry)
    writes = [c for c in calls if c.name == "write" and c.fd() in fds]
    assert [w.result for w in writes] == [len(data) - before]
    fsync = next(c for c in calls[calls.index(writes[0]) :] if c.name == "fsync")
    assert fsync.fd() == writes[0].fd()


def test_a_migration_fsyncs_the_new_file_then_renames_then_fsyncs_the_folder(tmp_path):
    telemetry = tmp_path / "download_telemetry.csv"
    # The download tool's older, shorter header: the first append migrates the file.
    telemetry.write_bytes((",".join(DOWNLOAD_SCHEMA) + "\r\n").encode())

    calls, _ = traced_append(tmp_path, telemetry)

    renames = [c for c in calls if c.name.startswith("rename") and str(telemetry) in c.args]
    assert len(renames) == 1, calls
    rename_at = calls.index(renames[0])
    temp = re.search(r'"([^"]+\.tmp)"', renames[0].args)[1]
    temp_fds = opened(calls[:rename_at], Path(temp))
    assert any(c.name == "fsync" and c.fd() in temp_fds for c in calls[:rename_at])
    folder_fds = opened(calls[rename_at:], tmp_path)
    assert any(c.name == "fsync" and c.fd() in folder_fds for c in calls[rename_at:]), calls


def test_a_new_file_is_fsynced_then_its_folder(tmp_path):
    """The first append creates the file: its row is fsynced, then the folder, so the new
    directory entry survives a crash too."""
    telemetry = tmp_path / "download_telemetry.csv"

    calls, data = traced_append(tmp_path, telemetry)

    assert data.count(b"\r\n") == 2  # header and row
    file_fds = opened(calls, telemetry)
    file_fsync = next(i for i, c in enumerate(calls) if c.name == "fsync" and c.fd() in file_fds)
    folder_fds = opened(calls, tmp_path)
    assert any(c.name == "fsync" and c.fd() in folder_fds for c in calls[file_fsync + 1 :]), calls
