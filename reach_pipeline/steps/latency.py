"""How late a day's products are: hours from the day's last observation to each stage.

The chain is: the day's last observation -> its input file's arrival (the file's
modification time) -> its L1C placed -> uploaded. Each is reported as hours after the last
observation, so the UI plots them over days and a stage that got slower stands out.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path


def hours_after(last_observation: str, at: float) -> float:
    """Hours from ``last_observation`` (ISO 8601, with its zone) to ``at`` (Unix seconds)."""
    start = dt.datetime.fromisoformat(last_observation).timestamp()
    return round((at - start) / 3600.0, 4)


def l1c_latency(last_observation: str, input_path: Path, placed_at: float | None = None) -> dict:
    """The L1C stage's latency facts: the input's arrival and the L1C's placement."""
    arrived = os.stat(input_path).st_mtime
    placed = time.time() if placed_at is None else placed_at
    return {
        "input_arrived_at": arrived,
        "l1c_placed_at": placed,
        "latency_input_h": hours_after(last_observation, arrived),
        "latency_l1c_h": hours_after(last_observation, placed),
    }


def upload_latency(last_observation: str, uploaded_at: float | None = None) -> dict:
    uploaded = time.time() if uploaded_at is None else uploaded_at
    return {"uploaded_at": uploaded, "latency_upload_h": hours_after(last_observation, uploaded)}
