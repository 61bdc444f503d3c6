"""Processors marked ``reuses_process`` run in the fork worker itself, day after day, with
the same guarantees as a child forked per day: each day in its own staging folder, the
worker's current directory and protocol pipe its own again after the day, a timeout, a
crash or an interruption failing only its day (nothing placed, staging removed, the next
day in a new worker).

Real worker processes, real signals (SIGKILL to the worker, SIGINT to this process),
through ``run_isolated``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import psutil
import pytest

from reach_pipeline.runner.forkworker import ForkWorker, ProcessingTimeout
from reach_pipeline.runner.isolation import STAGING_DIR, run_isolated
from reach_pipeline.runner.processor import ProcessingFailed
from reach_pipeline.steps.l1c import l1c_arrangement
from reach_pipeline_tests.faults.support import wait_for
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.processes import running

FIRST = ("REACH-ALL_20250902T000000_20250903T000000.csv", date(2025, 9, 2))
SECOND = ("REACH-ALL_20250903T000000_20250904T000000.csv", date(2025, 9, 3))
CDF = "reach_all_l1c_prelim_{:%Y%m%d}T000000_v1.0.0.cdf"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def run(input_dir: Path, output_dir: Path, which, processor: str, timeout_s: float = 120):
    name, day = which
    path = input_dir / name
    return run_isolated(
        path,
        output_dir,
        processor=processor,
        arrange=l1c_arrangement(day, path),
        timeout_s=timeout_s,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def placed_cdf(day: date) -> str:
    return f"l1c/prelim/{day:%Y/%m/%d}/{CDF.format(day)}"


def staging_left(output_dir: Path) -> list[Path]:
    return list((output_dir / STAGING_DIR).iterdir())


def the_next_day_runs_in_a_new_worker(inputs: Path, out: Path, gone: int) -> None:
    """Let the gated processor through: the second day is placed, alone, by a running
    worker that is not ``gone`` (the one that ran the first day)."""
    processors.release_processors(inputs)
    placed = run(inputs, out, SECOND, processors.WARM_GATED)
    worker = processors.started_processors(inputs)[SECOND[0]]
    assert worker != gone
    assert running(worker)
    assert [r["pid"] for r in runs_of(inputs)] == [worker]
    assert [p.name for p in placed.files] == [CDF.format(SECOND[1])]
    assert files_under(out) == [placed_cdf(SECOND[1])]
    assert staging_left(out) == []


def runs_of(input_dir: Path) -> list[dict]:
    """What the recording processors wrote, in the order they ran."""
    return sorted(processors.recorded_intervals(input_dir), key=lambda r: r["start"])


def kill_when_started(input_dir: Path, name: str, parents: list[int]) -> threading.Thread:
    """SIGKILL to the process that runs the gated processor on ``name``, once it has
    started (for a warm processor: the fork worker itself); its parent's pid goes to
    ``parents``."""

    def kill() -> None:
        pid = wait_for(
            "the gated processor to start",
            lambda: processors.started_processors(input_dir).get(name),
        )
        parents.append(psutil.Process(pid).ppid())
        os.kill(pid, signal.SIGKILL)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


def test_warm_days_run_in_the_worker_each_in_its_own_staging(inputs, out):
    here = Path.cwd()

    first = run(inputs, out, FIRST, processors.WARM_RECORDING)
    [day1] = runs_of(inputs)
    worker = psutil.Process(day1["pid"])
    # Between requests the worker is back in its own folder, not in the day's (removed).
    assert Path(worker.cwd()) == here
    assert staging_left(out) == []

    second = run(inputs, out, SECOND, processors.WARM_RECORDING)
    assert Path(worker.cwd()) == here
    # A third request after both staging folders are gone: the worker's folder is intact.
    third = run(inputs, out, FIRST, processors.WARM_RECORDING)
    assert Path(worker.cwd()) == here

    day1, day2, day3 = runs_of(inputs)
    assert [r["input"] for r in (day1, day2, day3)] == [FIRST[0], SECOND[0], FIRST[0]]
    # One process, the worker this test process started, for all three days.
    assert day1["pid"] == day2["pid"] == day3["pid"] == worker.pid
    assert worker.ppid() == os.getpid()
    # Each day in its own staging folder, all gone now.
    staging_root = (out / STAGING_DIR).resolve()
    assert [Path(r["cwd"]).parent for r in (day1, day2, day3)] == [staging_root] * 3
    assert len({r["cwd"] for r in (day1, day2, day3)}) == 3
    assert staging_left(out) == []
    assert Path.cwd() == here
    assert [p.name for p in first.files + second.files + third.files] == [
        CDF.format(FIRST[1]),
        CDF.format(SECOND[1]),
        CDF.format(FIRST[1]),
    ]
    assert files_under(out) == [placed_cdf(FIRST[1]), placed_cdf(SECOND[1])]


def test_idle_workers_end_and_each_next_day_gets_a_new_one(inputs, out, monkeypatch):
    """A worker idle for ``idle_exit_s`` exits by itself, giving its warm memory back (a
    Celery worker process waiting for its next run); after half that time its parent ends
    it rather than send it a day it may be exiting under. Every day is still made, each by
    a new worker, and no ended worker is left unreaped."""
    monkeypatch.setattr(ForkWorker, "idle_exit_s", 1.0)

    def worker_of_last_day() -> int:
        return runs_of(inputs)[-1]["pid"]

    def children() -> list[int]:
        return [c.pid for c in psutil.Process().children()]

    run(inputs, out, FIRST, processors.WARM_RECORDING)
    first = worker_of_last_day()
    # Past half the idle time, short of all of it: the parent ends it, it does not run day 2
    time.sleep(0.6)  # the idle time is what is under test, not a synchronization
    run(inputs, out, SECOND, processors.WARM_RECORDING)
    second = worker_of_last_day()
    assert second != first and not running(first) and first not in children()

    # Left alone, the second worker exits by itself about a second after its day.
    wait_for("the idle worker to exit", lambda: not running(second), timeout_s=30)
    run(inputs, out, FIRST, processors.WARM_RECORDING)
    third = worker_of_last_day()
    assert third not in (first, second) and second not in children()
    assert files_under(out) == [placed_cdf(FIRST[1]), placed_cdf(SECOND[1])]
    assert staging_left(out) == []


def test_a_plug_in_still_runs_in_a_fresh_child_per_day(inputs, out):
    for which in (FIRST, SECOND):
        run(inputs, out, which, processors.RECORDING)

    day1, day2 = runs_of(inputs)
    assert day1["pid"] != day2["pid"]
    # Both children of one worker (which this test process started), neither the worker.
    worker = psutil.Process(day1["ppid"])
    assert day2["ppid"] == worker.pid
    assert worker.ppid() == os.getpid()
    assert worker.pid not in (day1["pid"], day2["pid"])
    assert not running(day1["pid"]) and not running(day2["pid"])
    assert files_under(out) == [placed_cdf(FIRST[1]), placed_cdf(SECOND[1])]


@pytest.mark.integration  # waits out a 2 s timeout
def test_a_timeout_discards_the_worker_and_the_next_day_gets_a_new_one(inputs, out):
    with pytest.raises(ProcessingTimeout) as info:
        run(inputs, out, FIRST, processors.WARM_GATED, timeout_s=2)  # never released

    assert info.value.error_type == "ProcessingTimeout"
    hung = processors.started_processors(inputs)[FIRST[0]]
    assert not running(hung)
    assert files_under(out) == []
    assert staging_left(out) == []

    the_next_day_runs_in_a_new_worker(inputs, out, hung)


def test_a_worker_killed_mid_day_fails_only_that_day(inputs, out):
    parents: list[int] = []
    thread = kill_when_started(inputs, FIRST[0], parents)
    with pytest.raises(ProcessingFailed) as info:
        run(inputs, out, FIRST, processors.WARM_GATED)
    thread.join(timeout=30)

    assert info.value.error_type == "ProcessorCrashed"
    assert parents == [os.getpid()]  # the killed process was the worker, no child of it
    killed = processors.started_processors(inputs)[FIRST[0]]
    assert not running(killed)
    assert files_under(out) == []
    assert staging_left(out) == []

    the_next_day_runs_in_a_new_worker(inputs, out, killed)


def test_an_interrupted_warm_day_discards_the_worker(inputs, out):
    """Ctrl-C (a real SIGINT to this process) while the worker runs a day itself: the
    worker goes before run_isolated returns, only then its staging; the next day runs."""

    def interrupt() -> None:
        wait_for(
            "the gated processor to start",
            lambda: FIRST[0] in processors.started_processors(inputs),
        )
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        run(inputs, out, FIRST, processors.WARM_GATED)
    thread.join(timeout=30)

    interrupted = processors.started_processors(inputs)[FIRST[0]]
    assert not running(interrupted)
    assert files_under(out) == []
    assert staging_left(out) == []

    processors.release_processors(inputs)
    placed = run(inputs, out, SECOND, processors.WARM_GATED)
    assert processors.started_processors(inputs)[SECOND[0]] != interrupted
    assert [p.name for p in placed.files] == [CDF.format(SECOND[1])]


def test_what_a_warm_processor_prints_stays_off_the_protocol(inputs, out, capfd):
    first = run(inputs, out, FIRST, processors.WARM_CHATTY)
    second = run(inputs, out, SECOND, processors.WARM_CHATTY)

    assert [p.name for p in first.files + second.files] == [
        CDF.format(FIRST[1]),
        CDF.format(SECOND[1]),
    ]
    assert files_under(out) == [placed_cdf(FIRST[1]), placed_cdf(SECOND[1])]
    # It went to the worker's stderr instead (the worker inherited this test's, captured).
    err = capfd.readouterr().err
    assert err.count("chatty: print to stdout") == 2
    assert err.count("chatty: write to fd 1") == 2


def test_a_worker_whose_folder_was_removed_still_runs_days(inputs, out, tmp_path, monkeypatch):
    """The worker starts in the parent's folder; a run started in a folder removed since
    (a release folder replaced by a deploy) still makes its days (every day through our
    processors failed as "ProcessorCrashed": the worker could not name its folder)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    # The test processors are importable from the repository's folder, which is no
    # longer the worker's: name it (an installed processor needs nothing of the kind).
    repo = str(Path(__file__).resolve().parents[2])
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.chdir(gone)
    gone.rmdir()
    outcomes: list = []

    def days() -> None:  # a thread of its own: its own worker, started in the removed folder
        try:
            for which in (FIRST, SECOND):
                outcomes.append(run(inputs, out, which, processors.WARM_RECORDING))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            outcomes.append(exc)

    thread = threading.Thread(target=days)
    thread.start()
    thread.join(timeout=120)

    assert [type(o).__name__ for o in outcomes] == ["Placed", "Placed"], outcomes
    day1, day2 = runs_of(inputs)
    assert day1["pid"] == day2["pid"]
    assert files_under(out) == [placed_cdf(FIRST[1]), placed_cdf(SECOND[1])]
