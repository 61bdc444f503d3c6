"""Every command the README gives is run: here, or by .ci/run (the first two). A README
command no test knows fails this test."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import psutil
import pytest

from reach_pipeline_tests.support.instance_reads import (
    create_storage,
    day_runs,
    sensor_ticks,
    ticks_after,
)
from reach_pipeline_tests.support.ports import free_ports
from reach_pipeline_tests.support.process_tree import ProcessTree
from reach_pipeline_tests.support.processes import poll, running

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

RUN_ELSEWHERE = {
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && ": ".ci/run runs it",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && ": ".ci/run runs it",
    "deploy/workers.sh ": "reach_pipeline_tests/deploy/test_workers_script.py runs it",
}


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _elsewhere(command: str) -> bool:
    return any(command.startswith(prefix) for prefix in RUN_ELSEWHERE)


def _shell(command: str, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    command = command.replace(".venv/bin/", f"{BIN}/")
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def workspace(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    return tmp_path, env


def test_the_first_two_lines_are_the_two_commands():
    first = readme_commands()[:2]
    assert first[0].startswith(next(iter(RUN_ELSEWHERE)))
    assert "reach-pipeline process" in first[0]
    assert first[1].endswith(".venv/bin/pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "readme_command" in ci and "for n in 1 2" in ci  # .ci/run runs both


def test_every_readme_command_is_known():
    known = (
        "reach-pipeline process",
        "reach-pipeline status",
        "reach-pipeline import-telemetry",
        "dagster asset materialize",
        "dagster instance concurrency set",
        "mkdir -p dagster_home && cp dagster.yaml dagster_home/",
        "dagster dev",
        "kill -INT -- -$(cat dagster_dev.pid)",
        "weed mini",
    )
    for command in readme_commands():
        assert _elsewhere(command) or any(k in command for k in known), command


@pytest.mark.integration
def test_readme_cli_commands(workspace):
    cwd, env = workspace
    commands = [c for c in readme_commands() if not _elsewhere(c)]
    local = [
        c
        for c in commands
        if "reach-pipeline" in c and "--upload-to-s3" not in c and "import-telemetry" not in c
    ]
    first = next(c for c in readme_commands() if "reach-pipeline process" in c)
    run = _shell(first.split(" && ")[-1], cwd, env)
    assert run.returncode == 0, run.stderr
    assert "processed=3" in run.stdout
    for command in local:
        result = _shell(command, cwd, env)
        assert result.returncode == 0, (command, result.stderr)
    assert (cwd / "examples/udl/download_telemetry.csv").is_file()
    assert "skip_no_input" in _shell(next(c for c in local if "--dry-run" in c), cwd, env).stdout


@pytest.mark.integration
def test_readme_dagster_commands(workspace, tmp_path):
    """The one-day line records its run in the UI's instance, dagster_home/ (it names it)."""
    cwd, env = workspace
    for name in ("workspace.yaml", "dagster.yaml"):
        shutil.copy(ROOT / name, cwd)
    env = {**env, "PYTHONPATH": str(ROOT)}
    setup = next(c for c in readme_commands() if c.startswith("mkdir -p dagster_home"))
    assert _shell(setup, cwd, env).returncode == 0
    home = cwd / "dagster_home"
    [command] = [c for c in readme_commands() if "dagster asset materialize" in c]
    result = _shell(command, cwd, env)
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert list((cwd / "out/l1c/prelim/2025/09/02").glob("*.cdf"))
    [run] = day_runs(home)
    assert run.tags["dagster/partition"] == "2025-09-02"
    # import-telemetry against the same instance: the CLI day is ours, nothing to import.
    command = next(c for c in readme_commands() if "import-telemetry" in c)
    result = _shell(command, cwd, {**env, "DAGSTER_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert "imported 0 day(s)" in result.stdout


@pytest.mark.integration
def test_readme_s3_commands(workspace, tmp_path):
    """The README's SeaweedFS command (default ports) and the upload command after it."""
    cwd, env = workspace
    weed_cmd = next(c for c in readme_commands() if "weed mini" in c)
    weed_cmd = weed_cmd.replace("/tmp/seaweed", str(tmp_path / "seaweed"))
    upload_cmd = next(c for c in readme_commands() if "--upload-to-s3" in c)
    server = subprocess.Popen(
        ["bash", "-c", weed_cmd.replace(".venv/bin/", f"{BIN}/")],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        client = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:8333",
            aws_access_key_id="k",
            aws_secret_access_key="s",
            region_name="us-east-1",
        )
        _wait_for_bucket(client, "reach-data", server)
        result = _shell(upload_cmd, cwd, env)
        assert result.returncode == 0, result.stderr
        assert "uploaded=3" in result.stdout
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="reach-data")["Contents"]]
        l1c = [k for k in keys if k.startswith("l1c/prelim/2025/09/0")]
        l2 = [k for k in keys if k.startswith("l2/prelim/2025/09/0") and k.endswith(".cdf")]
        assert len(l1c) == 3 and len(l2) == 3, keys
        assert all(k.startswith(("l1c/", "l2/")) for k in keys), keys
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # bash and weed: the whole session
        server.wait(timeout=30)


