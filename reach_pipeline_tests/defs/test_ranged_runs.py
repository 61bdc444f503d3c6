"""Several days per run (a backfill's ranged run) keep what one run per day gives: each day
its own outcome, metadata, telemetry rows and check results; a bad day fails alone."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, AssetPartitionStatus, materialize

from reach_pipeline.contract.telemetry import FAILED, PROCESS_PENDING, PROCESSED
from reach_pipeline.defs.partitions import daily_partitions
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline_tests.faults.support import write_sample_day
from reach_pipeline_tests.support.dagster_days import day_rows, layout_path, resources_for

REACH_CDF = AssetKey("reach_cdf")
FIRST = date(2025, 10, 1)
DAYS = [FIRST + timedelta(days=k) for k in range(10)]
BAD = {DAYS[3]: "header only, no data rows", DAYS[7]: "file is empty"}


def ranged_run(first: date, last: date, resources: dict, instance, selection=None):
    """What the backfill daemon launches for a range: one run tagged with the range."""
    return materialize(
        [*ASSETS],
        selection=selection or [REACH_CDF],
        resources=resources,
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
        raise_on_error=False,
    )


@pytest.fixture
def ten_days(input_dir: Path) -> Path:
    for day in DAYS:
        path = write_sample_day(input_dir, day)
        if day == DAYS[3]:
            path.write_text(path.read_text().splitlines(keepends=True)[0])
        elif day == DAYS[7]:
            path.write_bytes(b"")
    return input_dir


def test_a_ten_day_batch_with_two_bad_days(
    ten_days, settings, output_dir, telemetry_path, instance
):
    result = ranged_run(DAYS[0], DAYS[-1], resources_for(settings), instance)

    assert not result.success
    keys = [d.isoformat() for d in DAYS]
    status = instance.get_status_by_partition(REACH_CDF, keys, daily_partitions)
    assert status == {
        d.isoformat(): AssetPartitionStatus.FAILED
        if d in BAD
        else AssetPartitionStatus.MATERIALIZED
        for d in DAYS
    }
    # Each good day: its own materialization, metadata, CDF and telemetry pair.
    by_day = {
        e.materialization.partition: e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == REACH_CDF
    }
    assert sorted(by_day) == sorted(d.isoformat() for d in DAYS if d not in BAD)
    for day in (d for d in DAYS if d not in BAD):
        meta = by_day[day.isoformat()].metadata
        assert meta["path"].value == str(layout_path(output_dir, day.isoformat()))
        assert meta["first_time"].value == f"{day.isoformat()}T00:00:00+00:00"
        assert meta["after_dedupe"].value == 99
        rows = day_rows(telemetry_path, day.isoformat())
        assert [r.status for r in rows] == [PROCESS_PENDING, PROCESSED]
        assert {r.run_id for r in rows} == {result.run_id}
    # Each bad day: its own FAILED row and message, named in the run's failure.
    [failure] = [e for e in result.all_events if e.is_step_failure]
    description = failure.event_specific_data.error.message
    for day, phrase in BAD.items():
        rows = day_rows(telemetry_path, day.isoformat())
        assert [r.status for r in rows] == [PROCESS_PENDING, FAILED]
        assert rows[-1].error_type == "ReachInputError"
        assert phrase in rows[-1].error_message
        assert f"{day} reach_cdf: ReachInputError:" in description
    assert not any(layout_path(output_dir, d.isoformat()).exists() for d in BAD)


def test_check_results_are_recorded_per_day(ten_days, settings, instance):
    ranged_run(DAYS[0], DAYS[2], resources_for(settings), instance)

    for name in ("cdf_is_valid", "availability"):
        history = instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(REACH_CDF, name), limit=20
        )
        by_day = {h.partition: h.status.value for h in history}
        expected = "SUCCEEDED" if name == "cdf_is_valid" else "FAILED"  # 99 records: a warning
        assert by_day == {d.isoformat(): expected for d in DAYS[:3]}, name


def test_a_day_without_input_in_a_batch_stays_unmaterialized(ten_days, settings, instance):
    (ten_days / f"REACH-ALL_{DAYS[1]:%Y%m%d}T000000_{DAYS[2]:%Y%m%d}T000000.csv").unlink()

    result = ranged_run(DAYS[0], DAYS[2], resources_for(settings), instance)

    assert result.success  # no input is not a failure
    keys = [d.isoformat() for d in DAYS[:3]]
    status = instance.get_status_by_partition(REACH_CDF, keys, daily_partitions)
    assert status[keys[0]] == status[keys[2]] == AssetPartitionStatus.MATERIALIZED
    assert status[keys[1]] is None
