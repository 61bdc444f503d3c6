"""The celery parts of ``bench/bench_celery.py``: one backfill on N dagster-celery workers
(``deploy/workers.sh``) on a fresh PostgreSQL database and RabbitMQ queue of its own."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from reach_pipeline_tests.support.celery_workers import (
    INSTANCE_YAML,
    celery_env,
    delete_queue,
    path_with_venv,
    set_pool_limit,
    start_workers,
    unique_queue,
    worker_names,
)
from reach_pipeline_tests.support.dagster_servers import DagsterServers
from reach_pipeline_tests.support.services import (
    ServiceUnavailable,
    check_rabbitmq,
    check_redis,
    create_database,
    drop_database,
    postgres_env,
)

from .celery_runs import celery_figures, read_celery_runs
from .cpu import CpuSampler
from .launch import launch, wait_for_backfill, workspace_servers
from .machine import config_summary
from .workspace import Workspace, build

SERVICE_ERRORS = (ServiceUnavailable,)


def celery_servers(ws: Workspace, names: list[str], workers: dict) -> DagsterServers:
    """Webserver; then (automation stopped) the pool's limit set to the number of workers,
    the workers started and answering; then the daemon. ``workers`` gets
    ``{name: ServerProcess}``."""

    def prepare(servers: DagsterServers) -> None:
        set_pool_limit(ws.env, len(names), cwd=ws.root)
        workers.update(start_workers(servers, names))
        print(f"pool reach_cdf limit {len(names)}; workers answering: {names}", flush=True)

    return workspace_servers(ws, prepare)


def workspace_args(args: argparse.Namespace, database: str, queue: str) -> argparse.Namespace:
    """What ``backfill.workspace.build`` reads: the celery instance and its services' env."""
    env = {**postgres_env(database), **celery_env(queue)}
    return argparse.Namespace(
        days=args.days,
        first_day=args.first_day,
        partitions_start=args.partitions_start,
        defaults=False,
        config=INSTANCE_YAML,
        env=[f"{key}={value}" for key, value in env.items()],
    )


def backfill_on(workers: int, args: argparse.Namespace, root: Path, database: str, queue: str):
    ws = build(root, workspace_args(args, database, queue))
    ws.env["PATH"] = path_with_venv(ws.env["PATH"])
    # This process reads the same instance.
    os.environ.update({k: v for k, v in ws.env.items() if k.startswith(("DAGSTER_", "REACH_"))})
    summary = config_summary(ws.home / "dagster.yaml")
    processes: dict = {}
    servers = celery_servers(ws, worker_names(queue, workers), processes)
    print(f"[{workers} worker(s)] workspace {root}; webserver on :{servers.port}", flush=True)
    with servers:
        roots = [servers.webserver.pid, servers.daemon.pid, *(p.pid for p in processes.values())]
        sampler = CpuSampler(roots, args.sample_interval)
        sampler.start()
        try:
            time.sleep(args.settle)  # a chosen phase of the backfill daemon's 30 s cycle
            backfill_id, launch_t = launch(servers, ws.partitions)
            timeout = args.timeout or 120 + 30 * args.days
            wait_for_backfill(servers, backfill_id, len(ws.partitions), timeout)
        finally:
            sampler.stop()
        from dagster import DagsterInstance

        with DagsterInstance.get() as instance:
            runs = read_celery_runs(instance, backfill_id, processes)
    figures = celery_figures(runs, launch_t)
    return {
        "workers": workers,
        "config": summary,
        "backfill_id": backfill_id,
        "figures": figures,
        "cpu": sampler.report(figures["first_created"], figures["last_end"]),
        "forced": servers.forced,
        "runs": [vars(r) for r in runs],
    }


def run_one(workers: int, args: argparse.Namespace, root: Path) -> dict:
    check_rabbitmq()
    check_redis()
    database, queue = create_database(), unique_queue("reach-bench")
    try:
        return backfill_on(workers, args, root, database, queue)
    finally:
        drop_database(database)
        delete_queue(queue)