def _wait_for_bucket(client, bucket, server, timeout_s=60.0):
    from botocore.exceptions import BotoCoreError, ClientError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, "weed mini exited"
        try:
            client.head_bucket(Bucket=bucket)
            return
        except (BotoCoreError, ClientError):
            time.sleep(0.2)  # polling the server's readiness, with a deadline
    raise AssertionError("the README's S3 server never answered")


def _start_dev(command: str, cwd: Path, env: dict, log: Path) -> ProcessTree:
    """The README's `dagster dev` line, on a free loopback port instead of 3000."""
    port = free_ports(1)[0]
    line = command.replace(".venv/bin/", f"{BIN}/") + f" -h 127.0.0.1 -p {port}"
    server = ProcessTree(["bash", "-c", line], cwd=cwd, env=env, log_path=log)
    server.start()
    return server


class Background:
    """The README's background `dagster dev` (a session of its own, its pid in a file),
    on a free loopback port instead of 3000, and stopped by the README's line."""

    def __init__(self, start: str, stop: str, cwd: Path, env: dict):
        self.stop_line, self.cwd, self.env = stop, cwd, env
        port = free_ports(1)[0]
        line = start.replace("dagster dev", f"dagster dev -h 127.0.0.1 -p {port}")
        result = _shell(line, cwd, env)  # returns at once: the server runs on by itself
        assert result.returncode == 0, result.stderr
        self.pid = int((cwd / "dagster_dev.pid").read_text())
        self._wait_for_its_session()

    def _wait_for_its_session(self, timeout_s: float = 30.0) -> None:
        """Until ``setsid`` has made the session: the shell returns when it has started the
        background job, which may not have run yet (under load, the first look at the
        session found none, and an empty log)."""

        def alive() -> None:
            if not running(self.pid):
                log = (self.cwd / "dagster_dev.log").read_text()[-3000:]
                raise AssertionError(f"the background dagster dev ended at once: {log}")

        poll("setsid's session", lambda: os.getsid(self.pid) == self.pid, timeout_s, 0.05, alive)

    def session(self) -> list[psutil.Process]:
        """Every live process of its session: dagster dev and all it started."""
        found = []
        for proc in psutil.process_iter():
            try:
                if os.getsid(proc.pid) == self.pid and proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except (OSError, psutil.Error):
                continue  # gone meanwhile
        return found

    def check_alive(self) -> None:
        alive = any(p.pid == self.pid for p in self.session())
        assert alive, (self.cwd / "dagster_dev.log").read_text()[-3000:]

    def stop(self, timeout_s: float = 60.0) -> list[str]:
        """The README's stop line; what is still running after ``timeout_s`` is killed
        (by pid) and returned."""
        result = _shell(self.stop_line, self.cwd, self.env)
        deadline = time.monotonic() + timeout_s
        while (left := self.session()) and time.monotonic() < deadline:
            time.sleep(0.5)  # polling the process table, bounded by the deadline
        killed = []
        for proc in left:
            with contextlib.suppress(psutil.Error):
                killed.append(" ".join(proc.cmdline()[:4]))
                proc.kill()
        assert result.returncode == 0, result.stderr
        return killed


