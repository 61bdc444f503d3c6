"""reach_input_sensor: new or changed day files."""

from __future__ import annotations

import json
import os
import shutil

from dagster import AssetKey, SensorResult, SkipReason, build_sensor_context

from reach_pipeline.defs.input_sensor import file_version, reach_input_sensor
from reach_pipeline.defs.jobs import PROCESS_AND_UPLOAD, PROCESS_ONLY
from reach_pipeline.defs.resources import ReachS3

from .conftest import SAMPLE_DAYS

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
