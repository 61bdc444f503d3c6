"""reach_cdf materialized with a real instance over temp folders: products, metadata,
telemetry rows, failures, timeouts and plugged-in processors."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, AssetKey

from reach_pipeline.contract.telemetry import (
    CARRY_FORWARD_COLUMNS,
    DOWNLOAD_PENDING,
    DOWNLOADED,
    FAILED,
    PROCESS_PENDING,
    PROCESSED,
    SKIPPED_NO_INPUT,
    TelemetryLog,
    TelemetryRow,
)
from reach_pipeline.defs.change import report_from
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline.processing.pods import expected_records
from reach_pipeline.processing.verify import facts_from_cdf
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.dagster_days import (
    cdfs_in,
    day_rows,
    layout_path,
    materialize_day,
    resources_for,
    staging_leftovers,
)
from reach_pipeline_tests.support.data import MISSING_DAY
from reach_pipeline_tests.support.products import udl_with_value

REACH_CDF = AssetKey("reach_cdf")
GOOD_DAY = "2025-09-02"
BAD_DAY = "2025-09-04"
BAD_FILE = "REACH-ALL_20250904T000000_20250905T000000.csv"


def cdf_materializations(result) -> list:
    return [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key == REACH_CDF
    ]


def metadata_values(materialization) -> dict:
    return {key: getattr(value, "value", value) for key, value in materialization.metadata.items()}


def data_rows(path: Path) -> int:
    with path.open(newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def checks_by_name(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


# ------------------------------------------------------------------ a good day


def test_good_day_writes_the_cdf_in_the_nested_layout(run_day, output_dir, instance):
    result = run_day(GOOD_DAY)

    assert result.success
    expected = output_dir / "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"
    assert expected.is_file()
    assert cdfs_in(output_dir) == [expected]
    assert staging_leftovers(output_dir) == []
    assert GOOD_DAY in instance.get_materialized_partitions(REACH_CDF)


def test_good_day_metadata(run_day, input_dir, output_dir):
    result = run_day(GOOD_DAY)

    [materialization] = cdf_materializations(result)
    assert materialization.partition == GOOD_DAY
    meta = metadata_values(materialization)
    cdf = layout_path(output_dir, GOOD_DAY)
    source = input_dir / "REACH-ALL_20250902T000000_20250903T000000.csv"
    assert meta["path"] == str(cdf)
    assert meta["input_path"] == str(source)
    assert meta["size_mb"] == round(cdf.stat().st_size / 1048576, 4)
    assert isinstance(meta["process_seconds"], float) and meta["process_seconds"] >= 0
    # The sample day: 716 clean records, 13 five-second epochs, all 32 pods.
    assert meta["records_read"] == data_rows(source) == 716
    assert meta["after_dedupe"] == 716
    assert meta["duplicates_dropped"] == 0
    assert meta["ids_imputed"] == 0
    assert meta["rows_dropped"] == 0
    assert meta["dagster/row_count"] == meta["after_dedupe"]
    back = facts_from_cdf(cdf)
    assert meta["epoch_count"] == back["epoch_count"] == 13
    assert meta["first_time"] == back["first_time"] == "2025-09-02T00:00:00+00:00"
    assert meta["last_time"] == back["last_time"] == "2025-09-02T00:01:00+00:00"
    assert meta["sensors"].split(", ") == back["sensors"]
    assert meta["sensor_count"] == 32
    assert meta["descriptor"] == "QUICKLOOK"
    assert meta["expected_records"] == expected_records("ALL") == 1105920
    assert meta["availability_pct"] == round(100 * 716 / 1105920, 2)


def test_good_day_telemetry_pending_then_processed(run_day, output_dir, telemetry_path):
    result = run_day(GOOD_DAY)

    rows = day_rows(telemetry_path, GOOD_DAY)
    assert [r.status for r in rows] == [PROCESS_PENDING, PROCESSED]
    assert {r.run_id for r in rows} == {result.run_id}
    pending, processed = rows
    cdf = layout_path(output_dir, GOOD_DAY)
    assert processed.cdf_path == str(cdf)
    assert processed.cdf_size_mb == f"{cdf.stat().st_size / 1048576:.4f}"
    assert float(processed.process_seconds) >= 0
    assert processed.started_at_utc == pending.started_at_utc
    assert processed.finished_at_utc >= processed.started_at_utc
    assert pending.finished_at_utc == "" and pending.cdf_path == ""
    for row in rows:
        assert (row.sensor_id, row.descriptor, row.output_format) == ("ALL", "QUICKLOOK", "csv")
        assert row.error_type == row.error_message == ""
    assert TelemetryLog(telemetry_path).latest_by_day()[dt.date(2025, 9, 2)] == processed


def test_download_columns_are_carried_forward(run_day, telemetry_path, input_dir):
    log = TelemetryLog(telemetry_path)
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    download = {
        "run_id": "download-tool-run",
        "chunk_date_utc": GOOD_DAY,
        "window_start_utc": "2025-09-02T00:00:00+00:00",
        "window_end_utc": "2025-09-03T00:00:00+00:00",
        "expected_records": "1105920",
        "sensor_id": "ALL",
        "descriptor": "PROVISIONAL",
        "output_format": "csv",
        "started_at_utc": earlier,
    }
    log.append(TelemetryRow(status=DOWNLOAD_PENDING, **download))
    log.append(
        TelemetryRow(
            status=DOWNLOADED,
            records_downloaded="716",
            availability_pct="0.06",
            download_seconds="3.210",
            csv_size_mb="0.4000",
            csv_path=str(input_dir / "REACH-ALL_20250902T000000_20250903T000000.csv"),
            finished_at_utc=earlier,
            **download,
        )
    )

    result = run_day(GOOD_DAY)

    rows = day_rows(telemetry_path, GOOD_DAY)
    assert [r.status for r in rows] == [DOWNLOAD_PENDING, DOWNLOADED, PROCESS_PENDING, PROCESSED]
    downloaded = rows[1]
    for row in rows[2:]:
        assert row.run_id == result.run_id
        for name in CARRY_FORWARD_COLUMNS:
            assert getattr(row, name) == getattr(downloaded, name), name
        # The window columns are the download's own, not carried.
        assert row.window_start_utc == row.window_end_utc == ""


def test_rematerializing_a_day_from_the_same_input_keeps_its_file(
    run_day, output_dir, telemetry_path, instance
):
    first = run_day(GOOD_DAY)
    cdf = layout_path(output_dir, GOOD_DAY)
    before = cdf.stat()

    second = run_day(GOOD_DAY)

    assert first.success and second.success
    assert cdfs_in(output_dir) == [cdf]
    after = cdf.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    [made] = cdf_materializations(second)
    assert metadata_values(made)["change"] == "NO_CHANGE"
    assert metadata_values(cdf_materializations(first)[0])["change"] == "NEW"
    rows = day_rows(telemetry_path, GOOD_DAY)
    processed = [r for r in rows if r.status == PROCESSED]
    assert [r.run_id for r in processed] == [first.run_id, second.run_id]
    assert [r.status for r in rows] == [PROCESS_PENDING, PROCESSED] * 2
    assert staging_leftovers(output_dir) == []
    latest = instance.get_latest_materialization_event(REACH_CDF)
    assert latest.run_id == second.run_id


def test_one_ob_value_changed_replaces_the_file_saying_dose_rate_changed(
    run_day, input_dir, output_dir
):
    assert run_day(GOOD_DAY).success
    cdf = layout_path(output_dir, GOOD_DAY)
    first_inode = cdf.stat().st_ino
    [day_file] = input_dir.glob("REACH-ALL_20250902T*.csv")
    sensor, _ = udl_with_value(day_file, day_file, row=5, factor=10.0)

    second = run_day(GOOD_DAY)

    assert second.success
    assert cdf.stat().st_ino != first_inode  # the new product renamed over the old one
    [made] = cdf_materializations(second)
    values = metadata_values(made)
    assert (values["change"], values["changed_variables"]) == ("DATA_CHANGED", "dose_rate")
    assert values["changed_values"] == 1
    report = report_from(made.metadata)
    assert sensor in {s.sensor for s in report.sensors}
    assert report.max_rel == pytest.approx(9.0)


def test_relative_folders_work_like_a_fresh_clone(tmp_path, input_dir, instance, monkeypatch):
    """The defaults are relative (examples/udl, out): the child must not depend on cwd."""
    monkeypatch.chdir(tmp_path)
    settings = ReachSettings(input_dir="in", output_dir="out")

    result = materialize_day(GOOD_DAY, resources_for(settings), instance)

    assert result.success
    assert layout_path(tmp_path / "out", GOOD_DAY).is_file()
    assert [r.status for r in day_rows(input_dir / "download_telemetry.csv", GOOD_DAY)] == [
        PROCESS_PENDING,
        PROCESSED,
    ]


# ------------------------------------------------------------------ a missing day


def test_missing_day_is_skipped_without_materialization(
    run_day, output_dir, telemetry_path, instance
):
    result = run_day(MISSING_DAY)

    assert result.success
    assert cdf_materializations(result) == []
    assert MISSING_DAY not in instance.get_materialized_partitions(REACH_CDF)
    rows = day_rows(telemetry_path, MISSING_DAY)
    assert [r.status for r in rows] == [SKIPPED_NO_INPUT]
    assert rows[0].run_id == result.run_id
    assert rows[0].finished_at_utc and rows[0].cdf_path == ""
    assert cdfs_in(output_dir) == []
    # The checks have nothing to look at: no result, neither passed nor failed.
    assert result.get_asset_check_evaluations() == []


# ------------------------------------------------------------------ failures


def test_bad_input_fails_the_day_only(run_day, input_dir, output_dir, telemetry_path, instance):
    header = (input_dir / "REACH-ALL_20250901T000000_20250902T000000.csv").open().readline()
    (input_dir / BAD_FILE).write_text(header)  # a header and no data rows

    before = run_day("2025-09-01")
    bad = run_day(BAD_DAY)
    after = run_day("2025-09-03")

    assert before.success and after.success
    assert not bad.success
    assert cdf_materializations(bad) == []
    assert BAD_DAY not in instance.get_materialized_partitions(REACH_CDF)
    rows = day_rows(telemetry_path, BAD_DAY)
    assert [r.status for r in rows] == [PROCESS_PENDING, FAILED]
    failed = rows[1]
    assert failed.run_id == bad.run_id
    assert failed.error_type == "ReachInputError"
    assert BAD_FILE in failed.error_message
    assert failed.started_at_utc == rows[0].started_at_utc and failed.finished_at_utc
    # Nothing of the bad day anywhere; the good days intact.
    assert cdfs_in(output_dir) == [
        layout_path(output_dir, "2025-09-01"),
        layout_path(output_dir, "2025-09-03"),
    ]
    assert not (output_dir / "l1c/prelim/2025/09/04").exists()
    assert staging_leftovers(output_dir) == []
    for day in ("2025-09-01", "2025-09-03"):
        assert [r.status for r in day_rows(telemetry_path, day)] == [PROCESS_PENDING, PROCESSED]


def test_hanging_processor_is_killed_at_the_timeout(
    input_dir, output_dir, telemetry_path, run_day, settings
):
    hanging = ReachSettings(
        input_dir=str(input_dir),
        output_dir=str(output_dir),
        processor=processors.HANG,
        process_timeout_s=1.0,
    )

    result = run_day(GOOD_DAY, hanging)

    assert not result.success
    rows = day_rows(telemetry_path, GOOD_DAY)
    assert [r.status for r in rows] == [PROCESS_PENDING, FAILED]
    assert rows[1].error_type == "ProcessingTimeout"
    assert "killed" in rows[1].error_message
    assert cdfs_in(output_dir) == []
    assert staging_leftovers(output_dir) == []
    # The processor's worker is still usable for the next day.
    assert run_day("2025-09-03", settings).success
    assert layout_path(output_dir, "2025-09-03").is_file()


def test_cdf_for_another_day_is_refused(run_day, input_dir, output_dir, telemetry_path):
    """A day file holding another day's records must not overwrite that day's CDF."""
    assert run_day("2025-09-03").success
    good = layout_path(output_dir, "2025-09-03")
    inode = good.stat().st_ino
    shutil.copy(input_dir / "REACH-ALL_20250903T000000_20250904T000000.csv", input_dir / BAD_FILE)

    result = run_day(BAD_DAY)

    assert not result.success
    assert good.stat().st_ino == inode
    failed = day_rows(telemetry_path, BAD_DAY)[-1]
    assert (failed.status, failed.error_type) == (FAILED, "ProcessorOutputError")
    assert cdfs_in(output_dir) == [good]
    assert staging_leftovers(output_dir) == []


# ------------------------------------------------------------------ plugged-in processors


def test_paths_only_processor_facts_come_from_the_cdf(
    tmp_path, input_dir, instance, telemetry_path
):
    ours = ReachSettings(input_dir=str(input_dir), output_dir=str(tmp_path / "ours"))
    plugged = ReachSettings(
        input_dir=str(input_dir),
        output_dir=str(tmp_path / "plugged"),
        processor=processors.PATHS_ONLY,
    )
    reference = metadata_values(
        cdf_materializations(materialize_day(GOOD_DAY, resources_for(ours), instance))[0]
    )

    result = materialize_day(GOOD_DAY, resources_for(plugged), instance)

    assert result.success
    cdf = layout_path(tmp_path / "plugged", GOOD_DAY)
    meta = metadata_values(cdf_materializations(result)[0])
    back = facts_from_cdf(cdf)
    assert meta["path"] == str(cdf)
    # Only what the CDF itself can tell: no input-side counts.
    for name in ("records_read", "duplicates_dropped", "ids_imputed", "rows_dropped"):
        assert name not in meta
    # The CDF holds 714 dose values: 2 of the 716 records carry the upstream fill value.
    assert meta["dagster/row_count"] == meta["after_dedupe"] == back["after_dedupe"] == 714
    assert meta["availability_pct"] == round(100 * 714 / 1105920, 2)
    for name in ("epoch_count", "first_time", "last_time", "sensors", "descriptor"):
        assert meta[name] == reference[name], name
    assert day_rows(telemetry_path, GOOD_DAY)[-1].cdf_path == str(cdf)
    checks = checks_by_name(result)
    assert checks["cdf_is_valid"].passed


# ------------------------------------------------------------------ asset checks


def test_checks_on_a_good_sample_day(run_day):
    result = run_day(GOOD_DAY)

    checks = checks_by_name(result)
    assert set(checks) == {"cdf_is_valid", "availability"}
    valid = checks["cdf_is_valid"]
    assert valid.passed and valid.severity == AssetCheckSeverity.ERROR
    assert valid.metadata["problems"].value == "none"
    low = checks["availability"]
    assert not low.passed and low.severity == AssetCheckSeverity.WARN
    assert low.metadata["availability_pct"].value == round(100 * 716 / 1105920, 2)
    assert low.metadata["threshold_pct"].value == 90.0
    assert result.success  # a warning does not fail the run


def test_availability_threshold_is_a_setting(run_day, input_dir, output_dir):
    lenient = ReachSettings(
        input_dir=str(input_dir), output_dir=str(output_dir), availability_warn_pct=0.05
    )

    checks = checks_by_name(run_day(GOOD_DAY, lenient))

    assert checks["availability"].passed


def test_invalid_cdf_is_never_placed(run_day, input_dir, output_dir, telemetry_path, instance):
    """A CDF named for the day but holding another day's epochs fails in staging."""
    shutil.copy(input_dir / "REACH-ALL_20250903T000000_20250904T000000.csv", input_dir / BAD_FILE)
    mislabelled = ReachSettings(
        input_dir=str(input_dir), output_dir=str(output_dir), processor=processors.MISLABELLED
    )

    result = run_day(BAD_DAY, mislabelled)

    assert not result.success
    rows = day_rows(telemetry_path, BAD_DAY)
    assert [r.status for r in rows] == [PROCESS_PENDING, FAILED]
    assert rows[-1].error_type == "CdfCheckFailed"
    assert "outside 2025-09-04" in rows[-1].error_message
    assert BAD_FILE in rows[-1].error_message
    assert rows[-1].run_id == result.run_id
    assert rows[-1].started_at_utc == rows[0].started_at_utc
    assert cdfs_in(output_dir) == []
    assert staging_leftovers(output_dir) == []
    assert BAD_DAY not in instance.get_materialized_partitions(REACH_CDF)
    check = checks_by_name(result)["cdf_is_valid"]
    assert not check.passed and check.severity == AssetCheckSeverity.ERROR
    assert "outside 2025-09-04" in check.metadata["problems"].value
