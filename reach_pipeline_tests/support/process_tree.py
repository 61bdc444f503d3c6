"""A server started for a test (``dagster-daemon run``, ``dagster dev``), stopped by PID.

A stopgap until the shared harness for real Dagster servers lands: the process runs in its
own session, every process ever seen in its tree is remembered (psutil compares creation
times, so a reused PID is not confused with ours), and ``stop()`` proves none of them
outlived the shutdown, including ones re-parented to init before the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _running(proc: psutil.Process) -> bool:
    """Still running: a zombie (exited, not reaped yet) does not count."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} ({' '.join(proc.cmdline()[:4])})"
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return str(proc.pid)


def still_running(procs: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until none of ``procs`` runs; return the ones still running at the deadline."""
    deadline = time.monotonic() + timeout_s
    alive = [p for p in procs if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)  # polling process exit, bounded by the deadline
        alive = [p for p in alive if _running(p)]
    return alive


@dataclass
class ProcessTree:
    """``argv`` run in its own session, output to ``log_path``."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    def start(self) -> None:
        # "env --default-signal": a test run in the background (SIGINT ignored by the
        # shell that started pytest) must not hand that to the server.
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["env", "--default-signal=INT,TERM", *self.argv],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.track()

    def check_alive(self) -> None:
        self.track()
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(
                f"{self.argv[0]} exited with {self.process.returncode}:\n" + log_tail(self.log_path)
            )

    def track(self) -> None:
        """Remember every process now in the tree (call it often while it runs)."""
        if self.process is None:
            return
        try:
            root = psutil.Process(self.process.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            known = self.seen.get(proc.pid)
            if known is None or known != proc:
                self.seen[proc.pid] = proc

    def stop(self, graceful_s: float = 30.0, forced_s: float = 15.0) -> list[str]:
        """SIGTERM, then SIGINT, to the leader; SIGKILL to its group and to any remembered
        process still running. Returns the processes that needed SIGKILL (none when the
        shutdown was clean); raises if any survived even that."""
        if self.process is None:
            return []
        self.track()
        pid = self.process.pid
        for sig, wait_s in ((signal.SIGTERM, graceful_s), (signal.SIGINT, 5.0)):
            if self.process.poll() is not None:
                break
            os.kill(pid, sig)
            try:
                self.process.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        alive = still_running(list(self.seen.values()), graceful_s)
        forced = [_describe(p) for p in alive]
        if alive or self.process.poll() is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for proc in alive:  # the ones that left the group
                try:
                    proc.kill()
                except psutil.NoSuchProcess:
                    pass
            alive = still_running(alive, forced_s)
        try:
            self.process.wait(timeout=forced_s)
        except subprocess.TimeoutExpired:
            alive.append(psutil.Process(pid))
        if alive:
            raise RuntimeError("survived SIGKILL: " + ", ".join(_describe(p) for p in alive))
        return forced
