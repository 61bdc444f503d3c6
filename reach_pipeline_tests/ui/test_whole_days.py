"""The UI's routes to whole days, sent as the UI sends them, through the real webserver and
daemon: the backfill of the job reach_daily_job (Jobs -> reach_daily_job -> backfill: L1C,
L2 and both uploads, 25 days per run), and the group's "Materialize all" (an asset
backfill of the four assets). With no bucket the uploads are not configured and no day is
red; with a bucket (a real S3 server) every stage is made, and the same days again change
nothing: NO_CHANGE, the files and the objects untouched."""

from __future__ import annotations

import shutil

import pytest
from dagster import (
    AssetKey,
    AssetPartitionStatus,
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DailyPartitionsDefinition,
    RunsFilter,
)

from reach_pipeline_tests.faults.support import REPO, clean_env
from reach_pipeline_tests.support.dagster_servers import repo_servers
from reach_pipeline_tests.support.graphql import (
    BACKFILL_ENDED,
    FINISHED_RUN,
    backfill,
    launch_job_backfill,
    launch_partition_backfill,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow(70), pytest.mark.timeout(600)]

DAYS = ["2025-09-01", "2025-09-02", "2025-09-03"]
MADE = ("reach_cdf", "reach_geomap")
UPLOADS = ("reach_cdf_s3", "reach_geomap_s3")
EVERY_ASSET = [*MADE, *UPLOADS]  # what the group's "Materialize all" selects
daily = DailyPartitionsDefinition(start_date="2025-08-25", timezone="UTC")


def workspace(tmp_path, **extra):
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    shutil.copytree(
        REPO / "examples" / "udl", input_dir, ignore=shutil.ignore_patterns("download_*")
    )
    env = clean_env(
        tmp_path / "home",
        PYTHONPATH=str(REPO),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_PARTITIONS_START="2025-08-25",
        **extra,
    )
    return home, out, env


def launch_job(servers) -> dict:
    """Launch the daily job's backfill of the days (the answer)."""
    location = servers.locations[0]["name"]
    return launch_job_backfill(servers.client, location, "reach_daily_job", DAYS)


def job_backfill(servers) -> str:
    """Launch the daily job's backfill of the days; wait until its run ends (successful)."""
    return wait_for_run(servers, launch_job(servers))


def materialize_all(servers) -> str:
    """Launch "Materialize all" (the four assets) for the days; wait until its run ends."""
    launched = launch_partition_backfill(servers.client, EVERY_ASSET, DAYS)
    return wait_for_run(servers, launched)


def servers_with_a_job_backfill(home, env, tmp_path):
    """The servers, the daily job's backfill of the days launched before the daemon starts
    (its first cycle, at its start, takes it): ``(servers, [the launch's answer])``."""
    launched = []
    servers = repo_servers(
        home,
        env,
        tmp_path,
        stop_automation=True,
        before_daemon=lambda started: launched.append(launch_job(started)),
    )
    return servers, launched


def wait_for_run(servers, launched: dict) -> str:
    """Wait until the launched backfill's run ended, successful; the backfill's id.

    The daemon marks the backfill ended one cycle (30 s) later: the next step need not
    wait for that (``wait_for_end`` does, for every backfill at the end)."""
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    def run_ended():
        runs = backfill(servers.client, backfill_id)["runs"]
        return runs if runs and all(r["status"] in FINISHED_RUN for r in runs) else None

    runs = servers.wait(f"the run of backfill {backfill_id}", run_ended, timeout_s=300)
    assert {r["status"] for r in runs} == {"SUCCESS"}, runs
    return backfill_id


def wait_for_end(servers, backfill_id: str, asset_backfill: bool = False) -> None:
    """Wait until the backfill ended: one run (the three days in one ranged run), successful."""

    def ended():
        data = backfill(servers.client, backfill_id)
        runs_done = data["runs"] and all(r["status"] in FINISHED_RUN for r in data["runs"])
        return data if data["status"] in BACKFILL_ENDED and runs_done else None

    data = servers.wait(f"backfill {backfill_id}", ended, timeout_s=300)
    assert {r["status"] for r in data["runs"]} == {"SUCCESS"}, data["runs"]
    assert len(data["runs"]) == 1, data["runs"]  # the three days in one ranged run
    if not asset_backfill:
        assert data["status"] == "COMPLETED_SUCCESS", data
    # (An asset backfill counts the uploads it targeted and no run materialized as failed
    # partitions of the backfill, though no run or day failed: COMPLETED_FAILED.)


