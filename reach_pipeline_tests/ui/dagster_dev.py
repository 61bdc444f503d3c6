"""``dagster dev`` on a free loopback port for browser tests, stopped by PID.

The process runs in its own session (so its process group holds the webserver, the daemon,
the code servers and the run workers). Every process seen in that tree is remembered with
psutil, so ``stop()`` can prove that none of them outlived the shutdown, including ones that
left the tree (re-parented to init) before the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from reach_pipeline_tests.support.ports import free_ports

LOCATIONS_QUERY = """
query ReachUiTestLocations {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class DagsterDev:
    """One ``dagster dev -w WORKSPACE`` process tree."""

    workspace: Path
    cwd: Path
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---------------------------------------------------------------------- start

    def start(self, timeout_s: float = 90.0) -> None:
        self.port = self.port or free_ports(1)[0]
        args = [
            # Without this, a dagster dev started in the background (SIGINT/SIGTERM ignored
            # by the shell that started pytest) would not react to the signals stop() sends.
            "env",
            "--default-signal=INT,TERM",
            _dagster_executable(),
            "dev",
            "-w",
            str(self.workspace),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                args,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.track()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            self.track()
            if self._server_info() is not None:
                return
            time.sleep(0.25)  # polling the server's readiness, bounded by the deadline
        raise RuntimeError(
            f"dagster dev did not answer /server_info within {timeout_s:.0f} s:\n"
            + log_tail(self.log_path)
        )

    def wait_for_location(self, timeout_s: float = 90.0) -> str:
        """Wait until the workspace's one code location is loaded; return its name."""
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            self._check_alive()
            self.track()
            try:
                data = self.graphql(LOCATIONS_QUERY)["workspaceOrError"]
            except (OSError, RuntimeError) as exc:
                last = exc
            else:
                entries = data.get("locationEntries") or []
                last = entries
                if len(entries) == 1 and entries[0]["loadStatus"] == "LOADED":
                    loaded = entries[0]["locationOrLoadError"] or {}
                    if loaded.get("__typename") == "PythonError":
                        raise RuntimeError(f"code location failed to load: {loaded['message']}")
                    return entries[0]["name"]
            time.sleep(0.25)  # polling, bounded by the deadline
        raise RuntimeError(f"code location not loaded within {timeout_s:.0f} s (last: {last!r})")

    def graphql(self, query: str, variables: dict | None = None, timeout_s: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            payload = json.load(response)
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def _server_info(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"{self.base_url}/server_info", timeout=2) as response:
                if response.status != 200:
                    return None
                info = json.load(response)
        except (OSError, ValueError, urllib.error.URLError):
            return None
        return info if "dagster_webserver_version" in info else None

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"dagster dev exited with {self.process.returncode}:\n" + log_tail(self.log_path)
            )

    # -------------------------------------------------------------------- tracking

    def track(self) -> None:
        """Remember every process currently in the tree (call it often while running)."""
        if self.process is None:
            return
        try:
            root = psutil.Process(self.process.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            known = self.seen.get(proc.pid)
            # a PID can be reused: psutil compares creation times in ==
            if known is None or known != proc:
                self.seen[proc.pid] = proc

    # ------------------------------------------------------------------------ stop

    def stop(self, graceful_s: float = 30.0, forced_s: float = 15.0) -> list[str]:
        """Stop the tree by PID; return the processes that needed SIGKILL (none if clean).

        SIGTERM to ``dagster dev`` (it stops its webserver, daemon and code servers), then
        SIGINT, then SIGKILL to its process group, then SIGKILL to any remembered process
        still running. Raises if anything is still alive after all that.
        """
        if self.process is None:
            return []
        self.track()
        pid = self.process.pid
        if self.process.poll() is None:
            for sig, wait_s in ((signal.SIGTERM, graceful_s), (signal.SIGINT, 5.0)):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait_s)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # the children exit a moment after dagster dev itself
        alive = wait_gone(list(self.seen.values()), graceful_s)
        forced = [_describe(proc) for proc in alive]
        if alive or self.process.poll() is None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            for proc in alive:  # ones that left the process group
                try:
                    proc.kill()
                except psutil.NoSuchProcess:
                    pass
            alive = wait_gone(alive, forced_s)
        try:
            self.process.wait(timeout=forced_s)
        except subprocess.TimeoutExpired:
            alive.append(psutil.Process(pid))
        if alive:
            raise RuntimeError(
                "processes survived SIGKILL: " + ", ".join(_describe(p) for p in alive)
            )
        return forced


def _running(proc: psutil.Process) -> bool:
    """Still running: a zombie (exited, not yet reaped by its parent) does not count."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(procs: list[psutil.Process], timeout_s: float) -> list[psutil.Process]:
    """Wait until none of ``procs`` runs any more; return the ones still running."""
    deadline = time.monotonic() + timeout_s
    alive = [p for p in procs if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)  # polling process exit, bounded by the deadline
        alive = [p for p in alive if _running(p)]
    return alive


def _dagster_executable() -> str:
    candidate = Path(sys.executable).with_name("dagster")
    return str(candidate) if candidate.exists() else "dagster"


def _describe(proc: psutil.Process) -> str:
    try:
        return f"{proc.pid} ({' '.join(proc.cmdline()[:4])})"
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return f"{proc.pid}"
