"""A long-lived helper process that runs the processor, one request (day) at a time.

The parent (a Dagster run worker, the CLI) starts one per thread and processor that uses
it (``ForkWorker``); the worker imports the processing code once. Then, for each request:

- **Our own processors** (the L1C, the geomap: a processor function marked
  ``reuses_process = True``) run in the worker itself, day after day, so their memory
  stays warm: a full day's L1C allocates ~600 MB, which a fresh process faults in (and the
  kernel zeroes) every time, ~1 CPU-second of a ~2.5 CPU-second day. The worker changes
  into the request's staging folder for the call and back after it, and the processor's
  stdout goes to stderr meanwhile (the protocol pipe is the worker's).
- **Any other processor** (``REACH_PROCESSOR``, a plug-in) runs in a child forked for the
  request, which changes into the staging folder: each day starts from the worker's
  state, whatever the processor did with its globals the day before. Forking a warm
  process takes milliseconds where a fresh interpreter spends ~0.5 s importing numpy,
  pyarrow and cdflib. (multiprocessing's forkserver would re-import the parent's
  ``__main__`` in every child — the whole Dagster CLI — which costs the same again.)

The guarantees are the same either way. A request's timeout kills what runs it (the child,
or the worker with its process group); a crash fails only its day (the worker is
replaced for the next request); nothing partial is placed (the staging folder is the
caller's, ``isolation``).

Protocol, one JSON object per line: the parent writes ``{"id", "processor", "input",
"staging", "options", "result"}``; the worker answers ``{"id", "pid"}`` once the request
runs (the pid of the process that runs it: the child, or the worker itself) and
``{"id", "exit"}`` when it ends, each reply carrying its request's id. The processor's
result goes to the ``result`` file.

Staying in step. A request is over for the parent when it has read the request's
``exit`` reply: the child has then exited and been reaped, or the worker is done with it.
Anything else that ends a request early (KeyboardInterrupt, Dagster's run termination, a
timeout of a request the worker runs itself, any error between the request and its last
reply) discards the worker: the worker's process group (the worker, the child, anything
the processor started) is killed with SIGKILL, the worker reaped, the child's exit
awaited through a pidfd, and the next request starts a fresh worker. So no reply is ever
left in a pipe for a later request to read; a reply with another id (which this cannot
produce) is refused as a protocol error, and the worker discarded too.

Idle workers end. A worker that gets no request for ``IDLE_EXIT_S`` (a minute) exits,
handing its warm memory (~0.6 GB for the L1C's, 0.3 GB for the geomap's) back to the
machine: a process that executes run after run (a Celery worker) does not hold it while it
waits for its next run, while the days of a run, or of a command-line invocation (one run a
day in one process), follow each other within seconds and keep theirs. The parent never
sends to a worker that may be exiting: after half that time without a request it ends the
worker itself (end-of-file on its stdin) and starts a new one.

The worker runs in its own process group: a Ctrl-C at the terminal (SIGINT to the
foreground group) reaches only the parent, which decides. If the parent dies (SIGKILL, a
crash), the worker sees end-of-file on its stdin: it kills the running child and exits,
or, running the request itself, exits at once.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .processor import ProcessingFailed, load_processor, run_request

# The worker's memory settings, inherited by the children it forks. Freed memory stays
# with the process for the next day instead of going back to the kernel, only to be
# faulted in and zeroed again a moment later: pyarrow's allocator (mimalloc) hands freed
# pages back after 10 ms by default, and glibc's malloc maps each large numpy array afresh
# (below 32 MB it reuses its heap). OpenBLAS gets one thread: its idle threads spin on the
# core that the other day's stage is using.
ALLOCATOR_ENV = {
    "MIMALLOC_PURGE_DELAY": "-1",
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(2 * 1024**3),
    "OPENBLAS_NUM_THREADS": "1",
}
_REPLY_S = 60.0  # the worker answers "pid" at once and "exit" at once after a kill
# A worker without a request for this long exits; its parent starts a new one after half
# of it (ForkWorker.idle_exit_s, given to the worker when it starts).
IDLE_EXIT_S = 60.0
_CLOSE_S = 10.0  # a worker told to end (end-of-file) exits in milliseconds
_SETTLE_S = 10.0  # a SIGKILLed process is gone in milliseconds unless the kernel holds it


class ProcessingTimeout(ProcessingFailed):
    def __init__(self, seconds: float):
        super().__init__(
            "ProcessingTimeout", f"processor did not finish within {seconds:g} s and was killed"
        )


@dataclass
class Request:
    """One run of the processor, and what the parent knows of its child."""

    processor: str
    input_path: Path
    staging: Path
    options: dict | None = None
    result: Path | None = None  # where the child reports (outside the output folder)
    pid: int | None = None
    # No child of this request can still be running (none started, or it has exited):
    # only then may its staging folder go.
    settled: bool = True


# ----------------------------------------------------------------- worker side


class _Lines:
    """Lines from a pipe, read with os.read so that select() on the fd tells the truth."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = b""

    def next(self, timeout_s: float | None = None) -> bytes | None:
        """The next line without its newline; ``None`` at end of file. Raises TimeoutError
        when no whole line came within ``timeout_s``."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while b"\n" not in self.buffer:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                    raise TimeoutError
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


def _reply(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


def _processed(request: dict) -> int:
    """Run the processor of ``request`` (its result goes to the request's result file);
    0, or 1 if anything escaped (a child's exit code, whoever runs it)."""
    code = 0
    try:
        run_request(
            request["processor"],
            request["input"],
            request["staging"],
            request.get("options") or {},
            request["result"],
        )
    except BaseException:  # noqa: BLE001 - an exit code, whatever happened
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - the request is over anyway
                pass
    return code


def _child(request: dict, stdout_fd: int) -> None:
    """In the forked child: run the processor; never returns."""
    code = 1
    try:
        # The protocol pipe is the worker's alone: whatever the processor writes to stdout
        # (print, C libraries) goes to stderr instead.
        os.dup2(2, stdout_fd)
        code = _processed(request)
    finally:
        os._exit(code)


class _ParentWatch:
    """While the worker runs a request itself: if its stdin turns readable (the parent is
    gone, or broke the protocol by writing), the worker exits at once, taking the
    processor's work with it (what it wrote stays in staging, for the sweep)."""

    def __init__(self, fd: int):
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._watch, args=(fd,), daemon=True)
        self._thread.start()

    def _watch(self, fd: int) -> None:
        ready, _, _ = select.select([fd, self._wake_r], [], [])
        if fd in ready:
            os._exit(3)

    def stop(self) -> None:
        os.write(self._wake_w, b"x")
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)


