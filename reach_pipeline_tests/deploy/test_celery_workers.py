"""The shipped several-machines configuration (deploy/) for real: a PostgreSQL instance whose
runs go through RabbitMQ to two dagster-celery workers (two processes standing in for two
machines), Redis as the result backend, the webserver and the daemon; backfills launched as
the UI does.

The first day of each run waits at a gate (``gate.gated``) until the test opens it, so the
test decides what is in flight when, whatever the machine's speed.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED, TelemetryLog
from reach_pipeline.defs.jobs import LIVE_TAGS, PROCESS_ONLY
from reach_pipeline_tests.faults.support import (
    REPO,
    cdf_rel,
    clean_env,
    day_file_name,
    files_under,
    write_sample_day,
)
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.celery_workers import (
    INSTANCE_YAML,
    finished_task,
    node_name,
    path_with_venv,
    set_pool_limit,
    start_workers,
    tasks_received,
    worker_names,
    worker_of,
)
from reach_pipeline_tests.support.dagster_servers import DagsterServers, dagster_servers
from reach_pipeline_tests.support.days import days_from
from reach_pipeline_tests.support.graphql import launch_day_run, launch_partition_backfill
from reach_pipeline_tests.support.processes import poll

from .gate import GATED, open_gate

# Celery workers, a daemon and PostgreSQL each: one at a time on one xdist worker.
# slow(250): the group's four tests together, one after the other on one process
pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.integration, pytest.mark.slow(250)]

FIRST = date(2025, 9, 1)
REACH_CDF = AssetKey("reach_cdf")
TASK_ID_TAG = "dagster-celery/task_id"
RUN_S = 300.0  # deadline for what the runs do


@dataclass
class Site:
    """One deployment: the instance's home, the shared folders, the environment of every
    process (the same on every "machine"), and the workers once started."""

    root: Path
    env: dict[str, str]
    names: list[str]
    workers: dict = field(default_factory=dict)

    def __post_init__(self):
        self.home, self.input_dir = self.root / "dagster_home", self.root / "in"
        self.out, self.telemetry = self.root / "out", self.root / "download_telemetry.csv"

    @contextmanager
    def running(self) -> Iterator[tuple[DagsterServers, DagsterInstance]]:
        """The servers and workers up, and the instance open. After a clean exit: SIGTERM to
        each process group ended every process seen in the webserver, daemon and worker
        trees (run workers, fork workers, processors); none needed SIGKILL."""
        servers = self.servers()
        with servers, DagsterInstance.from_config(str(self.home)) as instance:
            yield servers, instance
        assert not servers.forced, f"still running after SIGTERM (killed): {servers.forced}"

    def servers(self) -> DagsterServers:
        """Webserver; the pool's limit = the workers' slots (as README "Running on several
        machines" says) and the workers, answering; then the daemon."""

        def before_daemon(servers):
            set_pool_limit(self.env, len(self.names), cwd=self.root)
            self.workers.update(start_workers(servers, self.names))

        return dagster_servers(
            self.home,
            REPO / "workspace.yaml",
            self.env,
            cwd=self.root,
            log_dir=self.root,
            stop_automation=True,
            before_daemon=before_daemon,
        )


@pytest.fixture
def make_site(tmp_path, monkeypatch, services):
    """``make_site(days)``: a deployment in ``tmp_path`` with the sample day on ``days``."""
    return lambda days: _make_site(tmp_path, services, days, monkeypatch)


def _make_site(root: Path, services: dict[str, str], days: list[date], monkeypatch) -> Site:
    env = clean_env(
        root / "home",
        DAGSTER_HOME=str(root / "dagster_home"),
        REACH_INPUT_DIR=str(root / "in"),
        REACH_OUTPUT_DIR=str(root / "out"),
        REACH_TELEMETRY_PATH=str(root / "download_telemetry.csv"),
        REACH_PARTITIONS_START="2025-08-01",
        REACH_BACKFILL_DAYS_PER_RUN="10",  # the day counts below make one, two or three runs
        REACH_PROCESSOR=GATED,
        PYTHONPATH=str(REPO),  # the gated processor lives in the tests
        **services,
    )
    env["PATH"] = path_with_venv(env["PATH"])
    for key, value in services.items():  # this process opens the same instance
        monkeypatch.setenv(key, value)
    site = Site(root, env, worker_names(services["REACH_CELERY_QUEUE"], 2))
    site.home.mkdir()
    shutil.copyfile(INSTANCE_YAML, site.home / "dagster.yaml")
    for day in days:
        write_sample_day(site.input_dir, day)
    return site


def run_days(run) -> list[date]:
    """The days of a run, from its partition range tags (or its one partition)."""
    one = run.tags.get("dagster/partition")
    first = date.fromisoformat(run.tags.get("dagster/asset_partition_range_start", one))
    last = date.fromisoformat(run.tags.get("dagster/asset_partition_range_end", one))
    return days_from(first, (last - first).days + 1)


def backfill_runs(instance: DagsterInstance, backfill_id: str):
    return instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))


