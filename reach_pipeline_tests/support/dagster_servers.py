"""Real Dagster servers for tests and benchmarks: context managers that start and stop them.

::

    with dagster_servers(home, workspace, env, stop_automation=True) as servers:
        answer = launch_partition_backfill(servers.client, ["reach_cdf"], days)
    assert not servers.forced  # nothing needed SIGKILL

    with dagster_dev(home, workspace, env) as dev:
        page.goto(dev.base_url)

``dagster_servers`` starts ``dagster-webserver`` and ``dagster-daemon run`` as separate
processes; ``dagster_dev`` starts ``dagster dev`` (webserver and daemon under one
supervisor). Both use a free loopback port, ``DAGSTER_HOME=home``, run each server in its own
session, wait for readiness by polling with a deadline, remember every process of the trees
(a tracker thread), and on exit stop them by PID and prove that none outlived the stop.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

from .graphql import GraphQLClient, daemons_healthy, loaded_locations, stop_automation
from .ports import free_ports
from .processes import ServerError, ServerProcess, Tracker, poll, tool

T = TypeVar("T")
READY_S = 180.0


def process_role(cmdline: list[str]) -> str | None:
    """The part a process of a Dagster server tree plays, from its command line."""
    text = " ".join(cmdline)
    if ("api grpc" in text or "code-server start" in text) and "execute" not in text:
        return "code server"
    if "spawn_main" in text:
        return "run worker"
    if "resource_tracker" in text:
        return "mp helper"
    return None


class ServerGroup:
    """Servers started together and stopped together (the latest started first).

    A context manager: on a failed start or at exit, every server is stopped; ``forced``
    then lists the processes that needed SIGKILL. ``start`` adds a server to the group
    (e.g. a worker), so it is tracked and stopped with the others.
    """

    def __init__(
        self,
        home: Path,
        workspace: Path,
        env: dict[str, str],
        *,
        cwd: Path | None = None,
        log_dir: Path | None = None,
        stop_automation: bool = False,
        timeout_s: float = READY_S,
    ):
        self.home, self.workspace = Path(home), str(workspace)
        self.with_automation_stopped, self.timeout_s = stop_automation, timeout_s
        self.env = {**env, "DAGSTER_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        self.cwd = Path(cwd) if cwd else self.home
        self.log_dir = Path(log_dir) if log_dir else self.home.parent
        self.port = free_ports(1)[0]
        self.client = GraphQLClient(self.base_url)
        self.servers: list[ServerProcess] = []
        self.forced: list[str] = []
        self.ready_s: dict[str, float] = {}  # seconds each server took to be ready
        self.locations: list[dict] = []
        self.stopped_automation: list[str] = []
        self._tracker = Tracker(self.servers)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str, argv: list[str], **options) -> ServerProcess:
        """Start one more server of the group, logging to ``log_dir/<name>.log``."""
        server = ServerProcess(
            name, argv, env=self.env, cwd=self.cwd, log=self.log_dir / f"{name}.log", **options
        )
        self.servers.append(server)
        server.start()
        if not self._tracker.is_alive():
            self._tracker = Tracker(self.servers)  # (a thread starts only once)
            self._tracker.start()
        return server

    def check_alive(self) -> None:
        for server in self.servers:
            server.check_alive()

    def wait(self, what: str, check: Callable[[], T], timeout_s: float = READY_S, every_s=0.5):
        """Poll ``check()`` until truthy; ServerError at the deadline or if a server died."""
        return poll(what, check, timeout_s, every_s, guard=self.check_alive)

    def wait_for_locations(self) -> list[dict]:
        """Wait for /server_info, then for every code location loaded; then stop the
        automation if asked. Returns the locations."""
        t0 = time.monotonic()
        self.wait("the webserver's /server_info", self.client.server_info, self.timeout_s)
        self.locations = self.wait(
            "the code locations", lambda: loaded_locations(self.client), self.timeout_s
        )
        self.ready_s["webserver"] = time.monotonic() - t0
        if self.with_automation_stopped:
            self.stop_automation()
        return self.locations

    def stop_automation(self) -> list[str]:
        """Stop the running sensors and schedules (the daemon would act on them)."""
        self.stopped_automation = stop_automation(self.client, self.locations)
        return self.stopped_automation

    def code_servers(self) -> set[int]:
        """PIDs of the gRPC code servers in the trees now."""
        found = set()
        for server in self.servers:
            for proc in server.tree():
                try:
                    if process_role(proc.cmdline()) == "code server":
                        found.add(proc.pid)
                except psutil.Error:
                    continue
        return found

    def processes_seen(self) -> int:
        return sum(len(server.seen) for server in self.servers)

    def stop(self) -> list[str]:
        """Stop every server, the latest first (again: no-op); ServerError if any survived."""
        if self._tracker.is_alive():
            self._tracker.stop()
        errors, forced = [], []
        for server in reversed(self.servers):
            try:
                forced += [f"{server.name}: {p}" for p in server.stop()]
            except ServerError as exc:
                errors.append(str(exc))
        self.forced = forced
        if errors:
            raise ServerError("; ".join(errors))
        return forced

    def _start_all(self) -> None:
        """What entering the context starts (a bare group: nothing; see ``start``)."""

    def __enter__(self):
        try:
            self._start_all()
        except BaseException:
            self._stop_quietly()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.stop()
        else:
            self._stop_quietly()  # keep the original error

    def _stop_quietly(self) -> None:
        try:
            self.stop()
        except ServerError as error:
            print(f"while stopping the servers: {error}", file=sys.stderr)


class DagsterServers(ServerGroup):
    """``dagster-webserver`` then ``dagster-daemon run``, separate processes."""

    def __init__(
        self,
        home: Path,
        workspace: Path,
        env: dict[str, str],
        *,
        daemon: bool = True,
        before_daemon: Callable[[DagsterServers], None] | None = None,
        **options,
    ):
        super().__init__(home, workspace, env, **options)
        self.with_daemon, self.before_daemon = daemon, before_daemon
        self.webserver: ServerProcess | None = None
        self.daemon: ServerProcess | None = None

    def _start_all(self) -> None:
        host = ["-h", "127.0.0.1", "-p", str(self.port)]
        argv = [tool("dagster-webserver"), *host, "-w", self.workspace]
        self.webserver = self.start("webserver", argv)
        self.wait_for_locations()
        if self.before_daemon is not None:
            self.before_daemon(self)
        if self.with_daemon:
            self.start_daemon()

    def start_daemon(self) -> ServerProcess:
        """Start ``dagster-daemon run`` and wait until every required daemon is healthy."""
        t0 = time.monotonic()
        self.daemon = self.start("daemon", [tool("dagster-daemon"), "run", "-w", self.workspace])
        self.wait("healthy daemons", lambda: daemons_healthy(self.client), self.timeout_s, 1.0)
        self.ready_s["daemon"] = time.monotonic() - t0
        return self.daemon


class DagsterDev(ServerGroup):
    """``dagster dev``: its webserver, daemon and code servers under one supervisor.

    Stopped as an operator would (SIGTERM to ``dagster dev`` alone, then SIGINT), so that
    ``forced`` says whether it stopped its own children; SIGKILL only for what is left.
    """

    process: ServerProcess | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / "dagster-dev.log"

    def _start_all(self) -> None:
        argv = [tool("dagster"), "dev", "-w", self.workspace, "-h", "127.0.0.1"]
        self.process = self.start(
            "dagster-dev",
            [*argv, "-p", str(self.port)],
            signal_group=False,
            stop_signals=(signal.SIGTERM, signal.SIGINT),
        )
        self.wait_for_locations()

    def location_name(self) -> str:
        """The name of the workspace's one code location."""
        if len(self.locations) != 1:
            raise ServerError(f"expected one code location, got {self.locations}")
        return self.locations[0]["name"]


def dagster_servers(home: Path, workspace: Path, env: dict[str, str], **options) -> DagsterServers:
    """Webserver + daemon for ``with``; options as :class:`DagsterServers`."""
    return DagsterServers(home, workspace, env, **options)


def repo_servers(home: Path, env: dict[str, str], root: Path, **options) -> DagsterServers:
    """``dagster_servers`` of this checkout's ``workspace.yaml``, run in ``root`` with their
    logs there."""
    workspace = Path(__file__).resolve().parents[2] / "workspace.yaml"
    return DagsterServers(home, workspace, env, cwd=root, log_dir=root, **options)


def dagster_dev(home: Path, workspace: Path, env: dict[str, str], **options) -> DagsterDev:
    """``dagster dev`` for ``with``; options as :class:`DagsterDev`."""
    return DagsterDev(home, workspace, env, **options)
