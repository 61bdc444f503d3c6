"""The harness's process handling, with real processes: every process of a tree is gone
after ``stop()``, and the ones that needed SIGKILL are named."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from reach_pipeline_tests.support.processes import (
    ServerError,
    ServerProcess,
    descendants,
    poll,
    proc_table,
    running,
)

# A server that starts one child and writes the child's PID to argv[1]. Modes: "plain"
# (the child dies on SIGTERM), "stubborn" (the child ignores SIGTERM), "escaped" (the
# child runs in its own session: a group signal does not reach it).
TREE = r"""
import pathlib, signal, subprocess, sys, time
ready, mode = pathlib.Path(sys.argv[1]), sys.argv[2]
code = "import signal, time\n"
if mode == "stubborn":
    code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
code += "time.sleep(600)\n"
child = subprocess.Popen([sys.executable, "-c", code], start_new_session=mode == "escaped")
time.sleep(0.3)  # let the child set its signal disposition before we say ready
ready.write_text(str(child.pid))
time.sleep(600)
"""

pytestmark = pytest.mark.integration


def start_tree(tmp_path: Path, mode: str) -> tuple[ServerProcess, psutil.Process]:
    ready = tmp_path / "child.pid"
    server = ServerProcess(
        f"tree-{mode}",
        [sys.executable, "-c", TREE, str(ready), mode],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        log=tmp_path / "tree.log",
    )
    server.start()
    pid = poll("the child's PID", lambda: ready.exists() and ready.read_text(), 30, 0.05)
    child = psutil.Process(int(pid))
    server.track()
    return server, child


@pytest.mark.parametrize(
    ("mode", "needs_kill"),
    [("plain", False), ("stubborn", True), ("escaped", True)],
)
def test_stop_leaves_nothing_and_names_what_needed_sigkill(tmp_path, mode, needs_kill):
    server, child = start_tree(tmp_path, mode)
    leader = psutil.Process(server.pid)
    forced = server.stop(grace_s=2.0, kill_wait_s=10.0)
    assert not running(leader)
    assert not running(child)
    assert any(str(child.pid) in entry for entry in forced) == needs_kill, forced
    assert server.stop() == forced  # a second stop changes nothing


def test_a_server_started_with_sigint_ignored_still_reacts_to_it(tmp_path):
    """A background job inherits SIGINT ignored; the harness resets it for its servers."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ready = tmp_path / "ready"
        code = f"import pathlib, time; pathlib.Path({str(ready)!r}).touch(); time.sleep(600)"
        server = ServerProcess(
            "sleeper",
            [sys.executable, "-c", code],
            env={"PATH": "/usr/bin:/bin"},
            cwd=tmp_path,
            log=tmp_path / "sleeper.log",
            signal_group=False,
            stop_signals=(signal.SIGINT,),
        )
        server.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    poll("the interpreter to start", ready.exists, 30, 0.05)
    assert server.stop(grace_s=10.0) == []


def test_a_server_that_exits_is_reported_with_its_log(tmp_path):
    server = ServerProcess(
        "doomed",
        [sys.executable, "-c", "import sys; print('no port for me'); sys.exit(3)"],
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        log=tmp_path / "doomed.log",
    )
    server.start()
    with pytest.raises(ServerError, match=r"(?s)doomed exited with 3.*no port for me"):
        poll("a port", lambda: None, 30, 0.05, guard=server.check_alive)
    assert server.stop() == []


def test_poll_names_what_it_waited_for():
    with pytest.raises(ServerError, match="timed out after 0.2 s waiting for the moon"):
        poll("the moon", lambda: None, 0.2, 0.05)


@pytest.mark.parametrize(
    ("table", "root", "expected"),
    [
        ({1: (0, 5), 10: (1, 7), 11: (10, 8), 12: (11, 9), 20: (1, 9)}, 10, {10, 11, 12}),
        ({1: (0, 5), 10: (1, 7), 11: (1, 8)}, 10, {10}),  # a sibling is not below it
        ({1: (0, 5), 11: (10, 8)}, 10, set()),  # the root gone: its orphan is not found
    ],
)
def test_descendants_are_the_root_and_everything_below_it(table, root, expected):
    assert set(descendants(table, root)) == expected


def test_the_proc_table_has_each_process_with_its_parent_and_start():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        table = proc_table()
        assert table[child.pid][0] == os.getpid()
        assert table[os.getpid()][0] == os.getppid()
        # started after this process (start times in clock ticks since boot)
        assert table[child.pid][1] >= table[os.getpid()][1]
    finally:
        child.kill()
        child.wait()