def launch(servers: DagsterServers, days: list[date]) -> str:
    launched = launch_partition_backfill(
        servers.client, ["reach_cdf"], [d.isoformat() for d in days]
    )
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def finished_runs(instance: DagsterInstance, backfill_id: str):
    """The backfill's runs once there are some and every one has finished, else None."""
    runs = backfill_runs(instance, backfill_id)
    return runs if runs and all(r.is_finished for r in runs) else None


def run_process(instance: DagsterInstance, run_id: str) -> int:
    """The PID of the process that executed the run (its RUN_START event's)."""
    [start] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_START)
    return start.dagster_event.pid


def materialized_days(instance: DagsterInstance) -> Counter:
    records = instance.fetch_materializations(REACH_CDF, limit=1000).records
    return Counter(r.event_log_entry.dagster_event.partition for r in records)


def assert_each_day_processed_once(site: Site, days: list[date]) -> None:
    """One telemetry PROCESSED row per day, nothing but PENDING/PROCESSED, one CDF a day."""
    keys = [day.isoformat() for day in days]
    rows = TelemetryLog(site.telemetry).rows()
    assert Counter(r.chunk_date_utc for r in rows if r.status == PROCESSED) == Counter(keys)
    assert {r.status for r in rows} == {PROCESS_PENDING, PROCESSED}
    assert files_under(site.out / "l1c") == sorted(site.out / cdf_rel(day) for day in days)


def test_backfill_runs_spread_over_two_celery_workers(make_site):
    """Twenty days, not ten: the site's backfills run up to ten days per run
    (REACH_BACKFILL_DAYS_PER_RUN=10), so ten days would be one run, which one worker executes;
    twenty are two runs. Both runs wait at the gate until they are executing at once: each
    worker has one slot and holds no second task while busy (late acknowledgement, prefetch
    one), so two runs in flight together are on two workers."""
    days = days_from(FIRST, 20)
    site = make_site(days)
    with site.running() as (servers, instance):
        backfill_id = launch(servers, days)

        def both_executing():
            runs = backfill_runs(instance, backfill_id)
            return sum(r.status == DagsterRunStatus.STARTED for r in runs) == 2

        servers.wait(
            "2 runs executing at once (a worker holding a second run while busy would keep "
            "this from happening)",
            both_executing,
            RUN_S,
        )
        open_gate(site.input_dir)
        runs = servers.wait(
            "the runs to finish", lambda: finished_runs(instance, backfill_id), RUN_S
        )

        assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS] * 2, runs
        assert materialized_days(instance) == Counter(d.isoformat() for d in days)
        # each run executed in one worker's process, the two runs in different workers
        executed_by = {
            r.run_id: worker_of(run_process(instance, r.run_id), site.workers) for r in runs
        }
        assert sorted(executed_by.values()) == sorted(site.names), executed_by
        # the broker and the result backend agree: each worker's own log received the
        # Celery task of its run, and Redis names that worker as the one that ran it
        for run in runs:
            name, task_id = executed_by[run.run_id], run.tags[TASK_ID_TAG]
            assert task_id in tasks_received(site.workers[name].log), (run.run_id, name)
            assert finished_task(task_id) == ("SUCCESS", node_name(name))
        servers.check_alive()

    assert_each_day_processed_once(site, days)


