"""Plugged-in processors for the Dagster tests, loaded by import path ("module:function").

They run in the fork worker's child with the staging folder as the current directory, like
any ``process_file(path) -> list[Path]`` processor. They learn nothing from the test but the
input path, so whatever they record goes next to the input file.

The ``warm_`` ones are marked ``reuses_process = True``, as our own processors are: they run
in the fork worker itself, request after request (``forkworker``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
import time
from pathlib import Path

from reach_pipeline.contract.layout import cdf_file_name
from reach_pipeline.processing import process_file

HANG = "reach_pipeline_tests.support.processors:hang"
PATHS_ONLY = "reach_pipeline_tests.support.processors:paths_only"
RECORDING = "reach_pipeline_tests.support.processors:recording"
MISLABELLED = "reach_pipeline_tests.support.processors:mislabelled"
FAIL_FAST = "reach_pipeline_tests.support.processors:fail_fast"
GATED = "reach_pipeline_tests.support.processors:gated"
WARM_RECORDING = "reach_pipeline_tests.support.processors:warm_recording"
WARM_GATED = "reach_pipeline_tests.support.processors:warm_gated"
WARM_CHATTY = "reach_pipeline_tests.support.processors:warm_chatty"
RECORD_DIR = "_processor_intervals"
STARTED_DIR = "_processor_started"
RELEASE_NAME = "_processor_release"


def hang(path: Path) -> list[Path]:
    """Never returns: the caller's timeout has to kill it."""
    threading.Event().wait()
    raise AssertionError("unreachable")


class ProcessorBroke(RuntimeError):
    pass


def fail_fast(path: Path) -> list[Path]:
    """Fails at once: its child is gone before the parent has read the child's pid."""
    raise ProcessorBroke(f"cannot process {Path(path).name}")


def paths_only(path: Path) -> list[Path]:
    """Our processing, but through the bare legacy contract: paths, no facts."""
    return process_file(path)


def mislabelled(path: Path) -> list[Path]:
    """Process the file, then name the CDF for the day in the input's name, whatever the
    records say: a well-formed product that is wrong for its day."""
    [cdf] = process_file(path)
    stamp = re.search(r"_(\d{8})T000000_", Path(path).name)[1]
    renamed = cdf.with_name(cdf_file_name(dt.datetime.strptime(stamp, "%Y%m%d").date()))
    cdf.rename(renamed)
    return [renamed]


def recording(path: Path) -> list[Path]:
    """``paths_only``, recording in ``<input dir>/_processor_intervals/`` when it ran, the
    process that ran it, its parent and its current directory (one file per run of the
    processor: a day processed twice leaves two, in one process or two)."""
    start = time.time()
    cwd = os.getcwd()
    paths = process_file(path)
    end = time.time()
    record = {
        "input": Path(path).name,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "cwd": cwd,
        "start": start,
        "end": end,
    }
    out = Path(path).parent / RECORD_DIR
    out.mkdir(exist_ok=True)
    name = f"{Path(path).stem}.{os.getpid()}.{time.time_ns()}.json"
    (out / name).write_text(json.dumps(record))
    return paths


def gated(path: Path) -> list[Path]:
    """``recording``, but first it says that it started and waits to be let through.

    It writes its pid to ``<input dir>/_processor_started/<input name>`` (atomically: a
    reader never sees an empty file), then waits until ``<input dir>/_processor_release``
    (every day) or ``<input dir>/_processor_release.<input stem>`` (this day) exists, which
    may be never: a test that stops a run "mid-day" polls for the marker and then signals,
    whatever the machine's speed.
    """
    path = Path(path)
    folder = path.parent / STARTED_DIR
    folder.mkdir(exist_ok=True)
    partial = folder / f".{path.name}.{os.getpid()}"
    partial.write_text(str(os.getpid()))
    partial.rename(folder / path.name)
    releases = (path.parent / RELEASE_NAME, path.parent / f"{RELEASE_NAME}.{path.stem}")
    while not any(release.exists() for release in releases):
        time.sleep(0.01)  # the processor's own pace; tests never sleep on it
    return recording(path)


def warm_recording(path: Path) -> list[Path]:
    """``recording``, run by the fork worker itself, day after day."""
    return recording(path)


warm_recording.reuses_process = True


def warm_gated(path: Path) -> list[Path]:
    """``gated``, in the fork worker itself: the pid it writes is the worker's."""
    return gated(path)


warm_gated.reuses_process = True


def warm_chatty(path: Path) -> list[Path]:
    """Our processing, after writing to stdout what looks like the fork worker's replies,
    through Python's ``sys.stdout`` and straight to file descriptor 1 (as a C library
    would): the protocol pipe must never see them."""
    print('{"id": 0, "exit": 0}')
    print("chatty: print to stdout")
    os.write(1, b'{"id": 0, "pid": 1}\nchatty: write to fd 1\n')
    return process_file(path)


warm_chatty.reuses_process = True


def started_processors(input_dir: Path) -> dict[str, int]:
    """Input name -> pid of every ``gated`` child that has started on ``input_dir``."""
    folder = Path(input_dir) / STARTED_DIR
    if not folder.is_dir():
        return {}
    return {p.name: int(p.read_text()) for p in folder.iterdir() if not p.name.startswith(".")}


def release_processors(input_dir: Path, name: str | None = None) -> None:
    """Let the ``gated`` children on ``input_dir`` (waiting or still to come) go on: those
    of the input ``name``, or all of them."""
    suffix = "" if name is None else f".{Path(name).stem}"
    (Path(input_dir) / f"{RELEASE_NAME}{suffix}").touch()


def recorded_intervals(input_dir: Path) -> list[dict]:
    """What ``recording`` wrote for the days it processed in ``input_dir``."""
    folder = Path(input_dir) / RECORD_DIR
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
