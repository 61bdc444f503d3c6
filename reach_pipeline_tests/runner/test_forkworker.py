"""The fork worker under interruption: a request interrupted between its request and its
reply leaves no child running, no staging folder, and the next request gets its own reply.

The interruption is a real SIGINT sent to this process (Python raises KeyboardInterrupt in
the main thread, wherever it waits), as a Ctrl-C or Dagster's run termination would.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import date
from pathlib import Path

import pytest

from reach_pipeline.runner.isolation import STAGING_DIR, run_isolated
from reach_pipeline.steps.l1c import l1c_arrangement
from reach_pipeline_tests.faults.support import (
    wait_for,
)
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.processes import running

FIRST = ("REACH-ALL_20250902T000000_20250903T000000.csv", date(2025, 9, 2))
SECOND = ("REACH-ALL_20250903T000000_20250904T000000.csv", date(2025, 9, 3))


def run(input_dir: Path, output_dir: Path, which, processor: str, **kwargs):
    name, day = which
    path = input_dir / name
    return run_isolated(
        path, output_dir, processor=processor, arrange=l1c_arrangement(day, path), **kwargs
    )


def interrupt_when_started(input_dir: Path, name: str) -> threading.Thread:
    """SIGINT to this process once the gated processor has started on ``name``."""

    def interrupt() -> None:
        wait_for(
            "the gated processor to start", lambda: name in processors.started_processors(input_dir)
        )
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    return thread


@pytest.mark.integration
def test_an_interrupted_request_leaves_the_worker_in_step(inputs, tmp_path):
    out = tmp_path / "out"
    thread = interrupt_when_started(inputs, FIRST[0])
    with pytest.raises(KeyboardInterrupt):
        run(inputs, out, FIRST, processors.GATED, timeout_s=120)
    thread.join(timeout=30)

    # The interrupted day's child is gone before run_isolated returns, and only then is
    # its staging folder removed.
    child = processors.started_processors(inputs)[FIRST[0]]
    assert not running(child)
    assert list((out / STAGING_DIR).iterdir()) == []
    # Let it through: had it survived, it would now finish and report on the pipe.
    processors.release_processors(inputs)

    # The next request reads its own replies: its product, for its own day.
    placed = run(inputs, out, SECOND, processors.PATHS_ONLY, timeout_s=120)
    assert [p.name for p in placed.files] == ["reach_all_l1c_prelim_20250903T000000_v1.0.0.cdf"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "l1c/prelim/2025/09/03/reach_all_l1c_prelim_20250903T000000_v1.0.0.cdf"
    ]
    # And a failure is reported as its own, not as the killed child's exit.
    with pytest.raises(Exception, match=f"cannot process {FIRST[0]}"):
        run(inputs, out, FIRST, processors.FAIL_FAST, timeout_s=120)
