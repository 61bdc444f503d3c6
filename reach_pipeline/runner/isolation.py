"""Run a processor on one input in a child process and place its products in the layout.

The legacy processor contract writes into the current directory. The legacy loop
``chdir``-ed around it, which is unsafe for anything but one day at a time in one process.
Here the child starts in a fresh staging folder under ``output_dir/.staging`` (same file
system), so the parent never changes directory. The caller's ``arrange`` function checks
what the child wrote (names, day, validity) while it is still in staging; only then is the
day's product folder swapped into the layout by renames, so a crash, a timeout, an error or
an invalid product leaves nothing partial there, and a day's new product replaces the
whole of its old one. Staging folders of dead runs are swept the next time.

Children fork from a worker process that has already imported the processing code
(``forkworker``), so a day costs milliseconds of start-up, not an interpreter launch.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from reach_pipeline.change.report import ChangeReport
from reach_pipeline.durable import fsync_path

from . import locks
from .forkworker import ForkWorker, Request
from .processor import ProcessingFailed, read_result

STAGING_DIR = ".staging"
_STALE_AFTER_S = 24 * 3600


@dataclass(frozen=True)
class Arrangement:
    """Where a product goes: its folder below output_dir and the staged files it holds.

    ``kept``: the placed product's files, when the new one is the same (the caller
    compared them): then nothing is placed, the old files stay as they are (``change``,
    the caller's comparison, is handed back in ``Placed`` either way)."""

    relative_dir: PurePosixPath
    files: tuple[Path, ...]
    kept: tuple[Path, ...] = ()
    change: ChangeReport | None = None


# (staged paths the processor reported, its facts or None) -> Arrangement; raises
# ProcessingFailed when the output is not a sound product.
Arrange = Callable[[list[Path], "dict | None"], Arrangement]


@dataclass(frozen=True)
class Placed:
    files: tuple[Path, ...]  # final paths, in the arrangement's order (the kept ones)
    relative_dir: PurePosixPath
    seconds: float  # the processor's wall time
    facts: dict | None  # from a reporting processor; None for a plugged-in one
    change: ChangeReport | None = None  # what the new product changes (the arrangement's)
    kept: bool = False  # the old product was left in place (the new one was the same)


def run_isolated(
    input_path: Path,
    output_dir: Path,
    *,
    processor: str,
    arrange: Arrange,
    timeout_s: float = 3600.0,
    tag: str = "day",
    options: dict | None = None,
) -> Placed:
    """Process ``input_path`` in a child process; place what ``arrange`` accepts."""
    output_dir = Path(output_dir)
    sweep_staging(output_dir)
    staging = new_staging_dir(output_dir, tag)
    # The child's report goes to the machine's temporary folder: it must arrive when the
    # output disk is full or read-only (what it may be about).
    result = Path(tempfile.gettempdir()) / f"reach-result-{staging.name}.json"
    request = Request(processor, Path(input_path).resolve(), staging, options, result)
    try:
        started = time.perf_counter()
        code = ForkWorker.run(request, timeout_s)
        paths, facts = read_result(result, staging, code)
        seconds = round(time.perf_counter() - started, 3)
        plan = arrange(paths, facts)
        final_dir = output_dir / plan.relative_dir
        if not plan.kept:
            swap_in(_gather(staging, plan.files), final_dir, staging)
    finally:
        # Only once its child has exited (it may be writing there still); otherwise the
        # folder is left to the sweep of a later run.
        if request.settled:
            shutil.rmtree(staging, ignore_errors=True)
            result.unlink(missing_ok=True)
    files = plan.kept or tuple(final_dir / p.name for p in plan.files)
    return Placed(files, plan.relative_dir, seconds, facts, plan.change, bool(plan.kept))


def new_staging_dir(output_dir: Path, tag: str) -> Path:
    """A fresh private folder ``output_dir/.staging/<tag>-<host>-<pid>-<rand>`` (absolute:
    the child changes into it, and the fork worker's cwd is not ours)."""
    name = f"{tag}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = (Path(output_dir) / STAGING_DIR / name).absolute()
    staging.mkdir(parents=True)
    return staging


def _gather(staging: Path, files: tuple[Path, ...]) -> Path:
    """Move the product's files into one folder inside staging, ready to be swapped in."""
    product = staging / ".product"
    product.mkdir()
    real = staging.resolve()  # an output folder reached through a symbolic link
    for path in files:
        if not path.is_file() or real not in path.resolve().parents:
            raise ProcessingFailed(
                "ProcessorOutputError", f"processor output {path} is not a file in its staging"
            )
        os.replace(path, product / path.name)
    return product


def swap_in(new_dir: Path, final_dir: Path, staging: Path) -> None:
    """Make ``new_dir`` the day's folder ``final_dir``: the old folder is moved aside into
    ``staging`` first (removed with it), so readers see the old product or the new one, or
    for an instant none, never a mix."""
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    previous = staging / ".previous"
    try:
        os.rename(final_dir, previous)
    except FileNotFoundError:
        previous = None
    try:
        os.rename(new_dir, final_dir)
    except BaseException:
        if previous is not None:
            os.rename(previous, final_dir)
        raise
    fsync_path(final_dir.parent)


def day_lock_path(output_dir: Path, day: date) -> Path:
    """The day's lock (``locks``): ``output_dir/.staging/YYYYMMDD.lock``, present only while
    held (or until it is taken again after its holder died)."""
    return Path(output_dir) / STAGING_DIR / f"{day:%Y%m%d}{locks.LOCK_SUFFIX}"


def sweep_staging(output_dir: Path) -> list[Path]:
    """Remove staging folders whose run is gone (same host, dead pid) or a day old, and
    the free lock files such runs left (never a held lock, never the folder itself)."""
    root = Path(output_dir) / STAGING_DIR
    removed = []
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        # <tag>-<host>-<pid>-<rand>: the tag (YYYYMMDD, "day") has no dash, a host name may
        # (ip-10-0-0-1), so split the pid and rand off the right and the tag off the left.
        parts = entry.name.rsplit("-", 2)
        if len(parts) != 3 or not parts[1].isdigit() or "-" not in parts[0]:
            continue  # not a staging folder of ours
        dead = _dead(parts[0].partition("-")[2], int(parts[1]))
        try:
            old = now - entry.stat().st_mtime > _STALE_AFTER_S
        except FileNotFoundError:
            continue
        if dead or old:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed + locks.sweep(root, _dead, _STALE_AFTER_S)


def _dead(host: str, pid: int) -> bool:
    """A process of this host that no longer runs (another host's: unknown, not dead)."""
    return host == socket.gethostname() and not _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
