"""Benchmark a sequential UI backfill of reach_cdf through the real webserver and daemon.

What it does:

1. Builds a throw-away workspace in a temporary folder: a ``DAGSTER_HOME`` whose
   ``dagster.yaml`` is a copy of the repository's (``--defaults``: an empty file, i.e.
   Dagster's defaults; ``--config FILE``: that file), an input folder with ``--days`` small
   synthetic day files (copies of ``examples/udl``'s 2025-09-01 sample with the day moved),
   an output folder and a telemetry path.
2. Starts ``dagster-webserver`` (free loopback port) and, once the code location is loaded,
   stops the location's sensors and schedule (otherwise ``reach_input_sensor`` would request
   its own run for every day file as soon as the daemon starts), then starts
   ``dagster-daemon run``. Both load ``/work/main/workspace.yaml`` and get the ``REACH_*``
   settings through the environment. Both run in their own session and their process
   groups are stopped at the end. Before the daemon starts, the ``reach_cdf`` pool gets its
   default limit, as on a long-lived instance (``--fresh-pools``: not; see ``init_pool``).
3. After ``--settle`` seconds (default 15: mid-way in the backfill daemon's fixed 30 s
   cycle, so the pick-up wait is its average, not a lucky or unlucky phase), launches the
   backfill exactly as the UI's "Materialize selected -> Launch backfill" does:
   the ``launchPartitionBackfill`` GraphQL mutation with ``assetSelection`` [reach_cdf],
   the partition names, ``fromFailure: false`` and the ``dagster/from_ui`` tag.
4. Waits for the backfill to finish (the instance is opened read-only in this process with
   the same ``DAGSTER_HOME``), sampling the RSS of every process of the webserver and daemon
   trees with psutil every ``--sample-interval`` seconds.
5. Reads every run's events from the instance and prints machine info, the timeline
   (pick-up, per-day cycle, the gap between one run's end and the next run's start and its
   parts), the orchestration overhead per day against the target, and the memory of the
   daemon and the code servers over the first and the last quarter of the days.
6. With the servers stopped, replays a run worker's start-up in fresh processes (import the
   Dagster CLI, open the instance, import the code location) and reports the CPU the
   machine spent during the backfill, ours and other processes' (a shared machine inflates
   the figures: the report warns when others used more than a quarter of a CPU).

Definitions:

* total wall: launch (mutation sent) to the end of the last run (every day done);
* orchestration overhead per day: (total wall - sum of reach_cdf step times) / days, where a
  step time is STEP_START -> STEP_SUCCESS of reach_cdf. The same with the wall measured to
  the moment the daemon marks the backfill complete is printed as well.

The exit status is 0 whatever the figures (it is a benchmark, not a test); 2 when the
benchmark itself could not run (a server did not start, the backfill did not finish).

Usage::

    python bench/bench_backfill.py [--days 20] [--defaults | --config FILE] [--keep]
                                   [--timeout S] [--json OUT] [--env KEY=VALUE ...]
                                   [--settle 15] [--fresh-pools] [--quiet-wait S]

``bench/configs/*.yaml`` are the dagster.yaml variants tried with ``--config``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
WORKSPACE = REPO_ROOT / "workspace.yaml"
SHIPPED_CONFIG = REPO_ROOT / "dagster.yaml"
TEMPLATE = REPO_ROOT / "examples" / "udl" / "REACH-ALL_20250901T000000_20250902T000000.csv"
TEMPLATE_DAY = dt.date(2025, 9, 1)
ASSET = "reach_cdf"
POOL = "reach_cdf"  # the asset's pool
TARGET_S_PER_DAY = 2.5
# A code server or daemon whose last-quarter peak exceeds its first-quarter peak by more
# than this is called growing.
FLAT_TOLERANCE_MB = 16.0
FLAT_TOLERANCE_FRACTION = 0.05
TERMINAL_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}
PER_DAY_ROLES = {"run worker", "processor", "mp helper"}
UI_TAGS = [{"key": "dagster/from_ui", "value": "true"}]

# --------------------------------------------------------------------------------------
# GraphQL (the same documents the UI sends, trimmed to the fields used here)
# --------------------------------------------------------------------------------------

WORKSPACE_QUERY = """
query BenchWorkspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation {
            name
            repositories {
              name
              sensors { name sensorState { id status } }
              schedules { name scheduleState { id status } }
            }
          }
        }
      }
    }
  }
}
"""

STOP_SENSOR = """
mutation BenchStopSensor($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""

STOP_SCHEDULE = """
mutation BenchStopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""

DAEMON_HEALTH = """
query BenchDaemonHealth {
  instance {
    daemonHealth {
      allDaemonStatuses { daemonType required healthy }
    }
  }
}
"""

LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""


class BenchError(RuntimeError):
    """The benchmark could not run (not a bad figure)."""


def graphql(port: int, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.load(response)
    if payload.get("errors"):
        raise BenchError(f"GraphQL errors: {payload['errors']}")
    return payload["data"]


# --------------------------------------------------------------------------------------
# Workspace: config, input days, environment
# --------------------------------------------------------------------------------------


def day_file_name(day: dt.date) -> str:
    nxt = day + dt.timedelta(days=1)
    return f"REACH-ALL_{day:%Y%m%d}T000000_{nxt:%Y%m%d}T000000.csv"


def write_days(input_dir: Path, first: dt.date, count: int) -> list[str]:
    """``count`` small day files: the 2025-09-01 sample with its obTime values moved."""
    text = TEMPLATE.read_text()
    rows = text.count("\n") - 1
    old = f",{TEMPLATE_DAY.isoformat()}T"
    if text.count(old) != rows:
        raise BenchError(f"{TEMPLATE.name}: expected one obTime on {TEMPLATE_DAY} per row")
    input_dir.mkdir(parents=True, exist_ok=True)
    keys = []
    for i in range(count):
        day = first + dt.timedelta(days=i)
        (input_dir / day_file_name(day)).write_text(text.replace(old, f",{day.isoformat()}T"))
        keys.append(day.isoformat())
    return keys


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name: str) -> str:
    """A console script of this interpreter's environment (the project's venv)."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(name: str, argv: list[str], env: dict, cwd: Path, log: Path) -> Server:
    handle = open(log, "wb")  # noqa: SIM115 - closed by the child's exit; we keep no handle
    try:
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        handle.close()
    return Server(name, proc, log)


