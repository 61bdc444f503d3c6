"""The live day first, and a campaign paused and resumed, under the real daemon and the
shipped dagster.yaml. While a campaign's backfill is running, the day the input sensor
requests starts before the backfill's remaining runs, right after the backfill run in flight.

The backfill of 7 days is three runs (3, 3, 1 days: ``REACH_BACKFILL_DAYS_PER_RUN=3``
here). The gated processor holds the first run's first day until the test lets it go, so
the state the live day meets is fixed: the first run holding the ``reach_cdf`` slot, the
other two queued. No run is launched to wait for the slot (``op_granularity_run_buffer: 0``:
a waiting step busy-waits a core in Dagster 1.13), so the live day's run stays queued too,
held by the pool, until the run in flight ends; then the run queue launches it first (its
``dagster/priority`` tag), before the campaign's other runs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED
from reach_pipeline.defs.input_sensor import SENSOR_NAME
from reach_pipeline.defs.jobs import LIVE_TAGS
from reach_pipeline_tests.faults.support import (
    REPO,
    day_file_name,
    gated_env,
    latest,
    write_sample_day,
)
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.dagster_servers import repo_servers
from reach_pipeline_tests.support.graphql import (
    BACKFILL_ENDED,
    FINISHED_RUN,
    backfill,
    cancel_backfill,
    launch_partition_backfill,
    reexecute_backfill_from_failure,
)
from reach_pipeline_tests.support.instance_reads import create_storage, ticks_after

pytestmark = [pytest.mark.integration, pytest.mark.slow(55)]

CAMPAIGN = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(7)]
LIVE = dt.date(2026, 2, 10)
POOL = "reach_cdf"
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def run_days(run) -> list[dt.date]:
    """The days of a backfill run, from its partition range tags."""
    first = dt.date.fromisoformat(run.tags[RANGE_START])
    last = dt.date.fromisoformat(run.tags[RANGE_END])
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def pool_waiters(instance: DagsterInstance) -> list[str]:
    """Run ids with a step in the pool's queue (holding the slot or waiting for it)."""
    info = instance.event_log_storage.get_concurrency_info(POOL)
    return [step.run_id for step in info.pending_steps]


def campaign_site(tmp_path: Path, **options):
    """The campaign's day files, a home with the shipped dagster.yaml, the servers (the
    automation running unless ``stop_automation``: it then costs no sensor ticks) and the
    gated processor; ``(home, input_dir, servers)``; ``options`` as ``repo_servers``."""
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    create_storage(home)
    for day in CAMPAIGN:
        write_sample_day(input_dir, day)
    env = gated_env(
        tmp_path / "home",
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_PARTITIONS_START="2025-12-01",
        REACH_INPUT_SENSOR_INTERVAL_S="1",
        REACH_BACKFILL_DAYS_PER_RUN="3",
    )
    servers = repo_servers(home, env, tmp_path, **options)
    return home, input_dir, servers


def held_by_the_pool(log: Path, run_id: str) -> bool:
    """The run queue said so in the daemon's log (once per run it holds for a pool)."""
    return f"Run {run_id} is blocked by global concurrency limits" in log.read_text()


