"""A plugged-in processor that writes to stdout, as legacy processors do."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED

from .support import EXAMPLES, cdf_rel, clean_env, process_argv, rows_of, run_cli

DAYS = [date(2025, 9, 1), date(2025, 9, 2)]

NOISY = """
import os
from reach_pipeline.processing import process_file as ours


def process_file(path):
    print("noisy-print: starting", path)  # buffered when stdout is a pipe
    os.write(1, b"noisy-fd1: a C library writing to fd 1\\n")
    print("{not json}" * 2000)  # more than a pipe buffer's worth
    return ours(path)
"""


@pytest.mark.integration
def test_processor_output_on_stdout_does_not_break_the_fork_worker(tmp_path):
    """The fork worker talks to its parent over its stdout; the processor runs in a child
    that inherited it. What the processor prints must not reach that pipe (it once did:
    the day FAILED with JSONDecodeError and the next day's reply was out of step)."""
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "noisy_processor.py").write_text(NOISY)
    ws = tmp_path / "ws"
    input_dir, out = ws / "in", ws / "out"
    input_dir.mkdir(parents=True)
    for day in DAYS:
        (source,) = EXAMPLES.glob(f"REACH-ALL_{day:%Y%m%d}T000000_*.csv")
        shutil.copyfile(source, input_dir / source.name)
    env = clean_env(
        tmp_path / "home",
        PYTHONPATH=str(plugin),
        REACH_PROCESSOR="noisy_processor:process_file",
    )
    del env["PYTHONUNBUFFERED"]  # the prints stay buffered until the child ends
    proc = run_cli(process_argv(DAYS[0].isoformat(), DAYS[-1].isoformat(), input_dir, out), ws, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    telemetry = input_dir / "download_telemetry.csv"
    for day in DAYS:
        assert [r.status for r in rows_of(telemetry, day)] == [PROCESS_PENDING, PROCESSED]
        assert (out / cdf_rel(day)).is_file()
    # Not lost either: it is on the run's stderr, once per day.
    assert proc.stderr.count("noisy-print: starting") == len(DAYS)
    assert proc.stderr.count("noisy-fd1:") == len(DAYS)
    assert "noisy" not in proc.stdout
