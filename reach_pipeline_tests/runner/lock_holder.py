"""Processes that take day locks, for the lock tests (and ``Holder``, their handle).

``python -m reach_pipeline_tests.runner.lock_holder hold PATH``: take the lock, print
``held <pid>``, release it when a line arrives on stdin (or never, if killed first).

``python -m reach_pipeline_tests.runner.lock_holder contend PATH ROUNDS INSIDE``: ROUNDS
times, try the lock; when taken, create INSIDE exclusively (two holders at once would
collide there: exit 3), remove it, release. Prints how many rounds it held the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from reach_pipeline.runner.locks import try_lock

REPO = Path(__file__).resolve().parents[2]


class Holder:
    """For a test: a process that tries to take the lock at ``path`` (``said`` is "held
    <pid>" or "busy") and holds it until ``release`` or ``kill``."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reach_pipeline_tests.runner.lock_holder", "hold", str(path)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.said = self.proc.stdout.readline().strip()  # once it holds the lock, or not

    def release(self) -> int:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        self.proc.stdin.close()
        self.proc.stdout.close()


def hold(path: Path) -> int:
    lock = try_lock(path)
    if lock is None:
        print("busy", flush=True)
        return 1
    print(f"held {os.getpid()}", flush=True)
    sys.stdin.readline()
    lock.release()
    return 0


def contend(path: Path, rounds: int, inside: Path) -> int:
    held = 0
    for _ in range(rounds):
        lock = try_lock(path)
        if lock is None:
            continue
        with lock:
            try:
                fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                print(f"two holders at once in round {held}", flush=True)
                return 3
            os.close(fd)
            held += 1
            os.unlink(inside)
    print(held, flush=True)
    return 0


if __name__ == "__main__":
    mode, target, *rest = sys.argv[1:]
    if mode == "hold":
        sys.exit(hold(Path(target)))
    sys.exit(contend(Path(target), int(rest[0]), Path(rest[1])))
