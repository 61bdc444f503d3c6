"""reach_input_sensor (new/changed day files) and the legacy state import."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from dagster import AssetKey, SensorResult, SkipReason, build_sensor_context

from reach_pipeline.contract.telemetry import PROCESSED, UPLOADED, TelemetryLog, TelemetryRow
from reach_pipeline.defs.jobs import PROCESS_AND_UPLOAD, PROCESS_ONLY
from reach_pipeline.defs.resources import ReachS3
from reach_pipeline.defs.sensors import (
    file_version,
    legacy_import_events,
    reach_input_sensor,
    reach_legacy_import_sensor,
)
from reach_pipeline_tests.conftest import CDF_0901, LEGACY_TELEMETRY

from .conftest import SAMPLE_DAYS, layout_path, materialize_day, resources_for

REACH_CDF = AssetKey("reach_cdf")


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


# ------------------------------------------------------------------ reach_input_sensor


def test_new_files_are_observed_and_requested(settings, input_dir):
    result = tick(settings)

    assert isinstance(result, SensorResult)
    observations, requests = by_partition(result)
    assert set(observations) == set(requests) == set(SAMPLE_DAYS)
    for day in SAMPLE_DAYS:
        path = next(input_dir.glob(f"REACH-ALL_{day.replace('-', '')}T000000_*.csv"))
        observation = observations[day]
        assert observation.asset_key == AssetKey("reach_csv")
        assert observation.tags["dagster/data_version"] == file_version(path)
        assert observation.metadata["path"].value == str(path)
        assert observation.metadata["size_bytes"].value == path.stat().st_size
        request = requests[day]
        assert request.run_key == f"{day}:{file_version(path)}"
        assert list(request.asset_selection) == PROCESS_ONLY
    assert json.loads(result.cursor) == {
        day: observations[day].tags["dagster/data_version"] for day in SAMPLE_DAYS
    }


def test_unchanged_files_skip(settings):
    first = tick(settings)

    second = tick(settings, cursor=first.cursor)

    assert isinstance(second, SkipReason)


def test_changed_file_is_observed_again(settings, input_dir):
    first = tick(settings)
    path = input_dir / "REACH-ALL_20250902T000000_20250903T000000.csv"
    old_version = file_version(path)
    with path.open("a") as fh:  # a re-download: other size, other mtime
        fh.write(path.read_text().splitlines()[1] + "\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    second = tick(settings, cursor=first.cursor)

    assert isinstance(second, SensorResult)
    observations, requests = by_partition(second)
    assert set(observations) == set(requests) == {"2025-09-02"}
    new_version = observations["2025-09-02"].tags["dagster/data_version"]
    assert new_version == file_version(path) != old_version
    assert requests["2025-09-02"].run_key == f"2025-09-02:{new_version}"
    assert json.loads(second.cursor)["2025-09-02"] == new_version
    assert isinstance(tick(settings, cursor=second.cursor), SkipReason)


def test_new_day_file_is_the_only_one_requested(settings, input_dir):
    first = tick(settings)
    shutil.copy(
        input_dir / "REACH-ALL_20250903T000000_20250904T000000.csv",
        input_dir / "REACH-ALL_20250904T000000_20250905T000000.csv",
    )
    (input_dir / "notes.txt").write_text("not a day file")

    second = tick(settings, cursor=first.cursor)

    observations, requests = by_partition(second)
    assert set(observations) == set(requests) == {"2025-09-04"}


def test_empty_input_folder_skips(settings, input_dir):
    for path in input_dir.iterdir():
        path.unlink()

    assert isinstance(tick(settings), SkipReason)


def test_upload_joins_the_request_when_a_bucket_is_set(settings):
    result = tick(settings, reach_s3=ReachS3(bucket="some-bucket"))

    assert all(list(r.asset_selection) == PROCESS_AND_UPLOAD for r in result.run_requests)


def test_sensor_can_be_called_with_the_resource_as_argument(settings):
    context = build_sensor_context(resources={"reach_s3": ReachS3()})

    result = reach_input_sensor(context, reach=settings)

    assert set(by_partition(result)[1]) == set(SAMPLE_DAYS)


# ------------------------------------------------------------------ legacy state import


def legacy_setup(settings, output_dir: Path, telemetry_path: Path) -> None:
    """The legacy example log: 2025-09-01 and -05 UPLOADED by the legacy tool, the rest
    failed or skipped. Only 2025-09-01's CDF is in the layout. Its cdf_path values are
    relative to the legacy tool's folder, not to ours."""
    shutil.copy(LEGACY_TELEMETRY, telemetry_path)
    target = layout_path(output_dir, "2025-09-01")
    target.parent.mkdir(parents=True)
    shutil.copy(CDF_0901, target)


