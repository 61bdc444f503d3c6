"""Sampling the RSS and CPU time of every process of the server trees, and its summary."""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

import psutil

from reach_pipeline_tests.support.dagster_servers import process_role

# A code server or daemon whose last-quarter peak exceeds its first-quarter peak by more
# than this is called growing.
FLAT_TOLERANCE_MB = 16.0
FLAT_TOLERANCE_FRACTION = 0.05
PER_DAY_ROLES = {"run worker", "processor", "mp helper"}

if TYPE_CHECKING:
    from .timeline import RunTiming


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
            role = root_role or process_role(proc.cmdline())
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