def _run_here(request: dict, lines: _Lines, stdout_fd: int) -> int | None:
    """Run the request in the worker itself (``reuses_process``); its exit code, or
    ``None`` if the parent wrote before it (a broken protocol: the worker then ends)."""
    if lines.buffer:
        return None
    # The folder itself, not its name: the parent's folder, which the worker started in,
    # may have been removed since (os.getcwd() then fails).
    home = os.open(".", os.O_PATH | os.O_DIRECTORY)
    protocol = os.dup(stdout_fd)
    os.dup2(2, stdout_fd)  # what the processor prints goes to stderr, as in a child
    watch = _ParentWatch(lines.fd)
    try:
        code = _processed(request)
    finally:
        watch.stop()
        os.dup2(protocol, stdout_fd)
        os.close(protocol)
        os.fchdir(home)
        os.close(home)
    return code


def _await_child(pid: int, lines: _Lines) -> int | None:
    """The child's exit code; ``None`` if the parent went away (or broke the protocol by
    writing) first, in which case the child is killed and reaped."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd, lines.fd], [], [])
        if lines.fd in ready or lines.buffer:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
    finally:
        os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def warm(processor: str) -> None:
    """Import what ``processor`` needs once: every request (and every child) then finds
    it loaded. matplotlib gets a lasting cache folder, or it would rebuild its font cache in
    every worker whose HOME is new."""
    os.environ.setdefault(
        "MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), f"reach-matplotlib-{os.getuid()}")
    )
    if processor.startswith(GEOMAP_PROCESSORS):
        import reach_pipeline.geomap.api
        import reach_pipeline.geomap.overview
        import reach_pipeline.geomap.quicklook

        prepare_quicklooks()
    else:  # the L1C, or a plug-in: numpy, pyarrow, pandas, cdflib are what they load
        import reach_pipeline.processing.api  # noqa: F401


GEOMAP_PROCESSORS = "reach_pipeline.geomap"


def prepare_quicklooks() -> None:
    """Build the quicklook figures with their backgrounds drawn, before the first L2:
    every later day's L2 finds them ready. A failure here costs only that saving: each
    day then builds its own."""
    from reach_pipeline.geomap import overview, quicklook

    try:
        overview.prepare()
        quicklook.prepare()
    except Exception:  # noqa: BLE001 - the maps are drawn without the prepared figures
        pass


def reuses_process(processor: str) -> bool:
    """Whether ``processor`` says it may run again and again in one process: its function
    has ``reuses_process = True`` (ours do). One that cannot be loaded here is run in a
    child, which reports why."""
    try:
        return getattr(load_processor(processor), "reuses_process", False) is True
    except Exception:  # noqa: BLE001 - the child reports the failure to load it
        return False


def serve(
    processor: str, stdin_fd: int = 0, stdout_fd: int = 1, idle_exit_s: float = IDLE_EXIT_S
) -> None:
    """Serve requests for ``processor`` until the parent closes the pipe, or until none has
    come for ``idle_exit_s``."""
    warm(processor)
    here = reuses_process(processor)
    gc.freeze()  # the imported modules' objects: no garbage collection scans them again
    lines = _Lines(stdin_fd)
    try:
        while (line := lines.next(idle_exit_s)) is not None:
            if not line.strip():
                continue
            request = json.loads(line)
            if request["processor"] != processor:
                return  # a request for another processor: a broken protocol
            if here:
                _reply(stdout_fd, {"id": request["id"], "pid": os.getpid()})
                code = _run_here(request, lines, stdout_fd)
            else:
                pid = os.fork()
                if pid == 0:
                    _child(request, stdout_fd)
                _reply(stdout_fd, {"id": request["id"], "pid": pid})
                code = _await_child(pid, lines)
            if code is None:
                return
            _reply(stdout_fd, {"id": request["id"], "exit": code})
    except BrokenPipeError:
        return  # the parent is gone: nothing to report to
    except TimeoutError:
        return  # idle: the parent starts a new worker for its next request


# ----------------------------------------------------------------- parent side


class _Lane(threading.local):
    """The thread's workers, by processor."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}


