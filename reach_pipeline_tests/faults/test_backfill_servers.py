"""A UI backfill over good and malformed days through the real webserver and daemon: the
bad days fail with their reason, and the code servers and the daemon stay healthy."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import psutil
import pytest

from reach_pipeline.contract.telemetry import FAILED, PROCESSED
from reach_pipeline_tests.support.ports import free_ports

from .corpus import bad_days, copy_bad_days, names_the_problem
from .support import REPO, cdf_rel, clean_env, files_under, latest, tool, wait_for
from .support import write_sample_day as write_good_day

GOOD = [date(2026, 1, 20), date(2026, 1, 21)]
BAD_PICK = [date(2026, 1, 1), date(2026, 1, 4), date(2026, 1, 14)]

WORKSPACE_QUERY = """
query FaultsWorkspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation {
            name
            repositories {
              name
              sensors { name sensorState { id status } }
              schedules { name scheduleState { id status } }
            }
          }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

STOP_SENSOR = """
mutation FaultsStopSensor($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""

STOP_SCHEDULE = """
mutation FaultsStopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""

DAEMON_HEALTH = """
query FaultsDaemonHealth {
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
}
"""

LAUNCH_BACKFILL = """
mutation FaultsLaunchBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""

BACKFILL = """
query FaultsBackfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs { runId status tags { key value } } }
    ... on PythonError { message }
  }
}
"""

FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}


class _Server:
    def __init__(self, name: str, argv: list[str], env: dict, cwd: Path, log: Path):
        self.name, self.log = name, log
        with open(log, "wb") as handle:
            self.proc = subprocess.Popen(
                argv,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM its process group (it and what it started), SIGKILL what is left."""
        group = self.proc.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)  # polling for the group to exit
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


class _Web:
    def __init__(self, port: int, servers: list[_Server]):
        self.port, self.servers = port, servers

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.load(response)
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]

    def server_info_ok(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/server_info", timeout=5
            ) as response:
                return response.status == 200 and "dagster_webserver_version" in json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def loaded_repositories(self) -> list[dict] | None:
        data = self.graphql(WORKSPACE_QUERY)["workspaceOrError"]
        assert data["__typename"] == "Workspace", data
        repos = []
        for entry in data["locationEntries"]:
            if entry["loadStatus"] != "LOADED" or entry["locationOrLoadError"] is None:
                return None
            location = entry["locationOrLoadError"]
            assert location["__typename"] == "RepositoryLocation", location
            repos.extend(location["repositories"])
        return repos or None

    def daemons_healthy(self) -> bool:
        data = self.graphql(DAEMON_HEALTH)["instance"]["daemonHealth"]["allDaemonStatuses"]
        required = [d for d in data if d["required"]]
        return bool(required) and all(d["healthy"] for d in required)

    def wait(self, what: str, check, timeout_s: float = 180):
        def guarded():
            for server in self.servers:
                server.check()
            try:
                return check()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return None

        return wait_for(what, guarded, timeout_s=timeout_s, every_s=0.5)


def _code_servers(roots: list[_Server]) -> set[int]:
    """PIDs of the gRPC code servers the webserver and the daemon started."""
    found = set()
    for root in roots:
        for proc in psutil.Process(root.proc.pid).children(recursive=True):
            try:
                cmd = " ".join(proc.cmdline())
            except psutil.NoSuchProcess:
                continue
            if ("api grpc" in cmd or "code-server start" in cmd) and "execute" not in cmd:
                found.add(proc.pid)
    return found


@pytest.mark.integration
def test_ui_backfill_bad_days_fail_and_servers_stay_healthy(tmp_path):
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    corpus = {b.day: b for b in bad_days()}
    bad = [corpus[day] for day in BAD_PICK]
    copy_bad_days(input_dir, bad)
    for day in GOOD:
        write_good_day(input_dir, day)
    telemetry = tmp_path / "download_telemetry.csv"
    env = clean_env(
        tmp_path / "home",
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_TELEMETRY_PATH=str(telemetry),
        REACH_PARTITIONS_START="2025-12-01",
    )
    workspace = str(REPO / "workspace.yaml")
    port = free_ports(1)[0]
    servers: list[_Server] = []
    try:
        webserver = _Server(
            "dagster-webserver",
            [tool("dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", workspace],
            env,
            tmp_path,
            tmp_path / "webserver.log",
        )
        servers.append(webserver)
        web = _Web(port, servers)
        web.wait("/server_info", web.server_info_ok)
        repos = web.wait("the code location", web.loaded_repositories)
        # The input sensor would request its own run for every day file once the daemon
        # runs; stop the automation so the backfill's runs are the only ones.
        for repo in repos:
            for sensor in repo["sensors"]:
                if sensor["sensorState"]["status"] == "RUNNING":
                    answer = web.graphql(STOP_SENSOR, {"id": sensor["sensorState"]["id"]})
                    assert answer["stopSensor"]["__typename"] == "StopSensorMutationResult"
            for schedule in repo["schedules"]:
                if schedule["scheduleState"]["status"] == "RUNNING":
                    answer = web.graphql(STOP_SCHEDULE, {"id": schedule["scheduleState"]["id"]})
                    assert answer["stopRunningSchedule"]["__typename"] == "ScheduleStateResult"

        daemon = _Server(
            "dagster-daemon",
            [tool("dagster-daemon"), "run", "-w", workspace],
            env,
            tmp_path,
            tmp_path / "daemon.log",
        )
        servers.append(daemon)
        web.wait("healthy daemons", web.daemons_healthy)
        code_servers = web.wait("the code servers", lambda: _code_servers(servers))

        keys = sorted(d.isoformat() for d in [*BAD_PICK, *GOOD])
        params = {
            "tags": [{"key": "dagster/from_ui", "value": "true"}],
            "assetSelection": [{"path": ["reach_cdf"]}],
            "partitionNames": keys,
            "fromFailure": False,
        }
        launched = web.graphql(LAUNCH_BACKFILL, {"backfillParams": params})
        launched = launched["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        def finished():
            data = web.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
            assert data["__typename"] == "PartitionBackfill", data
            runs = data["runs"]
            # Every day's run done is enough: the backfill daemon marks the backfill
            # itself complete only at its next evaluation, up to 30 s later.
            done = len(runs) == len(keys) and all(r["status"] in FINISHED_RUN for r in runs)
            return data if done else None

        backfill = web.wait("the backfill's runs to finish", finished, timeout_s=240)
        assert backfill["status"] not in ("FAILED", "CANCELED"), backfill["status"]
        partitions = {
            tag["value"]: run["status"]
            for run in backfill["runs"]
            for tag in run["tags"]
            if tag["key"] == "dagster/partition"
        }
        assert partitions == {
            **{d.isoformat(): "FAILURE" for d in BAD_PICK},
            **{d.isoformat(): "SUCCESS" for d in GOOD},
        }

        state = latest(telemetry)
        for entry in bad:
            row = state[entry.day]
            assert row.status == FAILED, row
            assert names_the_problem(row, entry), (entry.phrase, row.error_message)
        for day in GOOD:
            assert state[day].status == PROCESSED
        assert files_under(out / "l1c") == sorted(out / cdf_rel(day) for day in GOOD)

        # Still healthy: the same processes alive, the webserver answering, the code
        # location loaded without error, every required daemon heartbeating.
        for server in servers:
            server.check()
        assert all(psutil.pid_exists(pid) for pid in code_servers), code_servers
        assert code_servers <= _code_servers(servers)
        assert web.server_info_ok()
        assert web.loaded_repositories()
        assert web.daemons_healthy()
    finally:
        for server in reversed(servers):
            server.stop()
