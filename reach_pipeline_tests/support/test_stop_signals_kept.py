"""The suite's processes leave SIGTERM to its children, even when the suite was started as a
background job (SIGINT ignored) and a Dagster run went in-process before (root conftest,
``stop_signals_as_at_a_terminal``). Without that, each in-process run in a thread waited
60 s for Dagster's compute-log ``tail`` processes, which then outlived the suite."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import asset, materialize

pytestmark = pytest.mark.integration


def ignored_signals(pid: int) -> set[int]:
    """The signals process ``pid`` ignores (``SigIgn`` of its ``/proc`` status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            mask = int(line.split()[1], 16)
            return {n for n in range(1, 65) if mask >> (n - 1) & 1}
    raise AssertionError(f"no SigIgn in /proc/{pid}/status")


@asset
def _one() -> int:
    return 1


def test_a_child_started_after_an_in_process_run_can_be_terminated():
    assert materialize([_one]).success  # in the main thread: Dagster remaps SIGTERM
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert signal.SIGTERM not in ignored_signals(child.pid)
    finally:
        child.kill()
        child.wait()


def test_so_also_in_a_suite_started_with_sigint_ignored(tmp_path):
    """The test above, in a pytest started as a background job starts it."""
    here = Path(__file__)
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q"]
    argv += [f"{here}::test_a_child_started_after_an_in_process_run_can_be_terminated"]
    done = subprocess.run(
        argv,
        cwd=here.parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
