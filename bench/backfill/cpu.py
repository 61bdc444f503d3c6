"""The CPU the machine spent while a backfill ran: all of it, and the part of our process
trees (the servers and the workers), so that other users' load on a shared machine shows."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import psutil


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def tree_total(roots: list[int], measure: Callable[[psutil.Process], float]) -> float:
    """The sum of ``measure(process)`` over the processes in the trees of ``roots`` (a root
    that has ended, or a process that ends or hides while measured, counts nothing)."""
    total: float = 0
    for pid in list(roots):  # the list may grow meanwhile (another thread's)
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in procs:
            try:
                total += measure(proc)
            except psutil.Error:
                continue
    return total


def _cpu_seconds(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU seconds of the processes in the trees of ``roots``, with what their reaped children
    used (a process is either alive, counted itself, or reaped, counted in its parent: the
    processor's children that live a fraction of a second are not missed)."""
    return tree_total(roots, _cpu_seconds)


class CpuSampler(threading.Thread):
    """Every ``interval``: (time, machine busy CPU s, our trees' CPU s, 1-minute load)."""

    def __init__(self, roots: list[int], interval: float):
        super().__init__(daemon=True, name="cpu-sampler")
        self.roots, self.interval = roots, interval
        self.samples: list[tuple[float, float, float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while True:
            sample = (
                time.time(),
                machine_busy_seconds(),
                tree_cpu_seconds(self.roots),
                os.getloadavg()[0],
            )
            self.samples.append(sample)
            if self._halt.wait(self.interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def report(self, start: float, end: float) -> dict:
        """CPUs used on average between ``start`` and ``end`` (the samples inside): the
        machine's, ours, others' (the rest); the load average at both ends."""
        inside = [s for s in self.samples if start <= s[0] <= end] or self.samples
        first, last = inside[0], inside[-1]
        span = last[0] - first[0]
        if span <= 0:
            return {"cpus": psutil.cpu_count(), "busy_cpus": None}
        busy, ours = (last[1] - first[1]) / span, (last[2] - first[2]) / span
        return {
            "cpus": psutil.cpu_count(),
            "busy_cpus": busy,
            "our_cpus": ours,
            "other_cpus": max(0.0, busy - ours),
            "load_avg_1m": [round(first[3], 2), round(last[3], 2)],
        }
