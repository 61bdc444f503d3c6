"""Processes that take day locks, for the lock tests.

``python -m reach_pipeline_tests.runner.lock_holder hold PATH``: take the lock, print
``held <pid>``, release it when a line arrives on stdin (or never, if killed first).

``python -m reach_pipeline_tests.runner.lock_holder contend PATH ROUNDS INSIDE``: ROUNDS
times, try the lock; when taken, create INSIDE exclusively (two holders at once would
collide there: exit 3), remove it, release. Prints how many rounds it held the lock.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reach_pipeline.runner.locks import try_lock


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
