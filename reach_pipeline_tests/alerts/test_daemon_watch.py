"""The sensor watch and the coverage as the daemon runs them: a real webserver and daemon,
a loopback webhook, twelve small days of four sensors of which the last three lack one.

Exactly one alert names the silent sensor, its satellite and its first silent day; when it
is back (a thirteenth day), exactly one more message says so; reach_coverage is refreshed
by its sensor each time, unattended, and its CSV shows the gap.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.registry import resources as registered
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.faults.support import REPO, clean_env
from reach_pipeline_tests.support.dagster_servers import DagsterServers, repo_servers
from reach_pipeline_tests.support.graphql import stop_automation
from reach_pipeline_tests.support.instance_reads import sensor_ticks
from reach_pipeline_tests.support.sensor_days import FOUR_SENSORS, write_sensor_day

pytestmark = [pytest.mark.integration, pytest.mark.slow(75), pytest.mark.timeout(600)]

DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(12)]
BACK = dt.date(2026, 1, 13)
SILENT = "REACH-135"  # on Iridium-126
UNDER_TEST = ("reach_sensor_watch", "reach_coverage_sensor")
UI = "https://dagster.example.org"


def keep_only_the_watch(servers: DagsterServers) -> None:
    """The input sensor would run the day files itself, the other alerts act on the clock."""
    stop_automation(servers.client, servers.locations, keep=UNDER_TEST)


def make_days(home: Path, settings: ReachSettings, first: dt.date, last: dt.date) -> None:
    """reach_cdf for ``first`` .. ``last`` in one ranged run recorded in the daemon's
    instance (as `reach-pipeline process` does with DAGSTER_HOME set)."""
    with DagsterInstance.from_config(str(home)) as instance:
        result = materialize(
            [*ASSETS],
            selection=["reach_cdf"],
            resources=registered(settings),
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": first.isoformat(),
                "dagster/asset_partition_range_end": last.isoformat(),
            },
        )
    assert result.success


def coverage_up_to(home: Path, day: dt.date):
    """A check for ``wait``: reach_coverage's metadata once it covers up to ``day``."""

    def check():
        with DagsterInstance.from_config(str(home)) as instance:
            event = instance.get_latest_materialization_event(AssetKey("reach_coverage"))
        if event is None:
            return None
        metadata = event.asset_materialization.metadata
        return metadata if metadata["last_day"].value == day.isoformat() else None

    return check


def test_a_silent_sensor_is_told_once_and_its_return_once(tmp_path, webhook):
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    for day in DAYS:
        write_sensor_day(input_dir, day, FOUR_SENSORS if day < DAYS[9] else FOUR_SENSORS[:3])
    settings = ReachSettings(input_dir=str(input_dir), output_dir=str(out))
    env = clean_env(
        tmp_path / "home",
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_PARTITIONS_START="2025-12-01",
        REACH_ALERT_WEBHOOK_URL=webhook.url("/services/T1/B1/watch"),
        REACH_UI_BASE_URL=UI,
        PYTHONPATH=str(REPO),  # this checkout's code, whatever the venv's editable install
    )

    def before_daemon(started: DagsterServers) -> None:
        """The twelve days are made before the daemon starts: its first ticks see them."""
        keep_only_the_watch(started)
        make_days(home, settings, DAYS[0], DAYS[-1])

    servers = repo_servers(
        home,
        env,
        tmp_path,
        before_daemon=before_daemon,
    )
    with servers:
        [silent] = [r.json() for r in webhook.wait_for(1, timeout_s=180)]
        servers.wait("the coverage of the twelve days", coverage_up_to(home, DAYS[-1]), 180)

        write_sensor_day(input_dir, BACK)  # the four sensors again
        make_days(home, settings, BACK, BACK)
        back = webhook.wait_for(2, timeout_s=180)[1].json()
        told_back = time.time()
        metadata = servers.wait("the coverage of the 13th day", coverage_up_to(home, BACK), 180)
        # one more evaluation of the watch after the one that told the return: nothing new
        # (a tick started after the message came; often one already did, during the wait
        # for the coverage)
        servers.wait(
            "another tick of the watch",
            lambda: any(t.timestamp > told_back for t in sensor_ticks(home, "reach_sensor_watch")),
            120,
        )
    assert not servers.forced, servers.forced

    print(silent["text"], back["text"], sep="\n\n")
    assert len(webhook.requests) == 2, webhook.bodies()
    lines = silent["text"].splitlines()
    assert lines[0] == f"REACH {SILENT} on Iridium-126 silent since {DAYS[9]}"
    assert "Satellite: Iridium-126" in lines and f"First silent day: {DAYS[9]}" in lines
    assert f"Latest day: 0 records on {DAYS[-1]} (usually 13)" in lines
    assert f"Open the coverage: {UI}/assets/reach_coverage" in lines
    assert back["text"].splitlines()[0] == f"REACH {SILENT} on Iridium-126 is back on {BACK}"

    assert metadata["days_with_l1c"].value == 13
    with open(out / "coverage" / "reach_coverage.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["sensor"] == SILENT]
    assert [int(r["records"]) > 0 for r in rows] == [True] * 9 + [False] * 3 + [True]
    assert metadata["coverage"].value.startswith("![sensor coverage")
