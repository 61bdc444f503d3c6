"""The legacy state import: days the legacy tool finished, as runless materializations."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from dagster import AssetKey, SensorResult, SkipReason, build_sensor_context

from reach_pipeline.contract.telemetry import PROCESSED, UPLOADED, TelemetryLog, TelemetryRow
from reach_pipeline.defs.input_sensor import file_version
from reach_pipeline.defs.legacy_import import legacy_import_events, reach_legacy_import_sensor
from reach_pipeline.defs.versions import CODE_VERSION_TAG, CODE_VERSIONS, LEGACY_CODE_VERSION
from reach_pipeline.stages import StageId
from reach_pipeline_tests.support.dagster_days import layout_path, materialize_day, resources_for
from reach_pipeline_tests.support.data import CDF_0901, LEGACY_TELEMETRY

REACH_CDF = AssetKey("reach_cdf")


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
    # Another processor's code version than reach_cdf's: the UI shows the day stale.
    assert event.tags == {CODE_VERSION_TAG: LEGACY_CODE_VERSION}
    assert LEGACY_CODE_VERSION != CODE_VERSIONS[StageId.L1C]
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


def test_legacy_named_days_are_imported(
    settings, output_dir, telemetry_path, persistent_instance, tmp_path, monkeypatch
):
    """The legacy tool names a CDF after the day's first record (…T000010…) and writes
    cdf_path relative to the folder it ran in (``out/l1c/prelim/…``); the sensor finds it
    through the row, whatever the current folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    text = LEGACY_TELEMETRY.read_bytes().replace(b"T000000_v1.0.0.cdf", b"T000010_v1.0.0.cdf")
    telemetry_path.write_bytes(text)
    legacy_name = layout_path(output_dir, "2025-09-01").with_name(
        "reach_all_l1c_prelim_20250901T000010_v1.0.0.cdf"
    )
    legacy_name.parent.mkdir(parents=True)
    shutil.copy(CDF_0901, legacy_name)
    row = TelemetryLog(telemetry_path).latest_by_day()[date(2025, 9, 1)]
    assert (
        row.cdf_path == "out/l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000010_v1.0.0.cdf"
    )
    context = build_sensor_context(instance=persistent_instance, resources={"reach": settings})

    result = reach_legacy_import_sensor(context)

    [event] = result.asset_events
    assert (event.asset_key, event.partition) == (REACH_CDF, "2025-09-01")
    assert event.metadata["path"].value == str(legacy_name)
    assert event.metadata["legacy_status"].value == UPLOADED
    # Another processor's code version than reach_cdf's: the UI shows the day stale.
    assert event.tags == {CODE_VERSION_TAG: LEGACY_CODE_VERSION}
    assert LEGACY_CODE_VERSION != CODE_VERSIONS[StageId.L1C]