def test_legacy_days_are_imported_as_runless_materializations(
    settings, output_dir, telemetry_path, persistent_instance, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # relative legacy cdf_paths must not resolve by accident
    legacy_setup(settings, output_dir, telemetry_path)
    context = build_sensor_context(instance=persistent_instance, resources={"reach": settings})

    result = reach_legacy_import_sensor(context)

    assert isinstance(result, SensorResult)
    assert result.cursor == file_version(telemetry_path)
    [event] = result.asset_events
    assert (event.asset_key, event.partition) == (REACH_CDF, "2025-09-01")
    assert event.metadata["path"].value == str(layout_path(output_dir, "2025-09-01"))
    assert event.metadata["legacy_run_id"].value == "0ea78114-261f-474c-89c3-dc6fb79ea360"
    assert event.metadata["legacy_status"].value == UPLOADED
    for asset_event in result.asset_events:  # what the sensor daemon does with them
        persistent_instance.report_runless_asset_event(asset_event)
    assert persistent_instance.get_materialized_partitions(REACH_CDF) == {"2025-09-01"}

    # Reported once: a later look finds nothing new, and an unchanged file is not re-read.
    assert legacy_import_events(persistent_instance, settings.resolve()) == []
    again = build_sensor_context(
        instance=persistent_instance, resources={"reach": settings}, cursor=result.cursor
    )
    assert isinstance(reach_legacy_import_sensor(again), SkipReason)


def test_day_without_its_cdf_is_not_imported(
    settings, output_dir, telemetry_path, persistent_instance, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    legacy_setup(settings, output_dir, telemetry_path)
    layout_path(output_dir, "2025-09-01").unlink()

    assert legacy_import_events(persistent_instance, settings.resolve()) == []


def test_days_processed_by_our_runs_are_not_imported(
    settings, output_dir, telemetry_path, persistent_instance
):
    result = materialize_day("2025-09-02", resources_for(settings), persistent_instance)
    assert result.success
    assert TelemetryLog(telemetry_path).rows()[-1].status == PROCESSED

    # Known as materialized: nothing to import.
    assert legacy_import_events(persistent_instance, settings.resolve()) == []
    # Even with the materialization gone, the row's run is one of ours.
    persistent_instance.wipe_assets([REACH_CDF])
    assert persistent_instance.get_materialized_partitions(REACH_CDF) == set()
    assert legacy_import_events(persistent_instance, settings.resolve()) == []

    # The same row from a run this instance never saw is the legacy tool's: imported.
    row = TelemetryLog(telemetry_path).rows()[-1]
    TelemetryLog(telemetry_path).append(
        TelemetryRow(**{**row.as_dict(), "run_id": "legacy-run", "started_at_utc": "9999-01-01"})
    )
    [event] = legacy_import_events(persistent_instance, settings.resolve())
    assert event.partition == "2025-09-02"


def test_legacy_sensor_skips_without_a_telemetry_file(settings, persistent_instance):
    context = build_sensor_context(instance=persistent_instance, resources={"reach": settings})

    assert isinstance(reach_legacy_import_sensor(context), SkipReason)


def test_absolute_legacy_cdf_path_is_used(settings, telemetry_path, persistent_instance, tmp_path):
    elsewhere = tmp_path / "legacy_out" / CDF_0901.name
    elsewhere.parent.mkdir()
    shutil.copy(CDF_0901, elsewhere)
    TelemetryLog(telemetry_path).append(
        TelemetryRow(
            run_id="legacy-run",
            chunk_date_utc="2025-09-01",
            status=PROCESSED,
            started_at_utc="2025-09-03T06:00:00+00:00",
            cdf_path=str(elsewhere),
        )
    )

    [event] = legacy_import_events(persistent_instance, settings.resolve())

    assert event.partition == "2025-09-01"
    assert event.metadata["path"].value == str(elsewhere)
    assert event.metadata["legacy_status"].value == PROCESSED
