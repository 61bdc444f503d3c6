"""The CPU seconds and the run workers' memory of the server trees while a backfill runs,
short-lived processes included.

A run worker's fork worker is not reaped by anyone in the trees (it exits after its run
worker, and init reaps it), so the trees' cumulative CPU with reaped children
(``cpu.tree_cpu_seconds``) would lose every processor's CPU. Here every process is sampled
for its own CPU and the last value kept after it is gone; a fork worker counts with its
reaped children (the processors, one per day and stage, each living about a second), which
are therefore not sampled themselves. What a process spends after its last sample is lost:
at most one interval of a long-lived process (a run worker, a fork worker), per run.
"""

from __future__ import annotations

import threading
import time

import psutil

from reach_pipeline_tests.support.dagster_servers import process_role

FORK_WORKER = "reach_pipeline.runner.forkworker"
# Kinds (prefixes) of the runs' own work (the processors included).
RUN_KINDS = ("run worker", "fork worker")


def _cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _fork_worker_kind(cmdline: str) -> str:
    """``fork worker (<its processor's module>)`` for a fork worker, else ``""``."""
    if FORK_WORKER not in cmdline:
        return ""
    # python -m reach_pipeline.runner.forkworker <module:function> [<idle exit seconds>]
    words = cmdline.split()
    processor = words[words.index(FORK_WORKER) + 1] if words[-1] != FORK_WORKER else ""
    return f"fork worker ({processor.partition(':')[0]})" if ":" in processor else "fork worker"


class TreeLedger(threading.Thread):
    """Every ``interval``: the CPU seconds spent so far by every process seen in the trees of
    ``roots``, summed by kind of process (``samples``: (time, {kind: seconds})), and the
    largest summed RSS of one run worker's tree (run worker, fork worker, processor:
    ``peak_run_worker_mb``; pages the processor shares with its fork worker counted twice,
    so an upper bound)."""

    def __init__(self, roots: list[int], interval: float = 0.2):
        super().__init__(daemon=True, name="tree-ledger")
        self.roots, self.interval = roots, interval
        self.cpu: dict[tuple[int, float], float] = {}
        self.samples: list[tuple[float, dict[str, float]]] = []  # (time, seconds by kind)
        self.peak_run_worker_mb = 0.0
        self._kinds: dict[tuple[int, float], str] = {}
        self._halt = threading.Event()

    def _kind(self, proc: psutil.Process, key) -> str:
        if key not in self._kinds:
            text = _cmdline(proc)
            kind = _fork_worker_kind(text) or process_role(text.split()) or ""
            if not kind:
                daemon = "dagster._daemon" in text or "dagster-daemon" in text
                kind = "daemon" if daemon else "webserver" if "webserver" in text else ""
            self._kinds[key] = kind
        return self._kinds[key]

    def sample(self) -> None:
        for pid in list(self.roots):
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            forks = set()
            for proc in procs:
                try:
                    key = (proc.pid, proc.create_time())
                    if self._kind(proc, key).startswith("fork worker"):
                        forks.add(proc.pid)
                except psutil.Error:
                    continue
            for proc in procs:
                try:
                    if proc.ppid() in forks:
                        continue  # a processor: counted by its fork worker once reaped
                    key = (proc.pid, proc.create_time())
                    t = proc.cpu_times()
                    seconds = t.user + t.system
                    if proc.pid in forks:
                        seconds += t.children_user + t.children_system
                    self.cpu[key] = max(seconds, self.cpu.get(key, 0.0))
                    if self._kind(proc, key) == "run worker":
                        self._run_worker_memory(proc)
                except psutil.Error:
                    continue
        self.samples.append((time.time(), self.seconds_by_kind()))

    def _run_worker_memory(self, worker: psutil.Process) -> None:
        total = 0
        for proc in [worker, *worker.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        self.peak_run_worker_mb = max(self.peak_run_worker_mb, total / 2**20)

    def run(self) -> None:
        while True:
            self.sample()
            if self._halt.wait(self.interval):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def kinds_between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds spent between the samples nearest ``start`` and ``end``, by kind of
        process (run worker, fork worker with its processors, code server, ...)."""
        first = min(self.samples, key=lambda s: abs(s[0] - start))[1]
        last = min(self.samples, key=lambda s: abs(s[0] - end))[1]
        return {kind: seconds - first.get(kind, 0.0) for kind, seconds in last.items()}

    def seconds_by_kind(self) -> dict[str, float]:
        """CPU seconds of every process seen so far, summed by kind (run worker, fork
        worker with its processors, daemon, webserver, ...)."""
        totals: dict[str, float] = {}
        for key, seconds in self.cpu.items():
            kind = self._kinds.get(key) or "other"
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

    def seconds_between(self, start: float, end: float) -> tuple[float, float]:
        """CPU seconds spent between the samples nearest ``start`` and ``end``: by every
        process, and by the run workers with their fork workers and processors."""
        spent = self.kinds_between(start, end)
        runs = sum(v for kind, v in spent.items() if kind.startswith(RUN_KINDS))
        return sum(spent.values()), runs
