"""Server processes started in their own session, remembered with psutil, stopped by PID.

A :class:`ServerProcess` is one command (a webserver, a daemon, ``dagster dev``, a worker)
whose process group holds it and everything it starts. Every process seen in its tree is
remembered, so :meth:`ServerProcess.stop` can prove that none of them outlived the stop,
including ones that left the tree (re-parented to init) before the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")

# A child started from a background job inherits SIGINT (and maybe SIGTERM) ignored, and
# Python keeps an ignored disposition: such a server would not react to the signals we
# send. GNU env resets them before it execs the command (the PID stays the same).
DEFAULT_SIGNALS = ("env", "--default-signal=INT,TERM")


class ServerError(RuntimeError):
    """A server did not start, died, or could not be stopped."""


def tool(name: str) -> str:
    """A console script of this interpreter's environment, else one on PATH."""
    here = Path(sys.executable).with_name(name)
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise ServerError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def python_module(module: str, *args: str) -> list[str]:
    """The argv of ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def running(proc: psutil.Process | int) -> bool:
    """Still running: a zombie (exited, not yet reaped by its parent) does not count."""
    try:
        proc = psutil.Process(proc) if isinstance(proc, int) else proc
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_if_running(proc: subprocess.Popen, *, group: bool = False) -> None:
    """Cleanup after a failure: SIGKILL to a command still running (to its whole process
    group with ``group``, for one started in its own session), then reap it."""
    if proc.poll() is None:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()


def wait_gone(procs: Sequence[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until none of ``procs`` runs any more; return the ones still running."""
    deadline = time.monotonic() + timeout_s
    alive = [p for p in procs if running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)  # polling process exit, bounded by the deadline
        alive = [p for p in alive if running(p)]
    return alive


def describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} ({' '.join(proc.cmdline()[:4])})"
    except psutil.Error:
        return f"{proc.pid}"


def poll(
    what: str,
    check: Callable[[], T],
    timeout_s: float,
    every_s: float = 0.5,
    guard: Callable[[], None] | None = None,
) -> T:
    """Call ``check()`` until it returns something truthy; ServerError at the deadline.

    ``guard()`` runs before each try (to fail early when a server died). An ``OSError``
    from ``check`` (connection refused, a server not answering yet) counts as "not yet".
    """
    deadline = time.monotonic() + timeout_s
    last: object = None
    while True:
        if guard is not None:
            guard()
        try:
            result = check()
        except OSError as exc:
            result, last = None, exc
        if result:
            return result
        if time.monotonic() > deadline:
            raise ServerError(f"timed out after {timeout_s:g} s waiting for {what} (last: {last})")
        time.sleep(every_s)  # polling interval, bounded by the deadline


ProcTable = dict[int, tuple[int, int]]


def proc_table() -> ProcTable:
    """Every process now: ``{pid: (parent pid, start time)}``, from one pass over
    ``/proc/<pid>/stat`` (about half what one psutil ``children(recursive=True)`` costs,
    and one pass serves every server of a tracker)."""
    table: ProcTable = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # ended since the listing
            continue
        # after "pid (comm) ": state ppid pgrp session ... starttime is the 20th field
        fields = stat[stat.rfind(b")") + 2 :].split(b" ", 20)
        table[int(entry.name)] = (int(fields[1]), int(fields[19]))
    return table


def descendants(table: ProcTable, root: int) -> list[int]:
    """``root`` (if it is in ``table``) and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root] if root in table else []
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


class ServerProcess:
    """One command in its own session; ``stop()`` ends its whole tree by PID.

    ``signal_group``: the stop signals go to the process group (everything it started) or,
    when False, to the command alone (for a supervisor such as ``dagster dev`` that stops
    its own children; the group is still killed if they do not go).
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log: Path,
        signal_group: bool = True,
        stop_signals: tuple[signal.Signals, ...] = (signal.SIGTERM,),
    ):
        self.name, self.argv, self.env, self.cwd, self.log = name, argv, env, cwd, log
        self.signal_group = signal_group
        self.stop_signals = stop_signals
        self.proc: subprocess.Popen | None = None
        self.seen: dict[int, psutil.Process] = {}
        self.started: dict[int, int] = {}  # PID -> its start time (clock ticks after boot)
        self.forced: list[str] = []
        self.stopped = False
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} not started"
        return self.proc.pid

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as handle:
            self.proc = subprocess.Popen(
                [*DEFAULT_SIGNALS, *self.argv],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.track()

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log, lines)

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise ServerError(
                f"{self.name} exited with {self.proc.returncode}; last lines of {self.log}:\n"
                + self.tail()
            )

    def track(self, table: ProcTable | None = None) -> None:
        """Remember every process now in the tree (a tracker thread calls it often, with
        one ``proc_table()`` for all its servers)."""
        if self.proc is None:
            return
        table = proc_table() if table is None else table
        for pid in descendants(table, self.proc.pid):
            # a PID can be reused: a new start time is a new process
            if self.started.get(pid) == table[pid][1]:
                continue
            try:
                proc = psutil.Process(pid)
            except psutil.NoSuchProcess:
                continue
            with self._lock:
                self.seen[pid], self.started[pid] = proc, table[pid][1]

    def tree(self) -> list[psutil.Process]:
        """The processes in the tree now (the command first)."""
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self, grace_s: float = 30.0, kill_wait_s: float = 15.0) -> list[str]:
        """Stop the tree; return the processes that needed SIGKILL (none if it was clean).

        Each stop signal in turn, waiting up to ``grace_s`` for the command; then up to
        ``grace_s`` for every remembered process; then SIGKILL to the group and to any
        remembered process still running. ServerError if anything survives that. Once
        stopped, a second call returns the same list.
        """
        if self.proc is None or self.stopped:
            return self.forced
        self.track()
        for sig in self.stop_signals:
            if self.proc.poll() is not None:
                break
            self._send(sig)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                continue
        with self._lock:
            seen = list(self.seen.values())
        alive = wait_gone(seen, grace_s)
        self.forced = [describe(p) for p in alive]
        if alive or self.proc.poll() is None:
            self._send(signal.SIGKILL, group=True)
            for proc in alive:  # also the ones that left the process group
                try:
                    proc.kill()
                except psutil.NoSuchProcess:
                    pass
            alive = wait_gone(alive, kill_wait_s)
        try:
            self.proc.wait(timeout=kill_wait_s)
        except subprocess.TimeoutExpired:
            alive.append(psutil.Process(self.proc.pid))
        self.stopped = not alive
        if alive:
            raise ServerError(
                f"{self.name}: processes survived SIGKILL: " + ", ".join(map(describe, alive))
            )
        return self.forced

    def _send(self, sig: signal.Signals, group: bool | None = None) -> None:
        try:
            if self.signal_group if group is None else group:
                os.killpg(self.pid, sig)  # own session: the group id is its PID
            else:
                os.kill(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class Tracker(threading.Thread):
    """Calls ``track()`` on every server every ``interval_s``, until stopped."""

    def __init__(self, servers: list[ServerProcess], interval_s: float = 0.25):
        super().__init__(daemon=True, name="server-tracker")
        self.servers, self.interval_s = servers, interval_s
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval_s):
            table = proc_table()  # one pass over /proc for every server
            for server in list(self.servers):
                server.track(table)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