def stop_server(server: Server, grace: float = 20.0) -> None:
    """SIGTERM the server's process group (its session: it and everything it started)."""
    pgid = server.proc.pid  # start_new_session: the group id is the server's pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        try:
            server.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; give its group a moment, then make sure nothing is left
        deadline = time.time() + 5.0
        while time.time() < deadline and _group_alive(pgid):
            time.sleep(0.1)
        if not _group_alive(pgid):
            break


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(what: str, check, deadline_s: float, servers: list[Server], every: float = 0.5):
    """Call ``check()`` until it returns a truthy value; BenchError at the deadline."""
    deadline = time.time() + deadline_s
    last_error = None
    while time.time() < deadline:
        for server in servers:
            if server.proc.poll() is not None:
                raise BenchError(
                    f"{server.name} exited ({server.proc.returncode}) while waiting for "
                    f"{what}:\n{server.tail()}"
                )
        try:
            result = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            result, last_error = None, exc
        if result:
            return result
        time.sleep(every)
    raise BenchError(f"timed out after {deadline_s:g} s waiting for {what} ({last_error})")


# --------------------------------------------------------------------------------------
# Memory sampling
# --------------------------------------------------------------------------------------


def classify(cmdline: list[str]) -> str | None:
    """The part a process plays, from its command line; None when it does not say."""
    text = " ".join(cmdline)
    if "api grpc" in text or "code-server start" in text:
        return "code server"
    if "spawn_main" in text:
        return "run worker"
    if "resource_tracker" in text:
        return "mp helper"
    return None


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _created(proc: psutil.Process) -> float:
    try:
        return proc.create_time()
    except psutil.Error:
        return 0.0