def _wait(what: str, check, server: ProcessTree | Background, timeout_s: float = 180.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        server.check_alive()
        result = check()
        if result:
            return result
        time.sleep(0.5)  # polling the instance, bounded by the deadline
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def _slots(home: Path) -> int:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        return instance.event_log_storage.get_concurrency_info("reach_cdf").slot_count


@pytest.mark.integration
@pytest.mark.slow(25)
def test_readme_ui_commands_keep_the_instance_across_a_restart(workspace, tmp_path):
    """The UI section's commands: `dagster dev` on the persistent home, the pool command
    against it while it runs; after a restart the runs, the pool limit and the input
    sensor's cursor are still there (no second baseline). The restart is the README's
    background start, from this non-interactive shell (which starts background jobs with
    SIGINT ignored), and the README's stop line leaves no process of it behind."""
    cwd, env = workspace
    for name in ("workspace.yaml", "dagster.yaml"):
        shutil.copy(ROOT / name, cwd)
    env = {**env, "REACH_INPUT_SENSOR_INTERVAL_S": "2"}
    commands = readme_commands()
    setup = next(c for c in commands if c.startswith("mkdir -p dagster_home"))
    dev = next(c for c in commands if "dagster dev" in c)
    background = next(c for c in commands if c.startswith("(setsid env --default-signal"))
    stop = next(c for c in commands if c.startswith("kill -INT -- -"))
    pool = next(c for c in commands if "concurrency set" in c)
    materialize = next(c for c in commands if "dagster asset materialize" in c)
    home = cwd / "dagster_home"
    sensor = "reach_input_sensor"

    assert _shell(setup, cwd, env).returncode == 0
    assert (home / "dagster.yaml").read_text() == (ROOT / "dagster.yaml").read_text()
    create_storage(home)
    server = _start_dev(dev, cwd, env, tmp_path / "dev-1.log")
    try:
        first = _wait("the sensor's first tick", ticks_after(home, sensor, 1), server)[0]
        assert "baseline of 3 day file(s)" in first.skip_reason
        # the pool line and the one-day line name the home themselves
        for command in (pool, materialize):
            result = _shell(command, cwd, env)
            assert result.returncode == 0, (command, result.stdout, result.stderr)
    finally:
        forced = server.stop()
    assert not forced, f"outlived dagster dev (killed): {forced}"
    before = sensor_ticks(home, sensor)
    [run] = day_runs(home)
    assert _slots(home) == 2

    known = {t.tick_id for t in before}

    def evaluated_after_restart():
        # a tick interrupted by the stop may be closed after the restart: look for a tick
        # that evaluated the folder
        new = [t for t in sensor_ticks(home, sensor) if t.tick_id not in known]
        return new if any(t.skip_reason or t.run_ids for t in new) else None

    server = Background(background, stop, cwd, env)
    try:
        new = _wait("a tick after the restart", evaluated_after_restart, server)
    finally:
        forced = server.stop()
    assert not forced, f"outlived the README's stop line (killed): {forced}"
    assert known <= {t.tick_id for t in sensor_ticks(home, sensor)}
    reasons = [t.skip_reason for t in new if t.skip_reason]
    assert reasons and all("no new or changed day files" in r for r in reasons), reasons
    assert not any(t.run_ids for t in new)
    assert [r.run_id for r in day_runs(home)] == [run.run_id]
    assert _slots(home) == 2
