"""The servers through the test harness, the launch as the UI sends it, and the wait for
the backfill's end (read from the instance)."""

from __future__ import annotations

import time
from collections.abc import Callable

from reach_pipeline_tests.support.dagster_servers import DagsterServers, dagster_servers
from reach_pipeline_tests.support.graphql import (
    BACKFILL_ENDED,
    FINISHED_RUN,
    GraphQLError,
    launch_partition_backfill,
)
from reach_pipeline_tests.support.processes import ServerError

from . import ASSET, POOL, BenchError
from .workspace import WORKSPACE, Workspace

PROGRESS_EVERY_S = 15.0
# what the harness raises when a server or the webserver's answers let the bench down
HARNESS_ERRORS = (ServerError, GraphQLError)


def workspace_servers(
    workspace: Workspace, prepare: Callable[[DagsterServers], None]
) -> DagsterServers:
    """The workspace's webserver; once it is up (its sensors and schedule stopped),
    ``prepare(servers)``; then the daemon."""

    def before_daemon(servers: DagsterServers) -> None:
        print(f"webserver up in {servers.ready_s['webserver']:.1f} s", flush=True)
        prepare(servers)

    return dagster_servers(
        workspace.home,
        WORKSPACE,
        workspace.env,
        cwd=workspace.root,
        log_dir=workspace.logs,
        stop_automation=True,
        before_daemon=before_daemon,
    )


def servers_for(workspace: Workspace, fresh_pools: bool, notes: dict) -> DagsterServers:
    """Webserver, then (sensors and schedule stopped, the pool initialised) the daemon.

    ``notes["pool"]`` says what was done to the pool.
    """

    def prepare(servers: DagsterServers) -> None:
        stopped = ", ".join(servers.stopped_automation) or "nothing"
        print(f"stopped before the daemon starts: {stopped}", flush=True)
        notes["pool"] = "fresh instance: pool created on first sight"
        if not fresh_pools:
            notes["pool"] = init_pool()
        print(f"pool {POOL}: {notes['pool']}", flush=True)

    return workspace_servers(workspace, prepare)


def init_pool() -> str:
    """Give the pool its default limit now, as a long-lived instance already has it.

    The run queue reads the configured pools before it creates a missing one, so on a fresh
    instance its first pass sees no limit on the new pool and may start up to
    max_concurrent_runs runs of a 'one at a time' pool (measured: 4 with a 5 s interval).
    """
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        created = instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
        limit = next(
            (p.limit for p in instance.event_log_storage.get_pool_limits() if p.name == POOL), None
        )
    if limit is None:
        return "no limit (no default_limit configured)"
    return f"limit {limit} set before the launch" + ("" if created else " (already there)")


def launch(
    servers: DagsterServers, partitions: list[str], assets: list[str] | None = None
) -> tuple[str, float]:
    """``launchPartitionBackfill`` of ``assets`` (default: reach_cdf) as the UI sends it;
    (backfill id, launch time)."""
    launch_t = time.time()
    launched = launch_partition_backfill(servers.client, assets or [ASSET], partitions)
    if launched["__typename"] != "LaunchBackfillSuccess":
        raise BenchError(f"launchPartitionBackfill: {launched}")
    backfill_id = launched["backfillId"]
    print(
        f"backfill {backfill_id} launched ({time.time() - launch_t:.2f} s for the mutation)",
        flush=True,
    )
    return backfill_id, launch_t


def wait_for_backfill(servers: DagsterServers, backfill_id: str, days: int, timeout: float):
    """The backfill once it has ended and every run of it has finished."""
    from dagster import DagsterInstance, RunsFilter

    seen = {"state": "not read yet", "printed": 0.0}
    with DagsterInstance.get() as instance:

        def ended():
            backfill = instance.get_backfill(backfill_id)
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
            finished = sum(1 for r in runs if r.status.value in FINISHED_RUN)
            if backfill.status.value in BACKFILL_ENDED and finished == len(runs):
                return backfill
            seen["state"] = (
                f"{backfill.status.value}: {finished}/{len(runs)} runs finished ({days} days)"
            )
            if time.time() - seen["printed"] >= PROGRESS_EVERY_S:
                print(f"  {seen['state']}", flush=True)
                seen["printed"] = time.time()
            return None

        try:
            return servers.wait("the backfill to finish", ended, timeout, every_s=1.0)
        except ServerError as exc:
            raise BenchError(f"{exc}; backfill {seen['state']}") from exc
