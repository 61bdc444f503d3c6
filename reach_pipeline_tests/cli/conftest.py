"""Fixtures for the command-line tests: every test gets its own workspace and runs the real
``reach-pipeline`` script in it (helpers in ``reach_pipeline_tests.support.cli_workspace``)."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from reach_pipeline_tests.faults import support as faults_support
from reach_pipeline_tests.support.cli_workspace import CliRunner, Workspace
from reach_pipeline_tests.support.data import EXAMPLES, SAMPLE_DAYS


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.input_dir.mkdir(parents=True)
    for day in SAMPLE_DAYS:
        (source,) = EXAMPLES.glob(f"REACH-ALL_{day.replace('-', '')}T000000_*.csv")
        ws.add_input(source)
    return ws


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """A minimal environment: no DAGSTER_HOME, no REACH_* or AWS_* settings, no AWS files."""
    return faults_support.clean_env(tmp_path / "home")


@pytest.fixture
def run_cli(workspace, clean_env) -> CliRunner:
    """``run_cli(*args, env=None, cwd=None)`` runs the real ``reach-pipeline`` script in
    the workspace (or in ``cwd``).

    ``env`` adds variables to the clean environment. Returns (exit code, stdout, stderr).
    """

    def run(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> tuple[int, str, str]:
        proc = subprocess.run(
            [*faults_support.console_script(), *args],
            cwd=cwd or workspace.root,
            env={**clean_env, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run


@pytest.fixture
def s3_env(s3_server) -> dict[str, str]:
    """What an operator sets to upload to the test server (no bucket)."""
    return s3_server.client_env()


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh, empty bucket on the session's S3 server, for this test alone."""
    name = f"cli-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def dagster_home(tmp_path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home
