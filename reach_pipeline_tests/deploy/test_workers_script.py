"""``deploy/workers.sh start N`` / ``status`` / ``stop``, as the README gives them: N workers in
the background that answer through the broker, and a stop that leaves none of their
processes behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psutil
import pytest

from reach_pipeline_tests.faults.support import clean_env
from reach_pipeline_tests.support.celery_workers import (
    INSTANCE_YAML,
    WORKERS_SH,
    answering,
    node_name,
    path_with_venv,
)
from reach_pipeline_tests.support.processes import poll, wait_gone

# Celery workers, a daemon and PostgreSQL each: one at a time on one xdist worker.
pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.integration, pytest.mark.slow(250)]


def workers_sh(*args: str, env: dict, cwd: Path, timeout_s: float = 300):
    return subprocess.run(
        ["bash", str(WORKERS_SH), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def trees(pid_files: list[Path]) -> list[psutil.Process]:
    """Every process now in the trees of the workers named by the PID files."""
    found = []
    for file in pid_files:
        try:
            root = psutil.Process(int(file.read_text()))
            found += [root, *root.children(recursive=True)]
        except (OSError, psutil.NoSuchProcess):  # no PID file (stopped), or no such process
            continue
    return found


def test_start_status_stop_two_workers(tmp_path, services):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(INSTANCE_YAML, home / "dagster.yaml")
    queue = services["REACH_CELERY_QUEUE"]
    # names of our own: another worker named reach-1 on this machine would answer our ping
    env = clean_env(
        tmp_path / "home", DAGSTER_HOME=str(home), REACH_WORKER_PREFIX=queue, **services
    )
    env["PATH"] = path_with_venv(env["PATH"])
    names = [f"{queue}-1", f"{queue}-2"]
    worker_dir = home / "workers"
    started = workers_sh("start", "2", env=env, cwd=tmp_path)
    pid_files = sorted(worker_dir.glob("*.pid"))
    seen: list[psutil.Process] = []
    try:
        assert started.returncode == 0, started.stderr
        assert [f.stem for f in pid_files] == names
        poll("both workers to answer", lambda: answering(names), 180, 1.0)
        seen = trees(pid_files)
        status = workers_sh("status", env=env, cwd=tmp_path)
        assert status.stdout.split("\n")[:2] == [
            f"{name} PID {file.read_text().strip()} running"
            for name, file in zip(names, pid_files, strict=True)
        ]
        again = workers_sh("start", "1", env=env, cwd=tmp_path)
        assert again.returncode == 2 and f"{names[0]} already runs" in again.stderr
        for name in names:
            log = (worker_dir / f"{name}.log").read_text()
            assert f"{node_name(name)} ready" in log and queue in log
        stopped = workers_sh("stop", env=env, cwd=tmp_path)
        assert stopped.returncode == 0, stopped.stderr
        # Celery's warm shutdown, and nothing of either tree outlived it
        assert not wait_gone(seen, 30.0)
        assert not list(worker_dir.glob("*.pid"))
        for name in names:
            assert "Warm shutdown" in (worker_dir / f"{name}.log").read_text()
    finally:
        for proc in wait_gone([*seen, *trees(pid_files)], 0.0):  # a failed test: by PID
            proc.kill()
