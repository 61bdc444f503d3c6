"""One settings resolution: the same REACH_* variables mean the same to the command line
and to the Dagster layer, and a malformed value names itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from reach_pipeline.contract.telemetry import PROCESSED, TelemetryLog
from reach_pipeline.settings import (
    ALERTS,
    ENV_VARS,
    SETTINGS,
    SettingsError,
    backfill_days_per_run,
    partitions_start,
    resolve_alert_settings,
    resolve_settings,
)
from reach_pipeline_tests.faults.support import (
    EXAMPLES,
    clean_env,
    console_script,
    run_cli,
)
from reach_pipeline_tests.support.processes import tool

SAMPLE = "REACH-ALL_20250902T000000_20250903T000000.csv"
SENSOR_FILE = "REACH-101_20250902T000000_20250903T000000.csv"
BY_ENV = {s.env: s for s in SETTINGS}


def test_defaults_work_from_a_fresh_clone():
    settings = resolve_settings(environ={})
    assert settings.input_dir == Path("examples/udl")
    assert settings.output_dir == Path("out")
    assert settings.telemetry_path == Path("examples/udl/download_telemetry.csv")
    assert (settings.sensor_id, settings.output_format) == ("ALL", "csv")
    assert settings.s3_bucket == ""


def test_explicit_value_beats_the_variable():
    environ = {"REACH_SENSOR_ID": "REACH-101", "REACH_INPUT_DIR": "/data/in"}
    settings = resolve_settings({"sensor_id": "REACH-102"}, environ=environ)
    assert settings.sensor_id == "REACH-102"
    assert settings.input_dir == Path("/data/in")
    assert settings.telemetry_path == Path("/data/in/download_telemetry.csv")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("REACH_PROCESS_TIMEOUT_S", "1h", "a number of seconds"),
        ("REACH_PROCESS_TIMEOUT_S", "-5", "a positive number"),
        ("REACH_PROCESS_TIMEOUT_S", "inf", "a positive number"),
        ("REACH_OUTPUT_FORMAT", "parquet", "one of csv, json"),
        ("REACH_AVAILABILITY_WARN_PCT", "120", "a percentage"),
        ("REACH_SCHEDULE_LAG_DAYS", "two", "a whole number of days"),
        ("REACH_SENSOR_ID", "../REACH-1", "ALL or a sensor id"),
        ("REACH_SENSOR_ID", "REACH-*", "ALL or a sensor id"),
        ("REACH_PROCESSOR", "process_file", "'package.module:function'"),
        ("REACH_S3_ENDPOINT_URL", "127.0.0.1:8333", "a URL"),
        ("REACH_UI_BASE_URL", "dagster.local:3000", "a URL"),
        ("REACH_SLACK_CHANNEL", "#two words", "a Slack channel"),
        ("REACH_FRESHNESS_DEADLINE_UTC", "8am", "HH:MM"),
        ("REACH_FRESHNESS_DEADLINE_UTC", "24:00", "HH:MM"),
        ("REACH_SLACK_API_URL", "slack.com/api", "a URL"),
    ],
)
def test_a_malformed_variable_names_itself_and_the_form(variable, value, expected):
    """Each resolved where it is read: a run's settings, or the alert sensors' settings."""
    environ = {variable: value}
    resolve = resolve_settings
    if BY_ENV[variable].scope == ALERTS:
        resolve = resolve_alert_settings
        if variable == "REACH_SLACK_CHANNEL":
            environ["REACH_SLACK_TOKEN"] = "xoxb-1"  # a channel goes with a token
    with pytest.raises(SettingsError) as info:
        resolve(environ=environ)
    message = str(info.value)
    assert message.startswith(f"{variable} must be")
    assert expected in message and repr(value) in message


def test_a_malformed_flag_names_the_flag():
    with pytest.raises(SettingsError, match="^--output-format must be one of csv, json"):
        resolve_settings({"output_format": "xml"}, environ={})


@pytest.mark.parametrize("value", ["2025/01/01", "2025-13-01", "yesterday", "2025-1-1"])
def test_partitions_start_must_be_a_date(value):
    with pytest.raises(SettingsError, match="REACH_PARTITIONS_START must be a date YYYY-MM-DD"):
        partitions_start({"REACH_PARTITIONS_START": value})


def test_backfill_days_per_run_defaults_to_25():
    assert backfill_days_per_run({}) == 25
    assert backfill_days_per_run({"REACH_BACKFILL_DAYS_PER_RUN": " 10 "}) == 10


@pytest.mark.parametrize("value", ["0", "-1", "2.5", "ten", "10000"])
def test_backfill_days_per_run_must_be_a_count(value):
    """Read when the code location loads: a bad value is one line naming the variable."""
    with pytest.raises(SettingsError) as info:
        backfill_days_per_run({"REACH_BACKFILL_DAYS_PER_RUN": value})
    assert str(info.value) == (
        f"REACH_BACKFILL_DAYS_PER_RUN must be a whole number from 1 to 9999, e.g. 5, got {value!r}"
    )


def test_every_variable_is_in_the_readme_table():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name in ENV_VARS:
        assert f"`{name}`" in readme, name
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)


@pytest.mark.integration
def test_cli_and_dagster_read_the_same_variables(tmp_path):
    """With REACH_SENSOR_ID=REACH-101 both entry points look for REACH-101_... files, and
    write the same CDF place and the same telemetry file (the CLI used to ignore it)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    shutil.copy(EXAMPLES / SAMPLE, inp / SENSOR_FILE)
    shutil.copy(EXAMPLES / SAMPLE, inp / SAMPLE)  # the ALL file must not be picked
    telemetry = tmp_path / "state" / "telemetry.csv"
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = clean_env(
        tmp_path / "home",
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(inp),
        REACH_OUTPUT_DIR=str(out),
        REACH_TELEMETRY_PATH=str(telemetry),
        REACH_SENSOR_ID="REACH-101",
    )
    day = ["--start-date", "2025-09-02", "--end-date", "2025-09-02"]

    cli = run_cli([*console_script(), "process", *day], tmp_path, env)
    assert cli.returncode == 0, cli.stderr[-2000:]
    dagster = run_cli(
        [tool("dagster"), "asset", "materialize", "-m", "reach_pipeline.definitions"]
        + ["--select", "reach_cdf", "--partition", "2025-09-02"],
        tmp_path,
        env,
    )
    assert dagster.returncode == 0, dagster.stderr[-2000:]

    cdf = out / "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"
    rows = TelemetryLog(telemetry).rows()
    processed = [r for r in rows if r.status == PROCESSED]
    assert len(processed) == 2
    assert {r.cdf_path for r in processed} == {str(cdf)}
    assert {r.sensor_id for r in rows} == {"REACH-101"}
    assert not (inp / "download_telemetry.csv").exists()
    with DagsterInstance.from_config(str(home)) as instance:
        records = instance.fetch_materializations(AssetKey("reach_cdf"), limit=5).records
    inputs = {r.asset_materialization.metadata["input_path"].value for r in records}
    assert inputs == {str(inp / SENSOR_FILE)}


def test_the_table_names_the_runner_s_default_processor():
    """settings.toml holds the default processor as text; it is the runner's own default."""
    from reach_pipeline.runner.processor import DEFAULT_PROCESSOR
    from reach_pipeline.settings import BY_FIELD

    assert BY_FIELD["processor"].default == DEFAULT_PROCESSOR
