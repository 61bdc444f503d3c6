"""Operator mistakes in a Dagster run (a real instance): the run fails with one line naming
the setting and the fix, is not retried, and writes no telemetry row; no day is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, materialize

from reach_pipeline.contract.telemetry import PROCESSED
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline_tests.support.dagster_days import (
    cdfs_in,
    day_rows,
    materialize_day,
    resources_for,
)
from reach_pipeline_tests.support.data import REPO

DAY = "2025-09-02"


def failure_text(result) -> str:
    """The description of the run's one step failure (no retry, no second failure)."""
    assert not result.success
    [event] = result.get_step_failure_events()
    retries = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert retries == []
    return event.step_failure_data.user_failure_data.description


def assert_untouched(telemetry_path: Path, output_dir: Path, before: bytes | None) -> None:
    if telemetry_path.is_dir():
        assert list(telemetry_path.iterdir()) == []
    else:
        assert (telemetry_path.read_bytes() if telemetry_path.exists() else None) == before
    assert not output_dir.exists() or cdfs_in(output_dir) == []


@pytest.mark.parametrize(
    ("make", "needles"),
    [
        ("input_gone", ["REACH_INPUT_DIR", "does not exist", "mount it"]),
        ("input_file", ["REACH_INPUT_DIR", "is not a folder"]),
        ("output_file", ["REACH_OUTPUT_DIR", "is a file"]),
        ("telemetry_folder", ["REACH_TELEMETRY_PATH", "is a folder"]),
        ("telemetry_garbage", ["REACH_TELEMETRY_PATH", "is not a telemetry CSV", "binary"]),
    ],
)
def test_a_wrong_path_fails_the_run_without_a_row(
    make, needles, input_dir, output_dir, telemetry_path, instance, tmp_path
):
    fields = {"input_dir": str(input_dir), "output_dir": str(output_dir)}
    telemetry = telemetry_path
    if make == "input_gone":
        fields["input_dir"] = str(tmp_path / "mnt" / "reach")
        telemetry = tmp_path / "mnt" / "reach" / "download_telemetry.csv"
    elif make == "input_file":
        fields["input_dir"] = str(next(input_dir.glob("*.csv")))
    elif make == "output_file":
        output_dir.write_text("a file")
    elif make == "telemetry_folder":
        telemetry = tmp_path / "telemetry"
        telemetry.mkdir()
        fields["telemetry_path"] = str(telemetry)
    elif make == "telemetry_garbage":
        telemetry_path.write_bytes(bytes(range(256)) * 16)
    before = telemetry.read_bytes() if telemetry.is_file() else None

    result = materialize_day(DAY, resources_for(ReachSettings(**fields)), instance)

    text = failure_text(result)
    assert "\n" not in text
    for needle in needles:
        assert needle in text
    if make == "output_file":
        assert output_dir.read_text() == "a file"
    else:
        assert_untouched(telemetry, output_dir, before)
    assert not (tmp_path / "mnt").exists()


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("REACH_PROCESS_TIMEOUT_S", "1h", "REACH_PROCESS_TIMEOUT_S must be a number of seconds"),
        ("REACH_OUTPUT_FORMAT", "xml", "REACH_OUTPUT_FORMAT must be one of csv, json"),
        ("REACH_AVAILABILITY_WARN_PCT", "ninety", "REACH_AVAILABILITY_WARN_PCT must be"),
    ],
)
def test_a_malformed_variable_fails_the_run_without_a_row(
    variable, value, needle, resources, instance, telemetry_path, output_dir, monkeypatch
):
    monkeypatch.setenv(variable, value)

    result = materialize_day(DAY, resources, instance)

    assert needle in failure_text(result)
    assert_untouched(telemetry_path, output_dir, None)


def test_an_upload_with_no_bucket_is_not_configured_not_a_failure(
    settings, instance, telemetry_path
):
    """Selected with no bucket set ("Materialize all" in the UI), an upload is skipped
    saying so: the run succeeds, the day keeps its state, nothing is red."""
    assert materialize_day(DAY, resources_for(settings), instance).success
    assert [r.status for r in day_rows(telemetry_path, DAY)][-1] == PROCESSED
    before = telemetry_path.read_bytes()

    result = materialize(
        [*ASSETS],
        selection=[AssetKey("reach_cdf_s3"), AssetKey("reach_geomap_s3")],
        partition_key=DAY,
        resources=resources_for(settings) | {"reach_s3": ReachS3()},
        instance=instance,
        raise_on_error=False,
    )

    assert result.success
    assert result.get_asset_materialization_events() == []
    logs = instance.all_logs(result.run_id)
    logged = [e.user_message for e in logs if e.dagster_event is None]
    for asset in ("reach_cdf_s3", "reach_geomap_s3"):
        said = f"{asset}: not configured, skipped (no S3 bucket set"
        assert any(said in m for m in logged), logged
    assert telemetry_path.read_bytes() == before


@pytest.mark.integration  # the real `dagster` command
def test_a_malformed_partitions_start_stops_the_code_location_loading(tmp_path, input_dir):
    """Read when the definitions load: `dagster asset materialize` cannot start a run;
    the error names the variable and the form. No telemetry is written."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REACH_")},
        "REACH_PARTITIONS_START": "2025/01/01",
        "REACH_INPUT_DIR": str(input_dir),
        "REACH_OUTPUT_DIR": str(tmp_path / "out"),
        "DAGSTER_HOME": str(tmp_path),
    }
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "asset", "materialize", "-m", "reach_pipeline.definitions"]
    command += ["--select", "reach_cdf", "--partition", DAY]

    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert proc.returncode != 0
    assert "REACH_PARTITIONS_START must be a date YYYY-MM-DD, got '2025/01/01'" in proc.stderr
    assert not (input_dir / "download_telemetry.csv").exists()
    assert not (tmp_path / "out").exists()
