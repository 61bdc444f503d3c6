"""Per sensor, per day numbers in reach_cdf's metadata; reach_coverage made from them (the
CSV product, the inline picture) and requested by its automation condition after days are
made, whatever their partition, by its sensor."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from dagster import (
    AssetKey,
    DagsterRun,
    DagsterRunStatus,
    RunRequest,
    build_sensor_context,
    materialize,
)

from reach_pipeline.coverage import CSV_COLUMNS
from reach_pipeline.defs.coverage import reach_coverage_sensor
from reach_pipeline.defs.metadata import SENSOR_DAYS
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.support.dagster_days import REACH_CDF, resources_for
from reach_pipeline_tests.support.sensor_days import FOUR_SENSORS, write_sensor_day

COVERAGE = AssetKey("reach_coverage")
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(4)]


@pytest.fixture
def input_dir(tmp_path):
    folder = tmp_path / "in"
    for day in DAYS[:3]:
        write_sensor_day(folder, day)
    write_sensor_day(folder, DAYS[3], FOUR_SENSORS[:3])  # REACH-135 absent
    return folder


def make(selection, instance, settings, days=None):
    tags = {}
    if days:
        tags = {
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        }
    result = materialize(
        [*ASSETS],
        selection=selection,
        resources=resources_for(settings),
        instance=instance,
        tags=tags,
    )
    assert result.success
    return result


def latest_metadata(instance, key, partition=None):
    event = instance.get_latest_materialization_event(key)
    if partition is not None:
        from dagster import AssetRecordsFilter

        [record] = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
        ).records
        event = record.event_log_entry
    return event.asset_materialization.metadata


def test_l1c_metadata_has_a_table_per_sensor_and_latencies(instance, settings, tmp_path):
    make([REACH_CDF], instance, settings, DAYS)
    metadata = latest_metadata(instance, REACH_CDF, DAYS[0].isoformat())
    rows = [r.data for r in metadata[SENSOR_DAYS].records]
    assert [r["sensor"] for r in rows] == list(FOUR_SENSORS)
    assert [r["satellite"] for r in rows] == [
        "Iridium-102",
        "Iridium-107",
        "Iridium-117",
        "Iridium-126",
    ]
    assert all(r["records"] > 0 and r["median_dose"] > 0 for r in rows)
    assert sum(r["records"] for r in rows) == metadata["after_dedupe"].value
    # The input was written before it was processed, long after the day's last minute.
    assert 0 < metadata["latency_input_h"].value <= metadata["latency_l1c_h"].value
    last = latest_metadata(instance, REACH_CDF, DAYS[3].isoformat())
    assert [r.data["sensor"] for r in last[SENSOR_DAYS].records] == list(FOUR_SENSORS[:3])


def test_coverage_csv_and_picture_hold_the_days_numbers(instance, settings, output_dir):
    make([REACH_CDF], instance, settings, DAYS)
    make([COVERAGE], instance, settings)
    metadata = latest_metadata(instance, COVERAGE)
    assert metadata["coverage"].value.startswith("![sensor coverage ")
    assert "(data:image/png;base64,iVBOR" in metadata["coverage"].value
    assert metadata["last_day"].value == DAYS[-1].isoformat()
    assert metadata["days_with_l1c"].value == 4

    with open(output_dir / "coverage" / "reach_coverage.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["day"] for r in rows} == {d.isoformat() for d in DAYS}
    assert len(rows) == 4 * 32  # every pod, every day with an L1C
    table = latest_metadata(instance, REACH_CDF, DAYS[0].isoformat())[SENSOR_DAYS].records
    first_day = {r["sensor"]: r for r in rows if r["day"] == DAYS[0].isoformat()}
    for record in table:
        assert int(first_day[record.data["sensor"]]["records"]) == record.data["records"]
    absent = [r for r in rows if r["day"] == DAYS[3].isoformat() and r["sensor"] == "REACH-135"]
    assert [(r["records"], r["satellite"], r["median_dose"]) for r in absent] == [
        ("0", "Iridium-126", "")
    ]
    png = (output_dir / "coverage" / "reach_coverage.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def test_coverage_is_requested_after_days_are_made_old_or_new(
    persistent_instance, settings, input_dir
):
    instance = persistent_instance

    def tick(cursor):
        context = build_sensor_context(instance=instance, cursor=cursor)
        result = reach_coverage_sensor(context)
        return result, context.cursor

    result, cursor = tick(None)
    assert result.skip_message == "no day made since the last refresh"  # nothing made yet
    make([REACH_CDF], instance, settings, DAYS[2:])
    result, cursor = tick(cursor)
    assert isinstance(result, RunRequest)
    result, cursor = tick(cursor)
    assert result.skip_message == "no day made since the last refresh"  # requested once
    make([COVERAGE], instance, settings)
    make([REACH_CDF], instance, settings, DAYS[:1])  # an older day: not the latest partition
    result, newer = tick(cursor)
    assert isinstance(result, RunRequest) and int(newer) > int(cursor)


def test_coverage_waits_for_runs_in_progress(persistent_instance, settings, input_dir):
    make([REACH_CDF], persistent_instance, settings, DAYS[:1])
    persistent_instance.add_run(DagsterRun(job_name="a_run", status=DagsterRunStatus.STARTED))
    context = build_sensor_context(instance=persistent_instance)
    assert reach_coverage_sensor(context).skip_message.startswith("waiting for run ")
    assert context.cursor is None


def test_coverage_without_any_day_is_an_empty_picture(instance, settings: ReachSettings):
    make([COVERAGE], instance, settings)
    assert latest_metadata(instance, COVERAGE)["days_with_l1c"].value == 0