class MemorySampler(threading.Thread):
    """Samples the RSS of every process under the given roots every ``interval`` seconds.

    ``samples`` holds (time, tree, role, pid, rss_bytes); tree is the root's name, role is
    the process's part (the root itself, code server, run worker, processor, ...).
    """

    def __init__(self, roots: dict[str, int], interval: float):
        super().__init__(daemon=True, name="rss-sampler")
        self.roots = roots
        self.interval = interval
        self.samples: list[tuple[float, str, str, int, int]] = []
        self._roles: dict[int, tuple[float, str]] = {}
        self._stop_event = threading.Event()
        # CPU seconds (user + system) seen per process, and the machine's, over the window
        self.cpu_by_pid: dict[int, tuple[str, float, float]] = {}  # pid: (key, first, last)
        self.window: tuple[float, float] = (0.0, 0.0)
        self.machine_busy_s = 0.0
        self.load_avg: list[tuple[float, float, float]] = []

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)

    def cpu_report(self) -> dict:
        """CPU used during the sampling window: the machine's, and ours by role."""
        wall = self.window[1] - self.window[0]
        ours: dict[str, float] = {}
        for key, first, last in self.cpu_by_pid.values():
            ours[key] = ours.get(key, 0.0) + (last - first)
        total_ours = sum(ours.values())
        return {
            "window_s": wall,
            "cpus": psutil.cpu_count(),
            "machine_busy_cpus": self.machine_busy_s / wall if wall else None,
            "bench_cpus": total_ours / wall if wall else None,
            "other_cpus": (self.machine_busy_s - total_ours) / wall if wall else None,
            "by_role_cpu_s": dict(sorted(ours.items(), key=lambda kv: -kv[1])),
            "load_avg_1m": [round(la[0], 2) for la in self.load_avg],
        }

    def _role(self, proc: psutil.Process, root_role: str | None) -> str:
        try:
            created = proc.create_time()
        except psutil.Error:
            return "gone"
        known = self._roles.get(proc.pid)
        if known and known[0] == created:
            return known[1]
        try:
            role = root_role or classify(proc.cmdline())
            if role is None:
                # Anything a run worker starts (the processor's helper and its children).
                parent = self._roles.get(proc.ppid(), (0.0, "other"))[1]
                role = "processor" if parent in ("run worker", "processor") else "other"
        except psutil.Error:
            return "gone"
        self._roles[proc.pid] = (created, role)
        return role

    def run(self) -> None:
        start_busy = _busy_seconds()
        self.window = (time.time(), time.time())
        self.load_avg.append(os.getloadavg())
        first_sweep = True
        while not self._stop_event.is_set():
            now = time.time()
            self.window = (self.window[0], now)
            self.machine_busy_s = _busy_seconds() - start_busy
            for tree, pid in self.roots.items():
                try:
                    root = psutil.Process(pid)
                    children = sorted(root.children(recursive=True), key=_created)
                except psutil.Error:
                    continue
                # parents before children, so a child can take its role from its parent
                procs = [(root, tree)] + [(p, None) for p in children]
                for proc, root_role in procs:
                    role = self._role(proc, root_role)
                    try:
                        rss = proc.memory_info().rss
                        times = proc.cpu_times()
                    except psutil.Error:
                        continue
                    self.samples.append((now, tree, role, proc.pid, rss))
                    key = f"{tree} / {role}" if role != tree else tree
                    used = times.user + times.system
                    if proc.pid in self.cpu_by_pid:
                        first = self.cpu_by_pid[proc.pid][1]
                    else:  # born during the window: charge it from its start
                        first = used if first_sweep else 0.0
                    self.cpu_by_pid[proc.pid] = (key, first, used)
            first_sweep = False
            self._stop_event.wait(self.interval)
        self.load_avg.append(os.getloadavg())


# --------------------------------------------------------------------------------------
# Reading the outcome from the instance
# --------------------------------------------------------------------------------------


@dataclass
class RunTiming:
    run_id: str
    partition: str
    status: str
    created: float
    events: dict[str, float] = field(default_factory=dict)  # first time of each event type
    step_start: float | None = None
    step_end: float | None = None
    other_steps_s: float = 0.0
    process_seconds: float | None = None

    @property
    def start(self) -> float | None:
        return self.events.get("RUN_START")

    @property
    def end(self) -> float | None:
        for name in ("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"):
            if name in self.events:
                return self.events[name]
        return None

    @property
    def launched(self) -> float | None:
        return self.events.get("RUN_STARTING", self.start)

    @property
    def step_s(self) -> float:
        if self.step_start is None or self.step_end is None:
            return 0.0
        return self.step_end - self.step_start


