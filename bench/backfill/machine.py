"""What the figures were measured on: the machine, the code's revision, the instance's
settings, and a wait for a quiet machine."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

import psutil

from . import REPO_ROOT


def machine_info() -> dict:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import dagster

    return {
        "host": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": model,
        "cpus": len(os.sched_getaffinity(0)),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "dagster": dagster.__version__,
        "code": code_revision(),
    }


SERVED = ("reach_pipeline", "dagster.yaml", "workspace.yaml")  # what the servers load


def git(*args: str) -> str:
    """``git -C <repository> ARGS``'s output (read-only commands only)."""
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout


def code_revision() -> str:
    """The repository's commit, and whether the code or config differ from it (read-only)."""
    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--", *SERVED, "pyproject.toml").strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def code_fingerprint() -> str:
    """Git object ids of what the servers load (code, config, workspace) plus local edits."""
    try:
        ids = git("rev-parse", *[f"HEAD:{p}" for p in SERVED]).split()
        dirty = git("status", "--porcelain", "--", *SERVED)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return " ".join(ids) + " " + dirty


def config_summary(path: Path) -> list[str]:
    """The effective settings that shape a sequential backfill, read back from the instance."""
    from dagster import DagsterInstance

    instance = DagsterInstance.from_config(str(path.parent))
    try:
        coordinator = instance.run_coordinator
        lines = [
            f"run_coordinator {type(coordinator).__name__}"
            + (
                f" (dequeue every {coordinator.dequeue_interval_seconds} s, "
                f"threads {coordinator.dequeue_use_threads})"
                if hasattr(coordinator, "dequeue_interval_seconds")
                else ""
            ),
            f"run_launcher {type(instance.run_launcher).__name__}, "
            f"run monitoring {'on' if instance.run_monitoring_enabled else 'off'}",
        ]
        try:
            queue = instance.get_concurrency_config()
            pool = queue.pool_config
            granularity = getattr(pool.pool_granularity, "value", pool.pool_granularity)
            max_runs = queue.run_queue_config.max_concurrent_runs if queue.run_queue_config else "-"
            lines.append(
                f"max_concurrent_runs {max_runs}, pools default_limit "
                f"{pool.default_pool_limit}, granularity {granularity or 'default (op)'}"
            )
        except Exception as exc:  # noqa: BLE001 - informational only
            lines.append(f"concurrency: ({type(exc).__name__})")
        backfills = instance.get_backfill_settings()
        lines.append(f"backfills daemon settings {dict(backfills) or '{} (defaults)'}")
        return lines
    finally:
        instance.dispose()


def wait_for_quiet(limit_s: float, load: float) -> None:
    deadline = time.time() + limit_s
    while os.getloadavg()[0] >= load and time.time() < deadline:
        time.sleep(5)
    print(f"load average before start: {os.getloadavg()[0]:.2f}", flush=True)
