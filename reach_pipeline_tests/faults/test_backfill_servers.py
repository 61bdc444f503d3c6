"""A UI backfill over good and malformed days through the real webserver and daemon: the
bad days fail with their reason, and the code servers and the daemon stay healthy."""

from __future__ import annotations

import shutil
from datetime import date

import psutil
import pytest
from dagster import AssetKey, AssetPartitionStatus, DagsterInstance, DailyPartitionsDefinition

from reach_pipeline.contract.telemetry import FAILED, PROCESSED
from reach_pipeline_tests.support.dagster_servers import repo_servers
from reach_pipeline_tests.support.graphql import (
    FINISHED_RUN,
    backfill,
    daemons_healthy,
    launch_partition_backfill,
    loaded_locations,
)
from reach_pipeline_tests.support.pipeline_env import pipeline_env

from .corpus import bad_days, copy_bad_days, names_the_problem
from .support import REPO, cdf_rel, files_under, latest
from .support import write_sample_day as write_good_day

GOOD = [date(2026, 1, 20), date(2026, 1, 21)]
BAD_PICK = [date(2026, 1, 1), date(2026, 1, 4), date(2026, 1, 14)]
REACH_CDF = AssetKey("reach_cdf")
daily = DailyPartitionsDefinition(start_date="2025-12-01", timezone="UTC")


@pytest.mark.integration
@pytest.mark.slow(20)
def test_ui_backfill_bad_days_fail_and_servers_stay_healthy(tmp_path):
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    corpus = {b.day: b for b in bad_days()}
    bad = [corpus[day] for day in BAD_PICK]
    copy_bad_days(input_dir, bad)
    for day in GOOD:
        write_good_day(input_dir, day)
    telemetry = tmp_path / "download_telemetry.csv"
    env = pipeline_env(
        tmp_path,
        input_dir,
        out,
        REACH_TELEMETRY_PATH=str(telemetry),
        REACH_PARTITIONS_START="2025-12-01",
    )
    # The input sensor would request its own run for every day file once the daemon runs:
    # the automation is stopped before the daemon starts, so the backfill's runs are the
    # only ones. The backfill is launched then too: the daemon's first cycle takes it.
    keys = sorted(d.isoformat() for d in [*BAD_PICK, *GOOD])
    answers = []

    def launch(started):
        answers.append(launch_partition_backfill(started.client, ["reach_cdf"], keys))

    servers = repo_servers(home, env, tmp_path, stop_automation=True, before_daemon=launch)
    with servers:
        web = servers.client
        code_servers = servers.wait("the code servers", servers.code_servers)
        [launched] = answers
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        with DagsterInstance.from_config(str(home)) as instance:

            def settled():
                # Several days per run (a ranged run): every day's own status is what counts.
                runs = backfill(web, backfill_id)["runs"]
                if not runs or any(r["status"] not in FINISHED_RUN for r in runs):
                    return None
                status = instance.get_status_by_partition(REACH_CDF, keys, daily)
                return status if status and None not in status.values() else None

            status = servers.wait("every day's outcome", settled, timeout_s=240)
        assert status == {
            **{d.isoformat(): AssetPartitionStatus.FAILED for d in BAD_PICK},
            **{d.isoformat(): AssetPartitionStatus.MATERIALIZED for d in GOOD},
        }

        state = latest(telemetry)
        for entry in bad:
            row = state[entry.day]
            assert row.status == FAILED, row
            assert names_the_problem(row, entry), (entry.phrase, row.error_message)
        for day in GOOD:
            assert state[day].status == PROCESSED
        assert files_under(out / "l1c") == sorted(out / cdf_rel(day) for day in GOOD)

        # Still healthy: the same processes alive, the webserver answering, the code
        # location loaded without error, every required daemon heartbeating.
        servers.check_alive()
        assert all(psutil.pid_exists(pid) for pid in code_servers), code_servers
        assert code_servers <= servers.code_servers()
        assert web.server_info()
        assert loaded_locations(web)
        assert daemons_healthy(web)
    # SIGTERM to each server's process group ended every process seen in the trees
    # (run workers and processors included); none needed SIGKILL.
    assert not servers.forced, f"still running after SIGTERM (killed): {servers.forced}"