def test_a_worker_that_dies_mid_run_fails_its_run_and_the_days_resume(make_site):
    """A machine lost mid-run, for real: every process of the worker executing the run gets
    SIGKILL, so its connection to RabbitMQ drops with the run's task unacknowledged. The
    broker hands the task to the other worker, which finds the run already started and marks
    it failed; the day in flight stays PROCESS_PENDING; a new backfill completes the days."""
    days = days_from(FIRST, 10)  # one run
    site = make_site(days)
    with site.running() as (servers, instance):
        backfill_id = launch(servers, days)

        def day_in_flight():
            runs = backfill_runs(instance, backfill_id)
            started = [r for r in runs if r.status == DagsterRunStatus.STARTED]
            pending = site.telemetry.exists() and TelemetryLog(site.telemetry).rows()
            return started[0] if started and pending else None

        run = servers.wait("the first day in flight", day_in_flight, RUN_S)
        victim = worker_of(run_process(instance, run.run_id), site.workers)
        [survivor] = [name for name in site.names if name != victim]
        os.killpg(site.workers[victim].pid, signal.SIGKILL)  # the whole worker, at once
        dead = site.workers[victim]

        def others_alive():  # the victim is dead on purpose; every other process must live
            for server in servers.servers:
                if server is not dead:
                    server.check_alive()

        poll(
            "the run marked failed",
            lambda: instance.get_run_by_id(run.run_id).status == DagsterRunStatus.FAILURE,
            RUN_S,
            guard=others_alive,
        )
        task_id = run.tags[TASK_ID_TAG]
        assert task_id in tasks_received(site.workers[survivor].log)
        assert finished_task(task_id) == ("SUCCESS", node_name(survivor))
        assert not materialized_days(instance)
        state = TelemetryLog(site.telemetry).latest_by_day()
        assert {day: row.status for day, row in state.items()} == {FIRST: PROCESS_PENDING}

        open_gate(site.input_dir)
        again = launch(servers, days)
        runs = poll(
            "the new backfill", lambda: finished_runs(instance, again), RUN_S, guard=others_alive
        )
        assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS]
        assert worker_of(run_process(instance, runs[0].run_id), site.workers) == survivor
        assert materialized_days(instance) == Counter(d.isoformat() for d in days)

    rows = TelemetryLog(site.telemetry).rows()
    assert [r.status for r in rows if r.chunk_date_utc == FIRST.isoformat()] == [
        PROCESS_PENDING,  # the lost run's
        PROCESS_PENDING,
        PROCESSED,
    ]
    assert_each_day_processed_once(site, days)


def test_the_live_day_behind_a_campaign_on_one_celery_worker(make_site):
    """The live day first on the several-machines setup too: one worker, a campaign of three
    runs (21 days), its first day held; then a run of the live day with the tags the
    schedule and the input sensor give it. No run is launched ahead of the pool's free slot
    (deploy/dagster-celery.yaml, a run buffer of 0), so nothing of the campaign waits in
    RabbitMQ's queue: when the run in flight ends, the run queue launches the live day's
    run first, and it starts before the campaign's two other runs."""
    days = days_from(FIRST, 21)
    live = FIRST + timedelta(days=40)
    site = make_site([*days, live])
    site.names = site.names[:1]
    site.env["REACH_PROCESSOR"] = processors.GATED  # records when each day ran
    with site.running() as (servers, instance):
        backfill_id = launch(servers, days)

        def campaign_in_flight():
            held = processors.started_processors(site.input_dir)
            runs = backfill_runs(instance, backfill_id)
            return held and len(runs) == 3 and runs

        servers.wait("the campaign's first day held", campaign_in_flight, RUN_S)
        location = servers.locations[0]["name"]
        assets = [k.to_user_string() for k in PROCESS_ONLY]
        live_id = launch_day_run(
            servers.client, location, "reach_daily_job", live.isoformat(), assets, LIVE_TAGS
        )
        created = instance.get_run_record_by_id(live_id).create_timestamp.timestamp()
        processors.release_processors(site.input_dir)
        servers.wait(
            "every run to finish",
            lambda: all(r.is_finished for r in instance.get_runs()),
            RUN_S,
        )
        runs = backfill_runs(instance, backfill_id)
    intervals = {r["input"]: r for r in processors.recorded_intervals(site.input_dir)}
    start = {day: intervals[day_file_name(day)]["start"] for day in [*days, live]}
    end = {day: intervals[day_file_name(day)]["end"] for day in days}
    by_run = sorted(
        (min(start[d] for d in run_days(r)), run_days(r)) for r in runs
    )  # the campaign's runs in the order they ran
    before = [len(ds) for first, ds in by_run if first < start[live]]
    after = [len(ds) for first, ds in by_run if first > start[live]]
    in_flight_end = max(end[d] for d in by_run[0][1])
    print(
        f"\ncelery, one worker: the live day started {start[live] - created:.1f} s after its "
        f"run was created, {start[live] - in_flight_end:.1f} s after the campaign's run in "
        f"flight ended its last day, after {len(before)} campaign run(s) ({sum(before)} days) "
        f"and before {len(after)} ({sum(after)} days)"
    )
    assert (len(before), len(after)) == (1, 2), (
        "the live day should start right after the campaign's run in flight, before its two "
        f"other runs: it started after {len(before)} and before {len(after)}"
    )
