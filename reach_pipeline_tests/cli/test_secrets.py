"""No secret anywhere: an upload run with the server's real secret, and one with a wrong
sentinel secret, leave neither in the telemetry, the console output, the Dagster event log
or the metadata."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance

from reach_pipeline_tests.support.cli_workspace import process_args

pytestmark = pytest.mark.integration

SENTINEL = "SENTINEL-secret-6f1d2c-must-not-leak"


def event_log_text(home) -> str:
    """Everything the instance recorded: every event of every run, metadata included."""
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert runs
        return "\n".join(repr(entry) for run in runs for entry in instance.all_logs(run.run_id))


@pytest.mark.parametrize("secret", ["server's", "sentinel"])
def test_no_secret_in_any_output(workspace, run_cli, s3_env, bucket, dagster_home, secret):
    env = {**s3_env, "DAGSTER_HOME": str(dagster_home)}
    if secret == "sentinel":
        env["AWS_SECRET_ACCESS_KEY"] = SENTINEL
    value = env["AWS_SECRET_ACCESS_KEY"]

    code, out, err = run_cli(
        *process_args("2025-09-02", "2025-09-02", "--upload-to-s3", "--s3-bucket", bucket, "-v"),
        env=env,
    )

    assert code == (0 if secret == "server's" else 1), err[-2000:]
    for where, text in {
        "stdout": out,
        "stderr": err,
        "telemetry": workspace.telemetry.read_text(),
        "event log": event_log_text(dagster_home),
    }.items():
        assert value not in text, where
