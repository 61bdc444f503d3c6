"""Every command the README gives is run: here, by .ci/run (the first two), or by the
browser test (`dagster dev`). A README command no test knows fails this test."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

RUN_ELSEWHERE = {
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && ": ".ci/run runs it",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && ": ".ci/run runs it",
    ".venv/bin/dagster dev": "reach_pipeline_tests/ui/test_browser.py starts it",
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
    cwd, env = workspace
    shutil.copy(ROOT / "workspace.yaml", cwd)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home)
    env = {**env, "DAGSTER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for command in readme_commands():
        if "dagster asset materialize" in command or "concurrency set" in command:
            result = _shell(command, cwd, env)
            assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert list((cwd / "out/l1c/prelim/2025/09/02").glob("*.cdf"))
    # import-telemetry against the same instance: the CLI day is ours, nothing to import.
    command = next(c for c in readme_commands() if "import-telemetry" in c)
    result = _shell(command, cwd, env)
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
        assert len(keys) == 3 and all(k.startswith("l1c/prelim/2025/09/0") for k in keys)
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
