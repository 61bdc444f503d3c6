"""reach_input_sensor: a baseline first, then runs for new or changed day files only,
decided by the resume rules, a bounded number a tick."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime

import pytest
from dagster import (
    AssetKey,
    DagsterRun,
    DagsterRunStatus,
    SensorResult,
    SkipReason,
    build_sensor_context,
)

from reach_pipeline.contract.telemetry import (
    FAILED,
    PROCESSED,
    UPLOADED,
    TelemetryLog,
    TelemetryRow,
)
from reach_pipeline.defs.input_sensor import SENSOR_NAME, file_version, reach_input_sensor
from reach_pipeline.defs.jobs import LIVE_PRIORITY, PROCESS_AND_UPLOAD, PROCESS_ONLY
from reach_pipeline.defs.resources import ReachS3
from reach_pipeline.settings import SettingsError, input_sensor_interval_s
from reach_pipeline_tests.faults.support import write_sample_day
from reach_pipeline_tests.support.dagster_days import layout_path
from reach_pipeline_tests.support.data import SAMPLE_DAYS

REACH_CDF = AssetKey("reach_cdf")
ROW_STARTED = datetime(2025, 9, 10, 6, 0, tzinfo=UTC)  # when the telemetry's rows began


def tick(settings, cursor=None, instance=None, reach_s3=None):
    context = build_sensor_context(
        cursor=cursor,
        instance=instance,
        resources={"reach": settings, "reach_s3": reach_s3 or ReachS3()},
    )
    return reach_input_sensor(context)


def by_partition(result: SensorResult) -> tuple[dict, dict]:
    observations = {e.partition: e for e in result.asset_events}
    requests = {r.partition_key: r for r in result.run_requests}
    return observations, requests


def set_mtime(path, when: datetime) -> None:
    ns = int(when.timestamp() * 1e9)
    os.utime(path, ns=(ns, ns))


def add_row(telemetry_path, day: str, status: str, cdf_path: str = "") -> None:
    """A row another tool wrote for ``day`` at ROW_STARTED."""
    TelemetryLog(telemetry_path).append(
        TelemetryRow(
            run_id="other-tool",
            chunk_date_utc=day,
            status=status,
            started_at_utc=ROW_STARTED.isoformat(),
            finished_at_utc=ROW_STARTED.isoformat(),
            cdf_path=cdf_path,
            error_type="BadInput" if status == FAILED else "",
        )
    )


def new_day_file(input_dir, day: date, written: datetime | None = None):
    path = write_sample_day(input_dir, day)
    if written is not None:
        set_mtime(path, written)
    return path


def redownload(path) -> None:
    """Another size, a modification time of now."""
    with path.open("a") as fh:
        fh.write(path.read_text().splitlines()[1] + "\n")


def baseline(settings, **kwargs) -> SensorResult:
    first = tick(settings, **kwargs)
    assert isinstance(first, SensorResult) and first.run_requests == []
    return first


# ------------------------------------------------------------------ the first tick


def test_first_tick_records_a_baseline_and_requests_nothing(settings, input_dir):
    result = tick(settings)

    assert isinstance(result, SensorResult)
    assert result.run_requests == []
    assert "baseline of 3 day file(s)" in result.skip_reason.skip_message
    observations, _ = by_partition(result)
    assert set(observations) == set(SAMPLE_DAYS)
    for day in SAMPLE_DAYS:
        path = next(input_dir.glob(f"REACH-ALL_{day.replace('-', '')}T000000_*.csv"))
        observation = observations[day]
        assert observation.asset_key == AssetKey("reach_csv")
        assert observation.tags["dagster/data_version"] == file_version(path)
        assert observation.metadata["path"].value == str(path)
        assert observation.metadata["size_bytes"].value == path.stat().st_size
        assert observation.metadata["sensor_action"].value == "baseline"
    assert json.loads(result.cursor) == {
        day: observations[day].tags["dagster/data_version"] for day in SAMPLE_DAYS
    }


def test_an_empty_folder_is_a_baseline_too(settings, input_dir):
    for path in input_dir.iterdir():
        path.unlink()

    first = baseline(settings)
    assert first.cursor == "{}" and first.asset_events == []
    new_day_file(input_dir, date(2025, 9, 4))

    second = tick(settings, cursor=first.cursor)
    assert set(by_partition(second)[1]) == {"2025-09-04"}


def test_unchanged_files_skip(settings):
    first = baseline(settings)

    second = tick(settings, cursor=first.cursor)

    assert isinstance(second, SkipReason)


# ------------------------------------------------------------------ after the baseline


def test_a_new_day_file_is_the_only_one_requested(settings, input_dir):
    first = baseline(settings)
    path = new_day_file(input_dir, date(2025, 9, 4))
    (input_dir / "notes.txt").write_text("not a day file")

    second = tick(settings, cursor=first.cursor)

    observations, requests = by_partition(second)
    assert set(observations) == set(requests) == {"2025-09-04"}
    request = requests["2025-09-04"]
    assert request.run_key == f"2025-09-04:{file_version(path)}"
    assert list(request.asset_selection) == PROCESS_ONLY
    assert request.tags["dagster/priority"] == str(LIVE_PRIORITY)  # before any campaign
    assert observations["2025-09-04"].metadata["sensor_action"].value == "run_process"
    assert json.loads(second.cursor)["2025-09-04"] == file_version(path)
    assert isinstance(tick(settings, cursor=second.cursor), SkipReason)


def test_a_redownloaded_done_day_is_run_again(settings, input_dir, telemetry_path):
    path = input_dir / "REACH-ALL_20250902T000000_20250903T000000.csv"
    set_mtime(path, datetime(2025, 9, 9, tzinfo=UTC))  # downloaded before it was uploaded
    add_row(telemetry_path, "2025-09-02", UPLOADED)
    first = baseline(settings)
    old_version = file_version(path)

    redownload(path)
    second = tick(settings, cursor=first.cursor)

    observations, requests = by_partition(second)
    assert set(observations) == set(requests) == {"2025-09-02"}
    new_version = observations["2025-09-02"].tags["dagster/data_version"]
    assert new_version == file_version(path) != old_version
    assert requests["2025-09-02"].run_key == f"2025-09-02:{new_version}"
    assert json.loads(second.cursor)["2025-09-02"] == new_version


@pytest.mark.parametrize("status", [UPLOADED, PROCESSED, FAILED])
def test_a_done_or_failed_day_with_an_unchanged_input_gets_no_run(
    settings, input_dir, output_dir, telemetry_path, status
):
    """The file appears after the baseline (copied back, its mtime kept) but the telemetry
    says the day was done (or failed) after the file was written: no run."""
    day = date(2025, 9, 4)
    cdf = layout_path(output_dir, day.isoformat())
    cdf.parent.mkdir(parents=True)
    cdf.write_bytes(b"placed by the other tool")
    add_row(telemetry_path, day.isoformat(), status, cdf_path=str(cdf))
    first = baseline(settings)
    path = new_day_file(input_dir, day, written=datetime(2025, 9, 9, tzinfo=UTC))

    second = tick(settings, cursor=first.cursor)

    assert isinstance(second, SensorResult) and second.run_requests == []
    assert "none needs a run" in second.skip_reason.skip_message
    [observed] = second.asset_events
    expected = {UPLOADED: "skip_existing", PROCESSED: "skip_existing", FAILED: "skip_failed"}
    assert observed.metadata["sensor_action"].value == expected[status]
    assert json.loads(second.cursor)[day.isoformat()] == file_version(path)
    assert isinstance(tick(settings, cursor=second.cursor), SkipReason)


def test_a_processed_day_gets_an_upload_only_run_when_a_bucket_is_set(
    settings, input_dir, output_dir, telemetry_path
):
    day = date(2025, 9, 4)
    cdf = layout_path(output_dir, day.isoformat())
    cdf.parent.mkdir(parents=True)
    cdf.write_bytes(b"placed by the command line")
    add_row(telemetry_path, day.isoformat(), PROCESSED, cdf_path=str(cdf))
    s3 = ReachS3(bucket="some-bucket")
    first = baseline(settings, reach_s3=s3)
    new_day_file(input_dir, day, written=datetime(2025, 9, 9, tzinfo=UTC))

    second = tick(settings, cursor=first.cursor, reach_s3=s3)

    [request] = second.run_requests
    # the upload, without making the L1C again
    assert AssetKey("reach_cdf_s3") in request.asset_selection
    assert REACH_CDF not in request.asset_selection
    assert request.tags["reach/sensor_action"] == "run_upload_only"


def test_a_processed_day_whose_cdf_is_gone_is_processed_again(settings, input_dir, telemetry_path):
    add_row(telemetry_path, "2025-09-04", PROCESSED, cdf_path="/nowhere/gone.cdf")
    first = baseline(settings)
    new_day_file(input_dir, date(2025, 9, 4), written=datetime(2025, 9, 9, tzinfo=UTC))

    second = tick(settings, cursor=first.cursor)

    assert list(by_partition(second)[1]) == ["2025-09-04"]


def test_upload_joins_the_request_when_a_bucket_is_set(settings, input_dir):
    s3 = ReachS3(bucket="some-bucket")
    first = baseline(settings, reach_s3=s3)
    new_day_file(input_dir, date(2025, 9, 4))

    second = tick(settings, cursor=first.cursor, reach_s3=s3)

    assert [list(r.asset_selection) for r in second.run_requests] == [PROCESS_AND_UPLOAD]


def test_days_outside_the_partitions_are_ignored(settings, input_dir):
    first = baseline(settings)
    new_day_file(input_dir, date(2018, 12, 31))  # before REACH_PARTITIONS_START
    new_day_file(input_dir, date(2999, 1, 1))  # not ended yet

    assert isinstance(tick(settings, cursor=first.cursor), SkipReason)


# ------------------------------------------------------------------ the bound


NEW_DAYS = [date(2025, 9, d) for d in range(4, 9)]


def test_at_most_the_bound_a_tick_newest_day_first(settings, input_dir, monkeypatch):
    monkeypatch.setenv("REACH_INPUT_SENSOR_MAX_RUNS", "2")
    cursor = baseline(settings).cursor
    for day in NEW_DAYS:
        new_day_file(input_dir, day)

    requested = []
    for _ in range(3):
        result = tick(settings, cursor=cursor)
        keys = [r.partition_key for r in result.run_requests]
        # the deferred days are neither observed nor in the cursor: decided again next tick
        assert [e.partition for e in result.asset_events] == keys
        requested.append(keys)
        cursor = result.cursor
    assert isinstance(tick(settings, cursor=cursor), SkipReason)

    assert requested == [
        ["2025-09-08", "2025-09-07"],
        ["2025-09-06", "2025-09-05"],
        ["2025-09-04"],
    ]


def _waiting_run(instance) -> None:
    """A run the sensor requested that has not started (created, not launched yet; a
    QUEUED one would need a code location's origin)."""
    instance.add_run(
        DagsterRun(
            job_name="reach_daily_job",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.NOT_STARTED,
            tags={"dagster/sensor_name": SENSOR_NAME},
        )
    )


def test_runs_not_started_yet_count_against_the_bound(
    settings, input_dir, monkeypatch, persistent_instance
):
    monkeypatch.setenv("REACH_INPUT_SENSOR_MAX_RUNS", "3")
    cursor = baseline(settings, instance=persistent_instance).cursor
    for day in NEW_DAYS:
        new_day_file(input_dir, day)
    _waiting_run(persistent_instance)
    _waiting_run(persistent_instance)

    result = tick(settings, cursor=cursor, instance=persistent_instance)
    assert [r.partition_key for r in result.run_requests] == ["2025-09-08"]

    for _ in range(2):
        _waiting_run(persistent_instance)
    blocked = tick(settings, cursor=result.cursor, instance=persistent_instance)
    assert isinstance(blocked, SensorResult) and blocked.run_requests == []
    assert "4 wait for the queue" in blocked.skip_reason.skip_message
    assert blocked.cursor == result.cursor


def test_sensor_can_be_called_with_the_resource_as_argument(settings, input_dir):
    context = build_sensor_context(resources={"reach_s3": ReachS3()}, cursor="{}")

    result = reach_input_sensor(context, reach=settings)

    assert set(by_partition(result)[1]) == set(SAMPLE_DAYS)


@pytest.mark.parametrize(("value", "seconds"), [("", 60), ("2", 2), (" 300 ", 300)])
def test_the_interval_setting(value, seconds):
    assert input_sensor_interval_s({"REACH_INPUT_SENSOR_INTERVAL_S": value}) == seconds


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "1m"])
def test_a_malformed_interval_names_its_variable(value):
    with pytest.raises(SettingsError, match="^REACH_INPUT_SENSOR_INTERVAL_S must be a whole"):
        input_sensor_interval_s({"REACH_INPUT_SENSOR_INTERVAL_S": value})


@pytest.mark.parametrize("value", ["0", "ten", "-1"])
def test_a_malformed_bound_fails_the_tick_naming_its_variable(settings, monkeypatch, value):
    monkeypatch.setenv("REACH_INPUT_SENSOR_MAX_RUNS", value)
    with pytest.raises(SettingsError, match="^REACH_INPUT_SENSOR_MAX_RUNS must be a whole"):
        tick(settings)


# ------------------------------------------------------------------ legacy state import
