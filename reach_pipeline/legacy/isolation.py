"""Run a processor on one day file in a child process and place its CDF in the layout.

The legacy processor contract is ``process_file(path) -> list[Path]``, writing into the
current directory. The legacy loop ``chdir``-ed around it, which is unsafe for anything
but one day at a time in one process. Here the child process starts in a fresh staging
folder under ``output_dir`` (same file system), so the parent never changes directory,
runs can share a process or run side by side, and the product is moved into
``l1c/prelim/YYYY/MM/DD/`` with an atomic rename. A crash, a timeout or an error leaves
nothing in the layout; staging folders of dead runs are swept the next time.

Children fork from a worker process that has already imported the processing code
(``forkworker``), so a day costs milliseconds of start-up, not an interpreter launch.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from .forkworker import RESULT_NAME
from .layout import cdf_relative_path

DEFAULT_PROCESSOR = "reach_pipeline.processing:process_file"
STAGING_DIR = ".staging"
_STALE_AFTER_S = 24 * 3600


class ProcessingFailed(RuntimeError):
    """The processor raised, crashed or produced no usable CDF.

    ``error_type`` is the processor's exception class name (for the telemetry row).
    """

    def __init__(self, error_type: str, message: str):
        self.error_type = error_type
        super().__init__(message)


class ProcessingTimeout(ProcessingFailed):
    def __init__(self, seconds: float):
        super().__init__(
            "ProcessingTimeout", f"processor did not finish within {seconds:g} s and was killed"
        )


@dataclass(frozen=True)
class DayProduct:
    cdf_path: Path  # final place, in the nested layout
    relative_path: PurePosixPath  # the same below output_dir; also the S3 key
    size_bytes: int
    process_seconds: float
    facts: dict | None  # from our processor; None for a plugged-in one


def load_processor(spec: str) -> Callable[[Path], list[Path]]:
    """``"package.module:function"`` to the function; ``ValueError`` if it is not one."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"processor must look like 'package.module:function', got {spec!r}")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load processor {spec!r}: {exc}") from exc
    if not callable(fn):
        raise ValueError(f"processor {spec!r} is not callable")
    return fn


def run_isolated(
    input_path: Path,
    output_dir: Path,
    *,
    processor: str = DEFAULT_PROCESSOR,
    timeout_s: float = 3600.0,
    tag: str = "day",
    day: date | None = None,
) -> DayProduct:
    """Process ``input_path`` in a child process; return where its CDF now lives.

    With ``day``, a CDF named for another day is refused (``ProcessingFailed``) instead of
    replacing that other day's product in the layout.
    """
    output_dir = Path(output_dir)
    sweep_staging(output_dir)
    # Absolute: the child changes into it, and the fork worker's cwd is not ours.
    staging = (
        output_dir
        / STAGING_DIR
        / f"{tag}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    ).absolute()
    staging.mkdir(parents=True)
    started = time.perf_counter()
    try:
        paths, facts = _run_child(processor, Path(input_path).resolve(), staging, timeout_s)
        seconds = time.perf_counter() - started
        cdfs = [p if p.is_absolute() else staging / p for p in paths if p.suffix == ".cdf"]
        if len(cdfs) != 1 or not cdfs[0].is_file():
            raise ProcessingFailed(
                "ProcessorOutputError",
                f"processor returned {[str(p) for p in paths]}; expected exactly one CDF file",
            )
        relative = cdf_relative_path(cdfs[0].name)
        if day is not None and relative.parts[2:5] != (f"{day:%Y}", f"{day:%m}", f"{day:%d}"):
            raise ProcessingFailed(
                "ProcessorOutputError",
                f"processor wrote {cdfs[0].name} from {input_path}: a CDF for another day "
                f"than {day}; not placed in the layout",
            )
        final = output_dir / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(cdfs[0], final)
        _fsync_dir(final.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if facts is not None:
        facts = {**facts, "cdf_path": str(final)}
    return DayProduct(final, relative, final.stat().st_size, round(seconds, 3), facts)


def sweep_staging(output_dir: Path) -> list[Path]:
    """Remove staging folders whose run is gone (same host, dead pid) or a day old."""
    root = Path(output_dir) / STAGING_DIR
    removed = []
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return removed
    host = socket.gethostname()
    now = time.time()
    for entry in entries:
        # <tag>-<host>-<pid>-<rand>: the tag (YYYYMMDD, "day") has no dash, a host name may
        # (ip-10-0-0-1), so split the pid and rand off the right and the tag off the left.
        parts = entry.name.rsplit("-", 2)
        dead = False
        if len(parts) == 3 and parts[0].partition("-")[2] == host and parts[1].isdigit():
            dead = not _pid_alive(int(parts[1]))
        try:
            old = now - entry.stat().st_mtime > _STALE_AFTER_S
        except FileNotFoundError:
            continue
        if dead or old:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Worker:
    """The parent's handle on its fork worker (``forkworker``), started on first use."""

    _lock = threading.Lock()
    _proc: subprocess.Popen | None = None

    @classmethod
    def run(cls, processor: str, input_path: Path, staging: Path, timeout_s: float) -> int:
        """Run one request; return the child's exit code. Kill it after ``timeout_s``."""
        with cls._lock:
            proc = cls._ensure()
            request = {"processor": processor, "input": str(input_path), "staging": str(staging)}
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
            pid = json.loads(cls._readline(proc, 60.0))["pid"]
            try:
                line = cls._readline(proc, timeout_s)
            except TimeoutError:
                _kill(pid)
                cls._readline(proc, 60.0)
                raise ProcessingTimeout(timeout_s) from None
            return json.loads(line)["exit"]

    @classmethod
    def _ensure(cls) -> subprocess.Popen:
        if cls._proc is None or cls._proc.poll() is not None:
            cls._proc = subprocess.Popen(
                [sys.executable, "-m", "reach_pipeline.legacy.forkworker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Unbuffered: a buffered reader could swallow the "exit" line together with
                # the "pid" line, and select() would then wait for it until the timeout.
                bufsize=0,
            )
        return cls._proc

    @classmethod
    def _readline(cls, proc: subprocess.Popen, timeout_s: float) -> str:
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        if not ready:
            raise TimeoutError
        line = proc.stdout.readline()  # unbuffered: reads this line only
        if not line:
            cls._proc = None
            raise ProcessingFailed("ProcessorCrashed", "the processor's fork worker exited")
        return line.decode()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run_child(
    processor: str, input_path: Path, staging: Path, timeout_s: float
) -> tuple[list[Path], dict | None]:
    code = _Worker.run(processor, input_path, staging, timeout_s)
    result_path = staging / RESULT_NAME
    if not result_path.is_file():
        raise ProcessingFailed(
            "ProcessorCrashed", f"processor exited with code {code} before reporting a result"
        )
    result = json.loads(result_path.read_text())
    result_path.unlink()
    if not result["ok"]:
        raise ProcessingFailed(result["error_type"], result["message"])
    return [Path(p) for p in result["paths"]], result["facts"]
