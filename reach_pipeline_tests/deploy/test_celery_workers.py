"""The shipped several-machines configuration (deploy/) for real: a PostgreSQL instance whose
runs go through RabbitMQ to two dagster-celery workers (two processes standing in for two
machines), Redis as the result backend, the webserver and the daemon; a backfill launched as
the UI does.

Twenty days, not ten: a backfill runs up to ten days per run (BackfillPolicy.multi_run(10)),
so ten days would be one run, which one worker executes. Twenty days are two runs of ten.
The first day of each run waits at a gate (``gate.gated``) until both runs are executing at
once: each worker has one slot and holds no second task while busy (late acknowledgement,
prefetch one), so two runs in flight together are necessarily on two workers, whatever the
machine's speed; then the gate opens.
"""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, timedelta

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from reach_pipeline.contract.telemetry import PROCESS_PENDING, PROCESSED, TelemetryLog
from reach_pipeline_tests.faults.support import (
    REPO,
    cdf_rel,
    clean_env,
    files_under,
    write_sample_day,
)
from reach_pipeline_tests.support.celery_workers import (
    INSTANCE_YAML,
    celery_env,
    delete_queue,
    node_name,
    path_with_venv,
    set_pool_limit,
    start_workers,
    task_outcome,
    tasks_received,
    unique_queue,
    worker_names,
    worker_of,
)
from reach_pipeline_tests.support.dagster_servers import dagster_servers
from reach_pipeline_tests.support.graphql import launch_partition_backfill
from reach_pipeline_tests.support.services import (
    check_rabbitmq,
    check_redis,
    create_database,
    drop_database,
    postgres_env,
    services_required,
)

from .gate import GATED, open_gate

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FIRST = date(2025, 9, 1)
DAYS = [FIRST + timedelta(days=i) for i in range(20)]
RUNS = 2  # twenty days, ten per run
REACH_CDF = AssetKey("reach_cdf")
TASK_ID_TAG = "dagster-celery/task_id"


@pytest.fixture
def postgres_db():
    """A fresh database for the instance, dropped afterwards."""
    with services_required():
        name = create_database()
    yield name
    drop_database(name)


@pytest.fixture
def celery_queue():
    """A queue of our own on the shared broker, removed afterwards."""
    with services_required():
        check_rabbitmq()
        check_redis()
    queue = unique_queue()
    yield queue
    delete_queue(queue)


def backfill_runs(instance: DagsterInstance, backfill_id: str):
    return instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))


def run_process(instance: DagsterInstance, run_id: str) -> int:
    """The PID of the process that executed the run (its RUN_START event's)."""
    [start] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_START)
    return start.dagster_event.pid


def materialized_days(instance: DagsterInstance) -> Counter:
    records = instance.fetch_materializations(REACH_CDF, limit=1000).records
    return Counter(r.event_log_entry.dagster_event.partition for r in records)


def test_backfill_runs_spread_over_two_celery_workers(
    tmp_path, monkeypatch, postgres_db, celery_queue
):
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(INSTANCE_YAML, home / "dagster.yaml")
    for day in DAYS:
        write_sample_day(input_dir, day)
    telemetry = tmp_path / "download_telemetry.csv"
    services = {**postgres_env(postgres_db), **celery_env(celery_queue)}
    env = clean_env(
        tmp_path / "home",
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_TELEMETRY_PATH=str(telemetry),
        REACH_PARTITIONS_START="2025-08-01",
        REACH_PROCESSOR=GATED,
        PYTHONPATH=str(REPO),  # the gated processor lives in the tests
        **services,
    )
    env["PATH"] = path_with_venv(env["PATH"])
    for key, value in services.items():  # this process opens the same instance
        monkeypatch.setenv(key, value)
    names = worker_names(celery_queue, 2)
    workers = {}

    def before_daemon(servers):
        # as README "Running on several machines": the pool's limit is the workers' slots
        set_pool_limit(env, len(names), cwd=tmp_path)
        workers.update(start_workers(servers, names))

    keys = [day.isoformat() for day in DAYS]
    servers = dagster_servers(
        home,
        REPO / "workspace.yaml",
        env,
        cwd=tmp_path,
        log_dir=tmp_path,
        stop_automation=True,
        before_daemon=before_daemon,
    )
    with servers, DagsterInstance.from_config(str(home)) as instance:
        launched = launch_partition_backfill(servers.client, ["reach_cdf"], keys)
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        def both_executing():
            runs = backfill_runs(instance, backfill_id)
            started = [r for r in runs if r.status == DagsterRunStatus.STARTED]
            return len(started) == RUNS

        servers.wait(
            f"{RUNS} runs executing at once (a worker holding a second run while busy "
            "would keep this from happening)",
            both_executing,
            timeout_s=300,
        )
        open_gate(input_dir)

        def all_finished():
            runs = backfill_runs(instance, backfill_id)
            return runs if runs and all(r.is_finished for r in runs) else None

        runs = servers.wait("the backfill's runs to finish", all_finished, timeout_s=300)

        assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS] * RUNS, runs
        # every day materialized exactly once
        assert materialized_days(instance) == Counter(keys)
        # each run executed in one worker's process, and the two runs in different workers
        executed_by = {r.run_id: worker_of(run_process(instance, r.run_id), workers) for r in runs}
        assert sorted(executed_by.values()) == sorted(names), executed_by
        # the broker and the result backend agree: each worker's own log received the
        # Celery task of its run, and Redis names that worker as the one that ran it
        for run in runs:
            name, task_id = executed_by[run.run_id], run.tags[TASK_ID_TAG]
            assert task_id in tasks_received(workers[name].log), (run.run_id, name)
            assert task_outcome(task_id) == ("SUCCESS", node_name(name))
        servers.check_alive()

    # one telemetry PROCESSED row per day, no other outcome; one CDF per day in the output
    rows = TelemetryLog(telemetry).rows()
    processed = Counter(r.chunk_date_utc for r in rows if r.status == PROCESSED)
    assert processed == Counter(keys)
    assert {r.status for r in rows} == {PROCESS_PENDING, PROCESSED}
    assert files_under(out / "l1c") == sorted(out / cdf_rel(day) for day in DAYS)
    # SIGTERM to each process group ended every process seen in the webserver, daemon and
    # worker trees (run workers, fork workers, processors); none needed SIGKILL.
    assert not servers.forced, f"still running after SIGTERM (killed): {servers.forced}"