class ForkWorker:
    """The parent's handle on its fork workers, each started on first use: one per thread
    of the parent and processor (a run that makes one day's L2 while the next day's L1C
    parses has two, each serving its own requests one at a time; the L1C's worker never
    loads matplotlib, the geomap's keeps its figures). A worker outlives its thread only
    until its stdin is closed: it then exits."""

    _lock = threading.Lock()  # guards the ids only; each thread talks to its own worker
    _lane = _Lane()
    _ids = itertools.count(1)
    idle_exit_s = IDLE_EXIT_S  # for the workers started from now on

    @classmethod
    def run(cls, request: Request, timeout_s: float) -> int:
        """Run one request; return the child's exit code. Kill it after ``timeout_s``.

        Returns only once the child has exited. On any exception ``request.settled`` says
        whether the child is known to be gone (see the module docstring)."""
        # One thread, one worker per processor: no lock is held while the request runs.
        proc = cls._ensure(request.processor)
        with cls._lock:
            rid = next(cls._ids)
        message = {
            "id": rid,
            "processor": request.processor,
            "input": str(request.input_path),
            "staging": str(request.staging),
            "options": request.options or {},
            "result": str(request.result),
        }
        pidfd = None
        request.settled = False
        try:
            proc.stdin.write((json.dumps(message) + "\n").encode())
            proc.stdin.flush()
            request.pid = cls._reply(proc, rid, "pid", _REPLY_S)
            pidfd = _pidfd(request.pid)
            try:
                code = cls._reply(proc, rid, "exit", timeout_s)
            except TimeoutError:
                if request.pid == proc.pid:  # the worker runs it: the worker goes
                    cls._discard(proc)
                else:
                    if pidfd is not None:
                        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    cls._reply(proc, rid, "exit", _REPLY_S)
                request.settled = True
                raise ProcessingTimeout(timeout_s) from None
            request.settled = True
            return code
        except BaseException:
            if not request.settled:
                cls._discard(proc)
                request.settled = _gone(pidfd, proc.pid)
            raise
        finally:
            proc.idle_since = time.monotonic()
            if pidfd is not None:
                os.close(pidfd)

    @classmethod
    def _ensure(cls, processor: str) -> subprocess.Popen:
        proc = cls._lane.procs.get(processor)
        if proc is not None and (proc.poll() is not None or cls._idle_long(proc)):
            cls._close(proc)  # exited when idle, or may be about to: never send to it
            proc = None
        if proc is None:
            idle_exit_s = cls.idle_exit_s
            proc = cls._lane.procs[processor] = subprocess.Popen(
                [sys.executable, "-m", __name__, processor, str(idle_exit_s)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Unbuffered: a buffered reader could swallow the "exit" line together with
                # the "pid" line, and select() would then wait for it until the timeout.
                bufsize=0,
                process_group=0,  # its own group: the terminal's signals go to the parent
                env={**os.environ, **ALLOCATOR_ENV},
            )
            # Its idle time, and since when it has had no request (the parent's clock).
            proc.idle_exit_s, proc.idle_since = idle_exit_s, time.monotonic()
        return proc

    @classmethod
    def _idle_long(cls, proc: subprocess.Popen) -> bool:
        """Idle for half its idle time or more (the shorter of the worker's and the one now
        in force): it may exit on its own before a request sent now reaches it."""
        idle_s = time.monotonic() - proc.idle_since
        return idle_s >= min(cls.idle_exit_s, proc.idle_exit_s) / 2

    @classmethod
    def _close(cls, proc: subprocess.Popen) -> None:
        """End an idle worker, or one that has exited: end-of-file on its stdin, then reap
        it (killed if it has not exited within ``_CLOSE_S``) and close its pipes."""
        proc.stdin.close()
        try:
            proc.wait(_CLOSE_S)
        except subprocess.TimeoutExpired:
            cls._discard(proc)  # kills its group, reaps it, forgets it
            return
        cls._forget(proc)
        proc.stdout.close()

    @classmethod
    def _forget(cls, proc: subprocess.Popen) -> None:
        for processor, known in list(cls._lane.procs.items()):
            if known is proc:
                del cls._lane.procs[processor]

    @classmethod
    def _discard(cls, proc: subprocess.Popen) -> None:
        """Kill the worker's whole process group (worker, child, the processor's own
        children) and reap the worker; the next request starts a fresh one."""
        cls._forget(proc)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    @classmethod
    def _reply(cls, proc: subprocess.Popen, rid: int, key: str, timeout_s: float):
        """The value of ``key`` in the worker's next line, which must answer request ``rid``."""
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        if not ready:
            raise TimeoutError
        line = proc.stdout.readline()  # unbuffered: reads this line only
        if not line:
            raise ProcessingFailed("ProcessorCrashed", "the processor's fork worker exited")
        reply = json.loads(line)
        if reply.get("id") != rid or key not in reply:
            raise ProcessingFailed(
                "ProcessorCrashed",
                f"the processor's fork worker answered {reply!r} to request {rid} "
                f"(expected its {key!r})",
            )
        return reply[key]


def _pidfd(pid: int) -> int | None:
    """A pidfd on the child; ``None`` if it has already exited and been reaped (a child
    that fails at once can be gone before its pid is read)."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None


def _gone(pidfd: int | None, group: int) -> bool:
    """Whether the killed child is known to have exited: its pidfd turns readable when it
    does (a zombie counts). Without a pid (killed before it was reported), whether its
    process group is empty."""
    if pidfd is not None:
        ready, _, _ = select.select([pidfd], [], [], _SETTLE_S)
        return bool(ready)
    deadline = time.monotonic() + _SETTLE_S
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)  # polling the kernel for the group's end, bounded
    return False


if __name__ == "__main__":
    serve(sys.argv[1], idle_exit_s=float(sys.argv[2]) if len(sys.argv) > 2 else IDLE_EXIT_S)
