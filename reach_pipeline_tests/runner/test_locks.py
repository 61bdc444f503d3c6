"""The per-day lock between real processes: one holder at a time, nothing left after a
release, and a SIGKILLed holder blocks no one."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import date
from pathlib import Path

import pytest

from reach_pipeline.runner import locks
from reach_pipeline.runner.isolation import STAGING_DIR, day_lock_path, sweep_staging
from reach_pipeline_tests.runner.lock_holder import REPO, Holder
from reach_pipeline_tests.support.processes import python_module

DAY = date(2025, 9, 2)


@pytest.fixture
def holders():
    started: list[Holder] = []

    def start(path: Path) -> Holder:
        started.append(Holder(path))
        return started[-1]

    yield start
    for holder in started:
        holder.close()


def test_the_day_lock_lives_next_to_the_staging_area(tmp_path):
    assert day_lock_path(tmp_path, DAY) == tmp_path / STAGING_DIR / "20250902.lock"


def test_another_process_holding_the_day_refuses_it_here(tmp_path, holders):
    path = day_lock_path(tmp_path / "out", DAY)
    holder = holders(path)
    assert holder.said == f"held {holder.proc.pid}"
    assert locks.holder(path) == f"{socket.gethostname()} {holder.proc.pid}"

    assert locks.try_lock(path) is None
    assert holders(path).said == "busy"

    assert holder.release() == 0
    assert not path.exists()  # its holder removed it
    with locks.try_lock(path) as lock:
        assert lock is not None and path.exists()
    assert not path.exists()
    assert (tmp_path / "out" / STAGING_DIR).is_dir()


def test_a_sigkilled_holder_blocks_no_one(tmp_path, holders):
    path = day_lock_path(tmp_path / "out", DAY)
    holder = holders(path)
    assert holder.said.startswith("held")
    inode = path.stat().st_ino
    holder.kill()

    assert path.exists()  # left behind, but free: the kernel dropped the dead holder's lock
    lock = locks.try_lock(path)
    assert lock is not None and path.stat().st_ino == inode
    assert locks.holder(path) == f"{socket.gethostname()} {os.getpid()}"
    lock.release()
    assert not path.exists()


@pytest.mark.integration
def test_contending_processes_never_hold_it_together(tmp_path):
    """Four processes take and release the same lock thousands of times; each works in a
    file that only one holder may create at a time. The unlink-then-unlock release and
    the same-inode check are exercised on every round."""
    path = day_lock_path(tmp_path / "out", DAY)
    inside = tmp_path / "inside"
    procs = [
        subprocess.Popen(
            python_module(
                "reach_pipeline_tests.runner.lock_holder", "contend", str(path), "3000", str(inside)
            ),
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=300)[0].strip() for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, outputs
    held = [int(out) for out in outputs]
    print(f"rounds held per process: {held}")
    assert sum(held) > 0  # how often each got it depends on the machine; never two at once
    assert not path.exists() and not inside.exists()


def test_the_sweep_removes_only_locks_of_dead_holders(tmp_path, holders):
    out = tmp_path / "out"
    dead_path = day_lock_path(out, date(2025, 9, 1))
    dead = holders(dead_path)
    dead.kill()
    live_path = day_lock_path(out, date(2025, 9, 2))
    live = holders(live_path)
    fresh = day_lock_path(out, date(2025, 9, 3))
    fresh.touch()  # created this instant, no holder recorded yet: someone is taking it
    old = day_lock_path(out, date(2025, 9, 4))
    old.write_text("another-host 12345\n")
    os.utime(old, (0, 0))  # a day old at least, of a host we cannot ask

    removed = sweep_staging(out)

    assert sorted(removed) == sorted([dead_path, old])
    assert sorted(p.name for p in (out / STAGING_DIR).iterdir()) == [
        live_path.name,
        fresh.name,
    ]
    assert live.release() == 0
