"""A processor that waits for the other days, to show whether days ran at the same time.

``meet`` marks its arrival next to the input (``_arrived/<stem>``, never removed), waits
up to the patience written in ``<input dir>/_meet.json`` until ``expected`` days have
arrived, then processes the day and records its interval as ``processors.recording``
does. With a pool limit of 2, the first day is still waiting when the second arrives, so
the two intervals overlap however slowly the second process started; if the second could
not start before the first left, they do not. With a limit of 1 the patience keeps the
first day in its slot a while, widening the window in which a second claim of the one
slot would show as an overlap.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from reach_pipeline.processing import process_file

from .processors import RECORD_DIR

MEET = "reach_pipeline_tests.support.overlap:meet"
CONFIG = "_meet.json"
ARRIVED = "_arrived"


def expect(input_dir: Path, *, expected: int, patience_s: float) -> None:
    """Tell ``meet`` (run on days of ``input_dir``) how many to wait for, and how long."""
    config = {"expected": expected, "patience_s": patience_s}
    (Path(input_dir) / CONFIG).write_text(json.dumps(config))


def meet(path: Path) -> list[Path]:
    path = Path(path)
    config = json.loads((path.parent / CONFIG).read_text())
    arrived = path.parent / ARRIVED
    arrived.mkdir(exist_ok=True)
    start = time.time()
    (arrived / path.stem).write_text(str(os.getpid()))
    deadline = time.monotonic() + config["patience_s"]
    while len(list(arrived.iterdir())) < config["expected"] and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the other days, bounded by the patience
    paths = process_file(path)
    record = {"input": path.name, "pid": os.getpid(), "start": start, "end": time.time()}
    out = path.parent / RECORD_DIR
    out.mkdir(exist_ok=True)
    (out / f"{path.stem}.json").write_text(json.dumps(record))
    return paths
