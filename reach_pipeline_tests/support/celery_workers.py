"""dagster-celery workers started through ``deploy/workers.sh run NAME``, for the tests and
the benchmark of ``deploy/`` (several machines stood in for by several worker processes).

::

    queue = unique_queue()
    env = {**env, **celery_env(queue)}
    with dagster_servers(home, workspace, env, before_daemon=...) as servers:
        workers = start_workers(servers, worker_names(queue, 2))
        ...
        worker_of(pid, workers)        # which worker's process tree a run worker was in
    delete_queue(queue)

Each test or benchmark gets its own queue on the machine's shared RabbitMQ, so its workers
take only its runs (and nobody else's), and removes the queue afterwards.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from .processes import ServerProcess, tool
from .services import RABBITMQ_URL, REDIS_URL

REPO = Path(__file__).resolve().parents[2]
WORKERS_SH = REPO / "deploy" / "workers.sh"
INSTANCE_YAML = REPO / "deploy" / "dagster-celery.yaml"
WORKER_READY_S = 180.0
POOL = "reach_cdf"


def unique_queue(prefix: str = "reach-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def celery_env(queue: str, broker: str = RABBITMQ_URL, backend: str = REDIS_URL) -> dict:
    """The ``REACH_CELERY_*`` variables that ``deploy/dagster-celery.yaml``, the worker
    configuration and ``deploy/workers.sh`` read."""
    return {
        "REACH_CELERY_BROKER": broker,
        "REACH_CELERY_BACKEND": backend,
        "REACH_CELERY_QUEUE": queue,
    }


def path_with_venv(path: str) -> str:
    """``PATH`` with this interpreter's bin first: ``deploy/workers.sh`` runs
    ``dagster-celery``, which runs ``celery``, both from ``PATH``."""
    return os.pathsep.join([str(Path(sys.executable).parent), path])


def worker_names(queue: str, count: int) -> list[str]:
    """Worker names unique on the machine (Celery adds ``@host``)."""
    return [f"{queue}-w{i}" for i in range(1, count + 1)]


def node_name(name: str) -> str:
    """The Celery node name of worker ``name`` on this machine (``-n NAME@%h``)."""
    return f"{name}@{socket.gethostname()}"


def worker_argv(name: str) -> list[str]:
    return ["bash", str(WORKERS_SH), "run", name]


def answering(names: list[str], broker: str = RABBITMQ_URL) -> bool:
    """Every named worker answers a ping through the broker (it consumes its queue)."""
    from celery import Celery

    app = Celery("reach-test-ping", broker=broker)
    try:
        replies = app.control.ping(destination=[node_name(n) for n in names], timeout=2.0)
    finally:
        app.close()
    answered = {node for reply in replies for node in reply}
    return answered == {node_name(n) for n in names}


def start_workers(group, names: list[str], timeout_s: float = WORKER_READY_S) -> dict:
    """Start one worker per name in ``group`` (a ServerGroup: tracked and stopped by PID
    with its servers); wait until all answer. ``{name: ServerProcess}``."""
    workers = {name: group.start(f"worker-{name}", worker_argv(name)) for name in names}
    group.wait("the celery workers to answer a ping", lambda: answering(names), timeout_s, 1.0)
    return workers


def set_pool_limit(env: dict[str, str], limit: int, cwd: Path) -> None:
    """``dagster instance concurrency set reach_cdf LIMIT``, as the README tells operators."""
    subprocess.run(
        [tool("dagster"), "instance", "concurrency", "set", POOL, str(limit)],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )


def worker_of(pid: int, workers: dict[str, ServerProcess]) -> str | None:
    """The worker whose process tree held ``pid`` at some point (the harness remembers every
    process it saw in a tree), or None."""
    owners = [name for name, worker in workers.items() if pid in worker.seen]
    return owners[0] if len(owners) == 1 else None


def tasks_received(log: Path) -> set[str]:
    """The ids of the ``execute_job`` tasks (runs) a worker's log says it received."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return set(re.findall(r"Task execute_job\[([0-9a-f-]+)\] received", text))


def task_outcome(task_id: str, backend: str = REDIS_URL) -> tuple[str, str | None]:
    """A run's Celery task as the result backend keeps it: (state, the worker's node name).

    The worker's name is there only with ``result_extended`` (set in the nested worker
    configuration): a flat file, silently ignored, leaves it out, and then the results go
    to the default ``rpc://`` backend instead of Redis, so the state stays PENDING here.
    """
    from celery import Celery

    app = Celery("reach-test-results", backend=backend)
    try:
        result = app.AsyncResult(task_id)
        return result.state, result.worker
    finally:
        app.close()


def finished_task(task_id: str, timeout_s: float = 60.0) -> tuple[str, str | None]:
    """``task_outcome`` once the task is over. Dagster records the run's end before the
    worker stores the task's result, so right after the run ends the backend may still say
    STARTED. At the deadline, the outcome as it stands (PENDING for good: the results went
    to another backend)."""
    from celery import states

    deadline = time.monotonic() + timeout_s
    while True:
        outcome = task_outcome(task_id)
        if outcome[0] in states.READY_STATES or time.monotonic() > deadline:
            return outcome
        time.sleep(0.2)  # polling the result backend, bounded by the deadline


def delete_queue(queue: str, broker: str = RABBITMQ_URL) -> None:
    """Remove the queue (and its exchange) the workers declared on the shared broker."""
    from kombu import Connection

    with Connection(broker, connect_timeout=5) as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        channel.exchange_delete(queue)
