"""A day's stage interrupted (Ctrl-C, a terminated run) is not a failed day: the steps catch
only Exception, so a BaseException leaves the day PENDING, with its processor child gone,
nothing placed, and no staging folder or lock file behind."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterExecutionInterruptedError

from reach_pipeline.contract.telemetry import (
    FAILED,
    PROCESS_PENDING,
    PROCESSED,
    UPLOAD_PENDING,
    TelemetryLog,
)
from reach_pipeline.defs.resources import day_log
from reach_pipeline.runner.isolation import STAGING_DIR
from reach_pipeline.settings import resolve_settings
from reach_pipeline.steps.l1c import run_l1c
from reach_pipeline.steps.outcome import Status
from reach_pipeline.steps.upload import run_upload
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.processes import running

from .support import (
    EXAMPLES,
    files_under,
    wait_for,
)

# Stops by signal, some with a bound on the time to stop: one at a time, on one xdist worker.
# slow(30): the group's tests together, one after the other on one process
pytestmark = [pytest.mark.xdist_group("stop_bounds"), pytest.mark.slow(30)]

DAY = date(2025, 9, 2)
SAMPLE = "REACH-ALL_20250902T000000_20250903T000000.csv"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    input_dir, out = tmp_path / "in", tmp_path / "out"
    input_dir.mkdir()
    shutil.copy(EXAMPLES / SAMPLE, input_dir / SAMPLE)
    return input_dir, out


def settings_for(input_dir: Path, out: Path, processor: str | None = None):
    explicit = {"input_dir": input_dir, "output_dir": out, "processor": processor}
    return resolve_settings(explicit, environ={})


def statuses(settings) -> list[str]:
    return [r.status for r in TelemetryLog(settings.telemetry_path).rows()]


@pytest.mark.integration
def test_a_real_sigint_while_processing_leaves_the_day_process_pending(folders):
    input_dir, out = folders
    settings = settings_for(input_dir, out, processors.GATED)

    def interrupt() -> None:
        wait_for("the processor to start", lambda: processors.started_processors(input_dir))
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt, daemon=True)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        run_l1c(settings, DAY, day_log(settings, "run-1"), baseline=0)
    thread.join(timeout=30)

    assert statuses(settings) == [PROCESS_PENDING]
    assert not running(processors.started_processors(input_dir)[SAMPLE])
    assert files_under(out) == []  # no product, no staging folder, no lock file
    assert list((out / STAGING_DIR).iterdir()) == []


def _cdf_of_the_day(settings) -> None:
    assert run_l1c(settings, DAY, day_log(settings, "run-0")).ok
    assert statuses(settings) == [PROCESS_PENDING, PROCESSED]


@pytest.mark.integration
def test_a_real_sigint_while_uploading_leaves_the_day_upload_pending(folders):
    input_dir, out = folders
    settings = settings_for(input_dir, out)
    _cdf_of_the_day(settings)

    def uploader(path, key):  # the upload is under way when the operator presses Ctrl-C
        os.kill(os.getpid(), signal.SIGINT)
        threading.Event().wait(60)
        raise AssertionError("not interrupted")

    with pytest.raises(KeyboardInterrupt):
        run_upload(settings, DAY, day_log(settings, "run-1"), uploader)

    assert statuses(settings)[2:] == [UPLOAD_PENDING]
    assert list((out / STAGING_DIR).iterdir()) == []


# What an uploader (or anything inside a step) may raise, and what the day becomes: an
# Exception is the day's failure; a BaseException is an interruption and passes through.
RAISED = [
    (RuntimeError("endpoint refused"), FAILED),
    (OSError("connection reset"), FAILED),
    (KeyboardInterrupt(), UPLOAD_PENDING),
    (DagsterExecutionInterruptedError(), UPLOAD_PENDING),
    (SystemExit(1), UPLOAD_PENDING),
]


@pytest.mark.parametrize(("raised", "left"), RAISED, ids=lambda v: type(v).__name__)
def test_only_an_exception_fails_the_day(folders, raised, left):
    input_dir, out = folders
    settings = settings_for(input_dir, out)
    _cdf_of_the_day(settings)

    def uploader(path, key):
        raise raised

    if isinstance(raised, Exception):
        outcome = run_upload(settings, DAY, day_log(settings, "run-1"), uploader)
        assert outcome.status == Status.FAILED and str(raised) in outcome.failure.message
    else:
        with pytest.raises(type(raised)):
            run_upload(settings, DAY, day_log(settings, "run-1"), uploader)
    assert statuses(settings)[2:] == [UPLOAD_PENDING, FAILED][: 2 if left == FAILED else 1]
    assert TelemetryLog(settings.telemetry_path).latest_by_day()[DAY].status == left
    assert list((out / STAGING_DIR).iterdir()) == []  # the day's lock went with the step
