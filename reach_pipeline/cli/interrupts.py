"""SIGINT and SIGTERM stop ``reach-pipeline process``, whatever Dagster does with them.

What Dagster 1.13's in-process execution (``materialize``) does with a signal, read in
``dagster/_utils/interrupts.py``, ``_core/errors.py``, ``_core/execution/api.py`` and
``_core/execution/plan/execute_plan.py``:

- For the whole run, ``capture_interrupts()`` replaces the SIGINT handler with one that only
  sets a flag. Every time Dagster swaps the SIGINT handler it also points SIGTERM at it, so
  SIGTERM does the same, and after the run both signals share whatever handler SIGINT had
  before: from then on a Python handler cannot tell them apart.
- Around each step's code (the asset body, so our steps), ``raise_execution_interrupts()``
  installs a handler that raises ``DagsterExecutionInterruptedError`` (a BaseException) at
  the point the step has reached, and raises it at once on entry if the flag is set.
- The step is logged as failed (an interrupt), the run as failed ("Execution was interrupted
  unexpectedly"), and with ``raise_on_error=False`` ``materialize`` then returns normally,
  as after any failed run: a loop over days went on with the next day.
- A signal that lands after the run's last step (its teardown) only sets the flag, which
  ``capture_interrupts`` clears on exit: it is lost.

So the command line does not learn of a signal from any handler. ``signal.set_wakeup_fd``
makes the interpreter write the number of every signal that has a Python handler (ours,
Dagster's flag, Dagster's raise) to a pipe, whichever handler then runs; the command line
reads that pipe after each day and before the next, and stops. Outside Dagster's runs (while
planning, between days) our own handler raises KeyboardInterrupt, so it stops at once.
Inside a step the interruption kills the processor child (``runner.forkworker``) and leaves
the day PENDING (the steps catch only Exception).

Dagster logs the interrupted step and run as errors with their tracebacks; once a stop
signal has come, ``StopSignals.quiet()`` drops what is written to stderr during the run
(Dagster's console logger writes to whatever ``sys.stderr`` is at the time), so the one
line the command line prints says what was interrupted. The run's event log keeps it all.
"""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from reach_pipeline.contract.telemetry import PROCESS_PENDING, UPLOAD_PENDING, TelemetryRow
from reach_pipeline.stages import REACH_CDF, REACH_CDF_S3

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _raise(signum, frame) -> None:
    raise KeyboardInterrupt


class StopSignals:
    """While entered: SIGINT/SIGTERM raise KeyboardInterrupt outside Dagster, and
    ``received()`` says which of them arrived first, wherever it was handled."""

    def __enter__(self) -> StopSignals:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._first: int | None = None
        self._handlers = {sig: signal.signal(sig, _raise) for sig in STOP_SIGNALS}
        self._wakeup = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        return self

    def received(self) -> int | None:
        """The first SIGINT/SIGTERM received since entering, or ``None``."""
        while True:
            try:
                data = os.read(self._read, 512)
            except BlockingIOError:
                break
            if not data:
                break
            for number in data:
                if self._first is None and number in STOP_SIGNALS:
                    self._first = number
        return self._first

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """While entered, writes to ``sys.stderr`` are dropped once a stop signal came."""
        stream = sys.stderr
        sys.stderr = _UntilStopped(stream, self)
        try:
            yield
        finally:
            sys.stderr = stream

    def __exit__(self, *exc_info) -> None:
        signal.set_wakeup_fd(self._wakeup)
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        os.close(self._read)
        os.close(self._write)


class _UntilStopped(io.TextIOBase):
    """A text stream that passes writes on until a stop signal has been received."""

    def __init__(self, stream, stop: StopSignals):
        self._stream = stream
        self._stop = stop

    def write(self, text: str) -> int:
        if self._stop.received() is None:
            return self._stream.write(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return self._stream.encoding


def exit_code(signum: int) -> int:
    """What a shell reports for a process ended by ``signum``: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


_IN_FLIGHT = {
    PROCESS_PENDING: f"while processing {{day}} ({REACH_CDF}): the day is left PROCESS_PENDING",
    UPLOAD_PENDING: f"while uploading {{day}} ({REACH_CDF_S3}): the day is left UPLOAD_PENDING",
}


def interrupted_line(
    signum: int, day: date | None, rows: list[TelemetryRow], not_started: list[date]
) -> str:
    """The one line saying what a signal interrupted: the day and its stage (from the rows
    the day got since the plan), and the days that were not started."""
    name = signal.Signals(signum).name
    if day is None:
        what = "before any day started"
    elif not rows:
        what = f"before {day} started"
    elif rows[-1].status in _IN_FLIGHT:
        what = _IN_FLIGHT[rows[-1].status].format(day=day)
    else:
        what = f"after {day} ended {rows[-1].status}"
    line = f"reach-pipeline: interrupted by {name} {what}"
    if not_started:
        line += f"; {len(not_started)} day(s) not started ({not_started[0]} .. {not_started[-1]})"
    if not_started or (rows and rows[-1].status in _IN_FLIGHT):
        line += "; the same command completes them"
    return line
