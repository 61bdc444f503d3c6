"""A processor that waits at a gate: our processing, once ``<input dir>/_gate_open`` exists.

It runs in the fork worker's child (``REACH_PROCESSOR=reach_pipeline_tests.deploy.gate:gated``)
and learns nothing from the test but the input path, so the gate lives next to the input. A
run whose first day waits at the gate cannot end: the test holds two runs in flight at once,
whatever the machine's speed, and then opens the gate.
"""

from __future__ import annotations

import time
from pathlib import Path

from reach_pipeline.processing import process_file

GATED = "reach_pipeline_tests.deploy.gate:gated"
GATE_NAME = "_gate_open"


def gated(path: Path) -> list[Path]:
    gate = Path(path).parent / GATE_NAME
    while not gate.exists():
        time.sleep(0.01)  # the processor's own pace; the test never sleeps on it
    return process_file(path)


def open_gate(input_dir: Path) -> None:
    (Path(input_dir) / GATE_NAME).touch()
