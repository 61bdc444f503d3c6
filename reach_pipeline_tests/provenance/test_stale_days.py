"""Stale days, Dagster's way, through the real webserver and daemon: an operator's own
processor module (REACH_PROCESSOR) makes days in a one-day run and in a ranged run; its
source changes and the code location reloads: the days it made are stale in the UI's
GraphQL (``staleStatusByPartition``), and fresh once made again; a re-downloaded input
makes its day stale."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance

from reach_pipeline.defs.input_sensor import day_files, observation
from reach_pipeline.provenance.cdf_attrs import global_attributes
from reach_pipeline.settings import resolve_settings
from reach_pipeline_tests.faults.support import REPO, cdf_rel, clean_env, write_sample_day
from reach_pipeline_tests.support.dagster_servers import DagsterServers, repo_servers
from reach_pipeline_tests.support.graphql import (
    FINISHED_RUN,
    backfill,
    launch_partition_backfill,
    reload_location,
    stale_status,
)

ONE_DAY = [date(2026, 2, 1)]  # a backfill of one day: a one-day run
RANGE = [date(2026, 2, 2), date(2026, 2, 3)]  # a backfill of two days: one ranged run
DAYS = [d.isoformat() for d in (*ONE_DAY, *RANGE)]
ASSETS = ["reach_cdf", "reach_geomap"]
MODULE = "reach_operator_calibration"
SOURCE = '''"""An operator's own processor: ours, with its own calibration constant."""
from reach_pipeline.processing import process_file as _ours

CALIBRATION = {calibration}


def process_file(path):
    return _ours(path)
'''

pytestmark = [pytest.mark.integration, pytest.mark.slow(50), pytest.mark.timeout(600)]


def write_processor(folder: Path, calibration: int) -> None:
    (folder / f"{MODULE}.py").write_text(SOURCE.format(calibration=calibration))


def launch(servers: DagsterServers) -> list[str]:
    """UI backfills of reach_cdf and reach_geomap over ONE_DAY and over RANGE, launched
    together; their ids."""
    ids = []
    for days in (ONE_DAY, RANGE):
        launched = launch_partition_backfill(servers.client, ASSETS, [d.isoformat() for d in days])
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        ids.append(launched["backfillId"])
    return ids


def wait_made(servers: DagsterServers, ids: list[str]) -> None:
    """Wait until each backfill has its one run and the runs ended, all successful.

    (The daemon marks a backfill ended one cycle, 30 s, after its run: the stale statuses
    are read from the runs' materializations, there before that.)"""

    def runs_ended():
        runs = [backfill(servers.client, backfill_id)["runs"] for backfill_id in ids]
        done = all(r and all(run["status"] in FINISHED_RUN for run in r) for r in runs)
        return runs if done else None

    runs = servers.wait("the backfills' runs to end", runs_ended, timeout_s=240)
    assert [len(r) for r in runs] == [1, 1], runs  # a one-day run, a ranged run
    assert {run["status"] for r in runs for run in r} == {"SUCCESS"}, runs


def statuses(servers: DagsterServers) -> dict[str, dict]:
    return {key: stale_status(servers.client, key, DAYS) for key in ASSETS}


def observe_inputs(instance: DagsterInstance, input_dir: Path) -> None:
    """What the input sensor records for each day file: its data version."""
    settings = resolve_settings({"input_dir": input_dir})
    for file in day_files(settings):
        instance.report_runless_asset_event(observation(file, "baseline"))


def test_processor_change_makes_its_days_stale_then_fresh(tmp_path):
    home, input_dir, out, modules = (tmp_path / n for n in ("dagster_home", "in", "out", "mods"))
    for folder in (home, modules):
        folder.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    for day in (*ONE_DAY, *RANGE):
        write_sample_day(input_dir, day)
    write_processor(modules, calibration=1)
    env = clean_env(
        tmp_path / "home",
        PYTHONPATH=os.pathsep.join([str(modules), str(REPO)]),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_PARTITIONS_START="2026-01-01",
        REACH_PROCESSOR=f"{MODULE}:process_file",
    )
    first: list[str] = []  # launched before the daemon starts: its first cycle takes them
    servers = repo_servers(
        home,
        env,
        tmp_path,
        stop_automation=True,
        before_daemon=lambda started: first.extend(launch(started)),
    )
    with DagsterInstance.from_config(str(home)) as instance:
        observe_inputs(instance, input_dir)
        with servers:
            location = servers.locations[0]["name"]
            wait_made(servers, first)
            before = statuses(servers)
            assert before["reach_cdf"]["status"] == dict.fromkeys(DAYS, "FRESH"), before
            assert before["reach_geomap"]["status"] == dict.fromkeys(DAYS, "FRESH"), before
            version = before["reach_cdf"]["code_version"]
            assert version.startswith(f"{MODULE}:process_file@src-"), version
            made = global_attributes(out / cdf_rel(ONE_DAY[0]))
            assert f"{made['Processor']}@{made['Processor_version']}" == version

            write_processor(modules, calibration=2)
            reload_location(servers.client, location)
            changed = statuses(servers)
            assert changed["reach_cdf"]["code_version"] != version
            assert changed["reach_cdf"]["status"] == dict.fromkeys(DAYS, "STALE"), changed
            assert all(
                causes == ["has a new code version"]
                for causes in changed["reach_cdf"]["causes"].values()
            ), changed

            wait_made(servers, launch(servers))
            after = statuses(servers)
            assert after["reach_cdf"]["status"] == dict.fromkeys(DAYS, "FRESH"), after
            assert after["reach_geomap"]["status"] == dict.fromkeys(DAYS, "FRESH"), after
            remade = global_attributes(out / cdf_rel(RANGE[-1]))
            assert (
                f"{remade['Processor']}@{remade['Processor_version']}"
                == (changed["reach_cdf"]["code_version"])
            )

            # A re-downloaded input (a new data version observed): its day only is stale.
            path = write_sample_day(input_dir, ONE_DAY[0])
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
            observe_inputs(instance, input_dir)
            redownloaded = statuses(servers)["reach_cdf"]
            assert redownloaded["status"] == {
                DAYS[0]: "STALE",
                **dict.fromkeys(DAYS[1:], "FRESH"),
            }, redownloaded
    assert not servers.forced, f"still running after SIGTERM (killed): {servers.forced}"
