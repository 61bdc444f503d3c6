"""A long-lived helper process that forks one child per day to run the processor.

The parent (a Dagster run worker, the CLI) starts it once; it imports the processing
code once, then for each request forks a child that changes into the staging folder,
runs the processor and writes its result next to the product. Forking a warm process
takes milliseconds where a fresh interpreter spends ~0.5 s importing numpy, pyarrow and
cdflib. (multiprocessing's forkserver would re-import the parent's ``__main__`` in every
child — the whole Dagster CLI — which costs the same again.)

Protocol, one JSON object per line: the parent writes ``{"processor", "input",
"staging", "options"}``; the worker answers ``{"pid": N}`` once the child runs and
``{"exit": code}`` when it ends. The child leaves ``RESULT_NAME`` in the staging folder.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .processor import ProcessingFailed, run_request


class ProcessingTimeout(ProcessingFailed):
    def __init__(self, seconds: float):
        super().__init__(
            "ProcessingTimeout", f"processor did not finish within {seconds:g} s and was killed"
        )


# ----------------------------------------------------------------- worker side


def serve(stdin=sys.stdin, stdout=sys.stdout) -> None:
    # Warm the heavy imports (pyarrow, pandas, cdflib) once: every child inherits them.
    import reach_pipeline.processing.api  # noqa: F401

    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                # The protocol pipe is the worker's alone: whatever the processor writes
                # to stdout (print, C libraries) goes to stderr instead.
                os.dup2(sys.stderr.fileno(), stdout.fileno())
                run_request(
                    request["processor"],
                    request["input"],
                    request["staging"],
                    request.get("options") or {},
                )
            except BaseException:  # noqa: BLE001 - the child exits with a code, whatever happened
                code = 1
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except BaseException:  # noqa: BLE001 - exiting anyway
                        pass
                os._exit(code)
        stdout.write(json.dumps({"pid": pid}) + "\n")
        stdout.flush()
        _, status = os.waitpid(pid, 0)
        stdout.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        stdout.flush()


# ----------------------------------------------------------------- parent side


class ForkWorker:
    """The parent's handle on its fork worker, started on first use (one per process)."""

    _lock = threading.Lock()
    _proc: subprocess.Popen | None = None

    @classmethod
    def run(
        cls,
        processor: str,
        input_path: Path,
        staging: Path,
        timeout_s: float,
        options: dict | None = None,
    ) -> int:
        """Run one request; return the child's exit code. Kill it after ``timeout_s``."""
        with cls._lock:
            proc = cls._ensure()
            request = {
                "processor": processor,
                "input": str(input_path),
                "staging": str(staging),
                "options": options or {},
            }
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
                [sys.executable, "-m", __name__],
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


if __name__ == "__main__":
    serve()
