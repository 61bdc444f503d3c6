"""A run worker's start-up, replayed in fresh processes once the servers are stopped."""

from __future__ import annotations

import json
import subprocess
import sys

from . import REPO_ROOT

WORKER_FLOOR = """
import json, time
t0 = time.perf_counter()
import dagster._cli  # what a run worker re-imports as __mp_main__ (the code server's main)
t1 = time.perf_counter()
from dagster import DagsterInstance
instance = DagsterInstance.get()
instance.get_runs(limit=1)
t2 = time.perf_counter()
import reach_pipeline.definitions
t3 = time.perf_counter()
print(json.dumps({"dagster_cli_s": t1 - t0, "instance_s": t2 - t1, "code_s": t3 - t2}))
"""


def replay(env: dict, *options: str) -> subprocess.CompletedProcess:
    """Run WORKER_FLOOR in a fresh interpreter (with extra interpreter ``options``)."""
    argv = [sys.executable, "-W", "ignore", *options, "-c", WORKER_FLOOR]
    return subprocess.run(
        argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )


def import_floor(env: dict, repeat: int = 3) -> dict:
    """The start-up work of a run worker, replayed in fresh processes (best of ``repeat``).

    A run worker is a ``spawn`` child of the code server: it imports ``dagster._cli`` (the
    server's main module), opens the instance, then imports the code location. Also lists
    the heaviest packages the code location imports at that point, i.e. beyond dagster and
    the instance's storage (cumulative ``-X importtime`` seconds; nested packages overlap).
    """
    runs = [json.loads(replay(env).stdout.splitlines()[-1]) for _ in range(repeat)]
    floor = {key: min(r[key] for r in runs) for key in runs[0]}
    trace = replay(env, "-X", "importtime").stderr.splitlines()
    floor["code_imports"] = heaviest_imports(trace)[:8]
    return floor


def heaviest_imports(trace: list[str]) -> list[tuple[str, float]]:
    """Packages the code location imports beyond reach_pipeline and dagster, heaviest first.

    ``trace`` is ``-X importtime``'s output; seconds are cumulative (nested ones overlap).
    """
    heavy: dict[str, float] = {}
    in_code = False
    stack: list[tuple[int, str]] = []  # (depth, root package) of the enclosing imports
    for line in reversed(trace):  # importtime prints children before their parent
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line.split("|")
        if not cumulative.strip().isdigit():
            continue
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        name = name.strip()
        if depth == 0:
            in_code = name.startswith("reach_pipeline")
            stack = []
        if not in_code:
            continue
        while stack and stack[-1][0] >= depth:
            stack.pop()
        root = name.split(".")[0]
        parent_root = stack[-1][1] if stack else None
        if root != parent_root and root not in ("reach_pipeline", "dagster"):
            heavy[root] = max(heavy.get(root, 0.0), int(cumulative) / 1e6)
        stack.append((depth, root))
    return sorted(heavy.items(), key=lambda kv: -kv[1])