def statuses(instance, asset: str) -> dict:
    return instance.get_status_by_partition(AssetKey(asset), DAYS, daily)


def products(out, level: str) -> dict:
    """Each product file under ``out/level`` with its inode and modification time."""
    return {
        str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted((out / level).rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow(100)
def test_whole_days_with_no_bucket_make_l1c_and_l2_and_leave_no_day_red(tmp_path):
    home, out, env = workspace(tmp_path)
    servers, launched = servers_with_a_job_backfill(home, env, tmp_path)
    with servers:
        with DagsterInstance.from_config(str(home)) as instance:
            by_job = wait_for_run(servers, launched[0])
            by_assets = materialize_all(servers)  # launched once the job's run ended
            wait_for_end(servers, by_job)
            wait_for_end(servers, by_assets, asset_backfill=True)
            for backfill_id in (by_job, by_assets):
                assert_no_day_red(instance, backfill_id)
    assert len([p for p in products(out, "l1c") if p.endswith(".cdf")]) == 3
    assert len([p for p in products(out, "l2") if p.endswith(".cdf")]) == 3


def assert_no_day_red(instance, backfill_id: str) -> None:
    """L1C and L2 made, the uploads neither made nor failed, every check passed."""
    for asset in MADE:
        assert set(statuses(instance, asset).values()) == {AssetPartitionStatus.MATERIALIZED}, asset
    for asset in UPLOADS:  # not configured: neither made nor failed
        assert AssetPartitionStatus.FAILED not in statuses(instance, asset).values()
        assert instance.get_materialized_partitions(AssetKey(asset)) == set()
    results = check_results(instance, backfill_id)
    for check in ("cdf_is_valid", "geomap_is_valid"):
        assert {day: results.get((check, day)) for day in DAYS} == dict.fromkeys(DAYS, True), check


def check_results(instance, backfill_id: str) -> dict[tuple[str, str], bool]:
    """``{(check, day): passed}`` of the backfill's runs."""
    results = {}
    for run_id in backfill_runs(instance, backfill_id):
        for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
            evaluation = entry.dagster_event.event_specific_data
            results[(evaluation.check_name, evaluation.partition)] = evaluation.passed
    return results


def s3_objects(s3_server) -> dict:
    listing = s3_server.client().list_objects_v2(Bucket=s3_server.bucket)
    return {o["Key"]: (o["ETag"], o["LastModified"]) for o in listing.get("Contents", [])}


def test_whole_days_with_a_bucket_upload_and_the_same_days_again_change_nothing(
    tmp_path, s3_server
):
    home, out, env = workspace(tmp_path, REACH_S3_BUCKET=s3_server.bucket, **s3_server.client_env())
    servers, launched = servers_with_a_job_backfill(home, env, tmp_path)
    with servers:
        with DagsterInstance.from_config(str(home)) as instance:
            first = wait_for_run(servers, launched[0])
            for asset in EVERY_ASSET:
                assert set(statuses(instance, asset).values()) == {
                    AssetPartitionStatus.MATERIALIZED
                }, asset
            objects, files = s3_objects(s3_server), products(out, "l1c") | products(out, "l2")
            for day in DAYS:
                y, m, d = day.split("-")
                for level in ("l1c", "l2"):
                    assert any(k.startswith(f"{level}/prelim/{y}/{m}/{d}/") for k in objects)

            again = job_backfill(servers)  # launched once the first's run ended
            wait_for_end(servers, first)
            wait_for_end(servers, again)
            for asset in MADE:
                records = instance.fetch_materializations(
                    AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=DAYS),
                    limit=10,
                ).records
                latest = [r for r in records if r.run_id in backfill_runs(instance, again)]
                verdicts = {r.asset_materialization.metadata["change"].value for r in latest}
                assert len(latest) == len(DAYS) and verdicts == {"NO_CHANGE"}, asset
    assert products(out, "l1c") | products(out, "l2") == files  # same inodes, same times
    assert s3_objects(s3_server) == objects  # nothing sent again


def backfill_runs(instance, backfill_id: str) -> set[str]:
    return {r.run_id for r in instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))}