def test_the_live_day_starts_right_after_the_campaign_run_in_flight(tmp_path):
    home, input_dir, servers = campaign_site(tmp_path)
    with servers, DagsterInstance.from_config(str(home)) as instance:
        # the sensor's first tick: the campaign's files are its baseline, no run for them
        servers.wait("the input sensor's baseline", ticks_after(home, SENSOR_NAME, 1), 240)
        keys = [d.isoformat() for d in CAMPAIGN]
        launched = launch_partition_backfill(servers.client, ["reach_cdf"], keys)
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        campaign = RunsFilter(tags={"dagster/backfill": launched["backfillId"]})

        def campaign_in_flight():
            # a day of the first run processing (held), the other runs queued
            held = processors.started_processors(input_dir)
            runs = instance.get_runs(campaign)
            return held and len(runs) == 3 and pool_waiters(instance) and runs

        servers.wait("the campaign's run in flight", campaign_in_flight, 240)
        [held] = processors.started_processors(input_dir)
        write_sample_day(input_dir, LIVE)
        live_filter = RunsFilter(tags={"dagster/partition": LIVE.isoformat()})

        def live_held():
            runs = instance.get_runs(live_filter)
            return runs and held_by_the_pool(tmp_path / "daemon.log", runs[0].run_id) and runs[0]

        live = servers.wait("the live day's run held in the queue by the pool", live_held, 240)
        runs = instance.get_runs(campaign)
        in_flight = next(r for r in runs if held in {day_file_name(d) for d in run_days(r)})
        statuses = {r.run_id: r.status for r in [*runs, *instance.get_runs(live_filter)]}
        queued = {
            run_id for run_id, status in statuses.items() if status == DagsterRunStatus.QUEUED
        }
        # none waits in the pool: the campaign's other runs and the live day's are queued
        assert queued == set(statuses) - {in_flight.run_id}, statuses
        assert pool_waiters(instance) == [in_flight.run_id]
        assert list(processors.started_processors(input_dir)) == [held]

        processors.release_processors(input_dir)
        servers.wait(
            "every run to finish",
            lambda: all(r.status in FINISHED for r in instance.get_runs()),
            300,
        )
        runs = {r.run_id: r for r in instance.get_runs()}
        created = instance.get_run_record_by_id(live.run_id).create_timestamp.timestamp()

    assert all(r.status == DagsterRunStatus.SUCCESS for r in runs.values()), runs
    assert live.tags["dagster/priority"] == LIVE_TAGS["dagster/priority"]
    intervals = {r["input"]: r for r in processors.recorded_intervals(input_dir)}
    assert len(intervals) == len(CAMPAIGN) + 1
    live_start = intervals[day_file_name(LIVE)]["start"]
    first_run = [intervals[day_file_name(d)] for d in run_days(in_flight)]
    later = [
        intervals[day_file_name(d)]
        for run in runs.values()
        if run.run_id not in (in_flight.run_id, live.run_id)
        for d in run_days(run)
    ]
    assert len(first_run) + len(later) == len(CAMPAIGN)
    flight_end = max(i["end"] for i in first_run)
    assert flight_end <= live_start, "the live day overlapped the run in flight"
    assert all(live_start < i["start"] for i in later), "a later campaign run went first"
    print(
        f"\nlive day: started {live_start - flight_end:.2f} s after the campaign run in flight "
        f"ended ({len(first_run)} days; the run queue's next look, up to 1 s, and its run's "
        f"start-up), before the {len(later)} days of the campaign's other runs; "
        f"{live_start - created:.1f} s after its run was created (the held day included)"
    )


@pytest.mark.slow(130)  # four cycles of the backfill daemon (30 s each) after its first
def test_a_campaign_of_lower_priority_is_paused_and_resumed(tmp_path):
    """What the README tells an operator: launched with ``dagster/priority`` -1, paused with
    "Cancel backfill" (the day in flight is left resumable), resumed with "Re-execute from
    failure" (every day not made yet, the tags kept)."""
    lower = {"dagster/priority": "-1"}
    keys = [d.isoformat() for d in CAMPAIGN]
    answers = []  # launched before the daemon starts: its first cycle, at its start, takes it

    def launch(started):
        answers.append(launch_partition_backfill(started.client, ["reach_cdf"], keys, lower))

    home, input_dir, servers = campaign_site(tmp_path, stop_automation=True, before_daemon=launch)
    with servers, DagsterInstance.from_config(str(home)) as instance:
        [launched] = answers
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        first = launched["backfillId"]
        [held] = servers.wait("a campaign day", lambda: processors.started_processors(input_dir))
        cancel_backfill(servers.client, first)

        def ended(backfill_id):
            data = backfill(servers.client, backfill_id)
            done = data["status"] in BACKFILL_ENDED and data["runs"]
            return done and all(r["status"] in FINISHED_RUN for r in data["runs"]) and data

        paused = servers.wait("the campaign paused", lambda: ended(first), 240)
        assert {r["status"] for r in paused["runs"]} == {"CANCELED"}, paused
        assert list(processors.started_processors(input_dir)) == [held]
        telemetry = input_dir / "download_telemetry.csv"
        assert [r.status for r in latest(telemetry).values()] == [PROCESS_PENDING]

        processors.release_processors(input_dir)
        second = reexecute_backfill_from_failure(servers.client, first)
        resumed = servers.wait("the campaign resumed and done", lambda: ended(second), 300)
        runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": second}))
    assert resumed["status"] == "COMPLETED_SUCCESS", resumed
    assert {r.status for r in runs} == {DagsterRunStatus.SUCCESS}
    assert {r.tags["dagster/priority"] for r in runs} == {"-1"}
    state = latest(telemetry)
    assert sorted(state) == CAMPAIGN and {r.status for r in state.values()} == {PROCESSED}
    made = sorted(r["input"] for r in processors.recorded_intervals(input_dir))
    assert made == sorted(day_file_name(d) for d in CAMPAIGN)  # each day made once