def read_runs(instance, backfill_id: str) -> list[RunTiming]:
    from dagster import RunsFilter

    records = instance.get_run_records(RunsFilter(tags={"dagster/backfill": backfill_id}))
    runs = []
    for record in records:
        run = record.dagster_run
        timing = RunTiming(
            run_id=run.run_id,
            partition=run.tags.get("dagster/partition", "?"),
            status=run.status.value,
            created=record.create_timestamp.timestamp(),
        )
        open_steps: dict[str, float] = {}
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None:
                continue
            name = event.event_type.name  # RUN_START etc. (values say PIPELINE_*)
            timing.events.setdefault(name, entry.timestamp)
            step = event.step_key
            if name == "STEP_START" and step:
                open_steps[step] = entry.timestamp
                if step == ASSET:
                    timing.step_start = entry.timestamp
            elif name in ("STEP_SUCCESS", "STEP_FAILURE") and step:
                began = open_steps.pop(step, None)
                if step == ASSET:
                    timing.step_end = entry.timestamp
                elif began is not None:
                    timing.other_steps_s += entry.timestamp - began
            elif name == "ASSET_MATERIALIZATION" and step == ASSET:
                meta = event.event_specific_data.materialization.metadata
                value = meta.get("process_seconds")
                if value is not None:
                    timing.process_seconds = float(getattr(value, "value", value))
        runs.append(timing)
    runs.sort(key=lambda r: (r.launched or r.created, r.created))
    return runs


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def stats(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def timeline(runs: list[RunTiming], launch_t: float, backfill_end: float | None) -> dict:
    done = [r for r in runs if r.end is not None and r.start is not None]
    if not done:
        raise BenchError("no run of the backfill finished")
    days = len(runs)
    last_end = max(r.end for r in done)
    first_created = min(r.created for r in runs)
    first_launched = min(r.launched for r in done)
    step_total = sum(r.step_s for r in done)
    wall = last_end - launch_t
    wall_complete = (backfill_end - launch_t) if backfill_end else None

    def between(run, a, b):
        x, y = run.events.get(a), run.events.get(b)
        return (y - x) if x is not None and y is not None else None

    ordered = sorted(done, key=lambda r: r.start)
    gaps, waits, launches = [], [], []
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        gaps.append(nxt.start - prev.end)
        launched = nxt.launched
        if launched is not None:
            waits.append(launched - prev.end)  # queue: slot free -> run launched
            launches.append(nxt.start - launched)  # launch: new process, code loaded
    max_parallel = max(
        sum(1 for o in done if o.start < run.end and o.end > run.start) for run in done
    )
    stepped = [r for r in done if r.step_start is not None and r.step_end is not None]
    max_parallel_steps = max(
        (
            sum(1 for o in stepped if o.step_start < r.step_end and o.step_end > r.step_start)
            for r in stepped
        ),
        default=0,
    )
    steady = (ordered[-1].end - ordered[0].start) / (len(ordered) - 1) if len(ordered) > 1 else None
    return {
        "days": days,
        "runs_finished": len(done),
        "statuses": {s: sum(1 for r in runs if r.status == s) for s in {r.status for r in runs}},
        "max_parallel_runs": max_parallel,
        "max_parallel_steps": max_parallel_steps,
        "wall_s": wall,
        "wall_to_backfill_complete_s": wall_complete,
        "step_total_s": step_total,
        "overhead_per_day_s": (wall - step_total) / days,
        "overhead_per_day_to_complete_s": (
            (wall_complete - step_total) / days if wall_complete else None
        ),
        "pickup_s": first_created - launch_t,  # backfill daemon picks the backfill up
        "pickup_to_first_launch_s": first_launched - launch_t,
        "tail_s": (backfill_end - last_end) if backfill_end else None,
        "steady_cycle_s": steady,
        "steady_overhead_s": steady - step_total / len(done) if steady else None,
        "gap_end_to_next_start": stats(gaps),
        "queue_wait": stats(waits),
        "launch": stats(launches),
        "run_duration": stats([r.end - r.start for r in done]),
        "run_start_to_step": stats([between(r, "RUN_START", "STEP_START") for r in done]),
        "step": stats([r.step_s for r in done]),
        "processor": stats([r.process_seconds for r in done]),
        "other_steps": stats([r.other_steps_s for r in done]),
        "step_end_to_run_end": stats([r.end - r.step_end for r in done if r.step_end is not None]),
    }


def memory_report(samples, runs: list[RunTiming]) -> dict:
    """Peak RSS per (tree, role) over the first and the last quarter of the days."""
    done = sorted((r for r in runs if r.start and r.end), key=lambda r: r.start)
    if len(done) < 2:
        return {}
    quarter = max(1, len(done) // 4)
    first = (done[0].launched, done[quarter - 1].end)
    last = (done[-quarter].launched, done[-1].end)
    report: dict[str, dict] = {}
    for t, tree, role, _pid, rss in samples:
        if role == "gone":
            continue
        key = f"{tree} / {role}" if role != tree else tree
        entry = report.setdefault(key, {"first_mb": 0.0, "last_mb": 0.0, "peak_mb": 0.0})
        mb = rss / 1048576
        entry["peak_mb"] = max(entry["peak_mb"], mb)
        if first[0] <= t <= first[1]:
            entry["first_mb"] = max(entry["first_mb"], mb)
        if last[0] <= t <= last[1]:
            entry["last_mb"] = max(entry["last_mb"], mb)
    for key, entry in report.items():
        growth = entry["last_mb"] - entry["first_mb"]
        entry["growth_mb"] = growth
        entry["per_day_mb"] = growth / max(1, len(done) - quarter)
        allowed = max(FLAT_TOLERANCE_MB, FLAT_TOLERANCE_FRACTION * entry["first_mb"])
        entry["flat"] = growth <= allowed
        # run workers and processor children are new processes every day: no growth to judge
        entry["per_day_process"] = key.rsplit(" / ", 1)[-1] in PER_DAY_ROLES
    report["_quarter_days"] = {"days": quarter, "first": first, "last": last}
    return report


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


def import_floor(env: dict, repeat: int = 3) -> dict:
    """The start-up work of a run worker, replayed in fresh processes (best of ``repeat``).

    A run worker is a ``spawn`` child of the code server: it imports ``dagster._cli`` (the
    server's main module), opens the instance, then imports the code location. Also lists
    the heaviest packages the code location imports at that point, i.e. beyond dagster and
    the instance's storage (cumulative ``-X importtime`` seconds; nested packages overlap).
    """
    argv = [sys.executable, "-W", "ignore", "-c", WORKER_FLOOR]
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            argv,
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        runs.append(json.loads(out.stdout.splitlines()[-1]))
    floor = {key: min(r[key] for r in runs) for key in runs[0]}
    trace = subprocess.run(
        argv[:3] + ["-X", "importtime"] + argv[3:],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stderr.splitlines()
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
    floor["code_imports"] = sorted(heavy.items(), key=lambda kv: -kv[1])[:8]
    return floor


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


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


def code_revision() -> str:
    """The repository's commit, and whether the code or config differ from it (read-only)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(REPO_ROOT),
                "status",
                "--porcelain",
                "--",
                "reach_pipeline",
                "dagster.yaml",
                "workspace.yaml",
                "pyproject.toml",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def fmt(value, unit: str = "s", digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f} {unit}".strip()


def fmt_stats(s: dict) -> str:
    if not s or not s.get("n"):
        return "-"
    return (
        f"mean {s['mean']:.2f}  median {s['median']:.2f}  "
        f"min {s['min']:.2f}  max {s['max']:.2f}  (n={s['n']})"
    )


def print_report(result: dict) -> None:
    m, cfg, t, mem = result["machine"], result["config"], result["timeline"], result["memory"]
    rows: list[tuple[str, str]] = []

    def row(label: str, value: str) -> None:
        rows.append((label, value))

    def section(title: str) -> None:
        rows.append(("", ""))
        rows.append((f"[{title}]", ""))

    row("machine", f"{m['cpu']}, {m['cpus']} CPUs, {m['ram_gb']} GB RAM, {m['os']}")
    row("software", f"Python {m['python']}, dagster {m['dagster']}, code {m['code']}")
    if result.get("code_changed"):
        row("", f"WARNING: code or config changed during the run (was {result['code_at_start']})")
    row("dagster.yaml", cfg["label"])
    for line in cfg["summary"]:
        row("", line)
    row("pool reach_cdf", result["pool"])
    row("days", f"{t['days']} ({result['partitions'][0]} .. {result['partitions'][-1]})")
    row("launch", "GraphQL launchPartitionBackfill, assetSelection [reach_cdf], from_ui tag")
    row("backfill", f"{result['backfill_id']}  status {result['backfill_status']}")
    row("runs", ", ".join(f"{k} {v}" for k, v in sorted(t["statuses"].items())))
    row(
        "at once (max)",
        f"{t['max_parallel_runs']} run(s), {t['max_parallel_steps']} reach_cdf step(s)"
        + (
            ""
            if t["max_parallel_runs"] == 1
            else "  <- runs overlapped: not a run-sequential backfill"
        ),
    )

    section("wall")
    row("total wall (launch -> last day done)", fmt(t["wall_s"]))
    row("  to backfill marked complete", fmt(t["wall_to_backfill_complete_s"]))
    row("sum of reach_cdf step times", fmt(t["step_total_s"]))
    row("pick-up (launch -> first run created)", fmt(t["pickup_s"]))
    row("launch -> first run launched", fmt(t["pickup_to_first_launch_s"]))
    row("last day done -> backfill complete", fmt(t["tail_s"]))
    row("steady cycle per day (run start->start)", fmt(t["steady_cycle_s"]))
    row("  of which overhead (cycle - mean step)", fmt(t["steady_overhead_s"]))

    section("per day, seconds")
    row("gap: run end -> next run start", fmt_stats(t["gap_end_to_next_start"]))
    row("  queue: run end -> next launched (<0: before)", fmt_stats(t["queue_wait"]))
    row("  launch: STARTING -> RUN_START", fmt_stats(t["launch"]))
    row("run: RUN_START -> run end", fmt_stats(t["run_duration"]))
    row("  RUN_START -> reach_cdf STEP_START", fmt_stats(t["run_start_to_step"]))
    row("  reach_cdf step", fmt_stats(t["step"]))
    row("    of which processor (process_seconds)", fmt_stats(t["processor"]))
    row("  other steps (asset checks)", fmt_stats(t["other_steps"]))
    row("  reach_cdf STEP_SUCCESS -> run end", fmt_stats(t["step_end_to_run_end"]))

    f = result["worker_startup"]
    section("run worker start-up, replayed in a fresh process (best of 3)")
    row("import dagster._cli (spawn's __mp_main__)", fmt(f["dagster_cli_s"]))
    row("open the instance", fmt(f["instance_s"]))
    row("import reach_pipeline.definitions", fmt(f["code_s"]))
    row(
        "  heaviest imports in it",
        ", ".join(f"{name} {sec:.2f}" for name, sec in f["code_imports"][:6]),
    )

    section("memory, peak RSS MB")
    q = mem.get("_quarter_days", {})
    row("quarters", f"first {q.get('days', '-')} days vs last {q.get('days', '-')} days")
    for key in sorted(k for k in mem if not k.startswith("_")):
        e = mem[key]
        if e["per_day_process"]:
            judged = "new process(es) every day"
        else:
            judged = "flat" if e["flat"] else "GROWS"
        row(
            key,
            f"first {e['first_mb']:.0f}  last {e['last_mb']:.0f}  "
            f"({e['growth_mb']:+.0f}, {e['per_day_mb']:+.2f}/day)  overall {e['peak_mb']:.0f}"
            f"  {judged}",
        )

    c = result["cpu"]
    section("CPU during the backfill (launch -> done)")
    row(
        "machine busy",
        f"{c['machine_busy_cpus']:.2f} of {c['cpus']} CPUs: this benchmark's processes "
        f"{c['bench_cpus']:.2f}, others {c['other_cpus']:.2f}; load avg 1 min "
        + " -> ".join(str(x) for x in c["load_avg_1m"]),
    )
    if c["other_cpus"] is not None and c["other_cpus"] > 0.25:
        row("", "WARNING: other work was using the machine; the figures are inflated")
    row(
        "CPU seconds by process",
        ", ".join(f"{k} {v:.1f}" for k, v in list(c["by_role_cpu_s"].items())[:6]),
    )

    section("verdict")
    overhead = t["overhead_per_day_s"]
    ok = overhead <= TARGET_S_PER_DAY
    row(
        "orchestration overhead per day",
        f"{overhead:.2f} s  (target <= {TARGET_S_PER_DAY} s)  {'PASS' if ok else 'FAIL'}",
    )
    complete = t["overhead_per_day_to_complete_s"]
    if complete is not None:
        ok2 = complete <= TARGET_S_PER_DAY
        row(
            "  incl. wait for 'backfill complete'",
            f"{complete:.2f} s  {'PASS' if ok2 else 'FAIL'}",
        )
    watched = [
        k
        for k in mem
        if not k.startswith("_")
        and (k == "daemon" or k.endswith("code server") or k == "webserver")
    ]
    flat = all(mem[k]["flat"] for k in watched) if watched else None
    row(
        "daemon + code servers flat",
        "-" if flat is None else ("PASS" if flat else "FAIL") + f"  ({', '.join(watched)})",
    )

    width = max(len(label) for label, value in rows if value) + 2
    print()
    print("=" * 100)
    print(f"bench_backfill: sequential UI backfill of {ASSET}")
    print("=" * 100)
    for label, value in rows:
        print(f"{label:<{width}}{value}".rstrip() if value else label)
    print("=" * 100)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=20, help="days to backfill (default 20)")
    parser.add_argument("--first-day", default="2025-09-01", help="first day (YYYY-MM-DD)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--defaults", action="store_true", help="an empty dagster.yaml (Dagster's defaults)"
    )
    group.add_argument("--config", type=Path, help="use this file as dagster.yaml")
    parser.add_argument(
        "--partitions-start", default="2019-01-01", help="REACH_PARTITIONS_START (default as code)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds for the backfill (default 120+30/day)"
    )
    parser.add_argument("--sample-interval", type=float, default=0.5, help="RSS sampling period")
    parser.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="seconds between the daemons turning healthy and the launch (default 15: mid-way"
        " in the backfill daemon's 30 s cycle, so the pick-up wait is its average)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the webserver and daemon (repeatable)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="S",
        help="first wait up to S seconds for the 1-minute load average to drop below "
        "--quiet-load (a shared machine)",
    )
    parser.add_argument("--quiet-load", type=float, default=1.0, help="see --quiet-wait")
    parser.add_argument(
        "--fresh-pools",
        action="store_true",
        help="do not create the reach_cdf pool's limit before the launch (see init_pool)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args(argv)
    if args.days < 2:
        parser.error("--days must be at least 2")
    return args


def code_fingerprint() -> str:
    """Git object ids of what the servers load (code, config, workspace) plus local edits."""
    paths = ["reach_pipeline", "dagster.yaml", "workspace.yaml"]
    try:
        ids = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", *[f"HEAD:{p}" for p in paths]],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", *paths],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return " ".join(ids) + " " + dirty


def run(args: argparse.Namespace, root: Path) -> dict:
    code_at_start = code_revision()
    fingerprint_at_start = code_fingerprint()
    home, input_dir, output_dir = root / "dagster_home", root / "input", root / "output"
    logs = root / "logs"
    for folder in (home, input_dir, output_dir, logs):
        folder.mkdir(parents=True)
    if args.defaults:
        (home / "dagster.yaml").write_text("")
        label = "empty (Dagster defaults)"
    elif args.config:
        shutil.copyfile(args.config, home / "dagster.yaml")
        label = f"{args.config}"
    else:
        shutil.copyfile(SHIPPED_CONFIG, home / "dagster.yaml")
        label = f"shipped ({SHIPPED_CONFIG})"
    keys = write_days(input_dir, dt.date.fromisoformat(args.first_day), args.days)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(output_dir),
        REACH_TELEMETRY_PATH=str(root / "download_telemetry.csv"),
        REACH_PARTITIONS_START=args.partitions_start,
        PYTHONUNBUFFERED="1",
    )
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            raise BenchError(f"--env wants KEY=VALUE, got {item!r}")
        env[key] = value
    # This process reads the same instance (and the code's settings, for the summary).
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DAGSTER_", "REACH_"))})
    summary = config_summary(home / "dagster.yaml")

    port = free_port()
    servers: list[Server] = []
    sampler = None
    try:
        print(f"workspace {root}; webserver on 127.0.0.1:{port}", flush=True)
        web = start_server(
            "dagster-webserver",
            [tool("dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", str(WORKSPACE)],
            env,
            root,
            logs / "webserver.log",
        )
        servers.append(web)
        t0 = time.time()
        wait_until(
            "the webserver",
            lambda: _http_ok(f"http://127.0.0.1:{port}/server_info"),
            180,
            servers,
        )
        repos = wait_until("the code location", lambda: _location_loaded(port), 180, servers)
        print(f"webserver up in {time.time() - t0:.1f} s", flush=True)
        stopped = stop_automation(port, repos)
        print(f"stopped before the daemon starts: {', '.join(stopped) or 'nothing'}", flush=True)
        pool_note = "fresh instance: pool created on first sight"
        if not args.fresh_pools:
            pool_note = init_pool()
        print(f"pool {POOL}: {pool_note}", flush=True)

        daemon = start_server(
            "dagster-daemon",
            [tool("dagster-daemon"), "run", "-w", str(WORKSPACE)],
            env,
            root,
            logs / "daemon.log",
        )
        servers.append(daemon)
        t0 = time.time()
        wait_until("healthy daemons", lambda: _daemons_healthy(port), 180, servers, every=1.0)
        print(f"daemon healthy in {time.time() - t0:.1f} s", flush=True)
        sampler = MemorySampler(
            {"webserver": web.proc.pid, "daemon": daemon.proc.pid}, args.sample_interval
        )
        sampler.start()
        time.sleep(args.settle)

        params = {
            "tags": UI_TAGS,
            "assetSelection": [{"path": [ASSET]}],
            "partitionNames": keys,
            "fromFailure": False,
        }
        launch_t = time.time()
        answer = graphql(port, LAUNCH_BACKFILL, {"backfillParams": params})
        launched = answer["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise BenchError(f"launchPartitionBackfill: {launched}")
        backfill_id = launched["backfillId"]
        print(
            f"backfill {backfill_id} launched ({time.time() - launch_t:.2f} s for the mutation)",
            flush=True,
        )
        timeout = args.timeout or 120 + 30 * args.days
        backfill = wait_for_backfill(backfill_id, len(keys), timeout, servers)
        sampler.stop()

        from dagster import DagsterInstance

        with DagsterInstance.get() as instance:
            runs = read_runs(instance, backfill_id)
        backfill_end = getattr(backfill, "backfill_end_timestamp", None)
        for server in reversed(servers):  # quiet machine for the start-up replay
            stop_server(server)
        servers.clear()
        floor = import_floor(env)
        result = {
            "machine": machine_info(),
            "config": {"label": label, "summary": summary},
            "partitions": keys,
            "backfill_id": backfill_id,
            "backfill_status": backfill.status.value,
            "launch_time": launch_t,
            "timeline": timeline(runs, launch_t, backfill_end),
            "memory": memory_report(sampler.samples, runs),
            "worker_startup": floor,
            "code_at_start": code_at_start,
            "code_changed": code_fingerprint() != fingerprint_at_start,
            "pool": pool_note,
            "cpu": sampler.cpu_report(),
            "runs": [
                {
                    "partition": r.partition,
                    "status": r.status,
                    "created": r.created,
                    "events": r.events,
                    "step_s": r.step_s,
                    "other_steps_s": r.other_steps_s,
                    "process_seconds": r.process_seconds,
                }
                for r in runs
            ],
            "target_s_per_day": TARGET_S_PER_DAY,
        }
        return result
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        for server in reversed(servers):
            stop_server(server)


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


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status == 200


def _location_loaded(port: int):
    data = graphql(port, WORKSPACE_QUERY)["workspaceOrError"]
    if data["__typename"] != "Workspace":
        return None
    repos = []
    for entry in data["locationEntries"]:
        if entry["loadStatus"] != "LOADED":
            return None
        location = entry["locationOrLoadError"]
        if location is None:
            return None
        if location["__typename"] == "PythonError":
            raise BenchError(f"code location {entry['name']} failed: {location['message']}")
        repos.extend(location["repositories"])
    return repos or None


def stop_automation(port: int, repos: list[dict]) -> list[str]:
    stopped = []
    for repo in repos:
        for sensor in repo["sensors"]:
            if sensor["sensorState"]["status"] == "RUNNING":
                out = graphql(port, STOP_SENSOR, {"id": sensor["sensorState"]["id"]})
                if out["stopSensor"]["__typename"] != "StopSensorMutationResult":
                    raise BenchError(f"stopSensor {sensor['name']}: {out}")
                stopped.append(sensor["name"])
        for schedule in repo["schedules"]:
            if schedule["scheduleState"]["status"] == "RUNNING":
                out = graphql(port, STOP_SCHEDULE, {"id": schedule["scheduleState"]["id"]})
                if out["stopRunningSchedule"]["__typename"] != "ScheduleStateResult":
                    raise BenchError(f"stopRunningSchedule {schedule['name']}: {out}")
                stopped.append(schedule["name"])
    return stopped


def _daemons_healthy(port: int) -> bool:
    statuses = graphql(port, DAEMON_HEALTH)["instance"]["daemonHealth"]["allDaemonStatuses"]
    needed = [s for s in statuses if s["required"]]
    return bool(needed) and all(s["healthy"] for s in needed)


def wait_for_backfill(backfill_id: str, days: int, timeout: float, servers: list[Server]):
    from dagster import DagsterInstance, RunsFilter

    deadline = time.time() + timeout
    last_print = 0.0
    with DagsterInstance.get() as instance:
        while True:
            for server in servers:
                if server.proc.poll() is not None:
                    raise BenchError(f"{server.name} exited:\n{server.tail()}")
            backfill = instance.get_backfill(backfill_id)
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
            finished = sum(1 for r in runs if r.status.value in FINISHED_RUN)
            if backfill.status.value in TERMINAL_BACKFILL and finished == len(runs):
                return backfill
            if time.time() - last_print >= 15:
                print(
                    f"  {backfill.status.value}: {finished}/{days} days done, "
                    f"{len(runs)} runs created",
                    flush=True,
                )
                last_print = time.time()
            if time.time() > deadline:
                raise BenchError(
                    f"backfill not finished after {timeout:g} s ({backfill.status.value}, "
                    f"{finished}/{days} runs done)"
                )
            time.sleep(1.0)


def wait_for_quiet(limit_s: float, load: float) -> None:
    deadline = time.time() + limit_s
    while os.getloadavg()[0] >= load and time.time() < deadline:
        time.sleep(5)
    print(f"load average before start: {os.getloadavg()[0]:.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quiet_wait > 0:
        wait_for_quiet(args.quiet_wait, args.quiet_load)
    root = Path(tempfile.mkdtemp(prefix="reach-bench-backfill-"))
    try:
        result = run(args, root)
    except BenchError as exc:
        print(f"bench_backfill: could not run: {exc}", file=sys.stderr)
        for name in ("webserver.log", "daemon.log"):
            log = root / "logs" / name
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-20:]
                print(f"--- {name} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
