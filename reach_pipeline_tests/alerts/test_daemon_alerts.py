"""Alerts as the daemon sends them: a real webserver and daemon (the shared harness), a
backfill launched as the UI launches it over five days of which two are bad, and a failed
run of `reach-pipeline process` recorded in the same instance. The webhook is a real
server on loopback; its URL carries a sentinel secret that must show nowhere.

The backfill must give exactly one message, its summary, naming the two bad days (not
one message per failed day); the command line's failed day gives one message of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, RunsFilter

from reach_pipeline.definitions import defs
from reach_pipeline.defs.alerts import requested_days
from reach_pipeline_tests.faults.support import REPO, clean_env, console_script
from reach_pipeline_tests.support.alert_logs import SENTINEL
from reach_pipeline_tests.support.dagster_servers import DagsterServers, repo_servers
from reach_pipeline_tests.support.graphql import (
    BACKFILL_ENDED,
    backfill,
    launch_partition_backfill,
    stop_automation,
)

from .sensors import BAD_1, BAD_2, GOOD, fill_input

pytestmark = [pytest.mark.integration, pytest.mark.slow(80), pytest.mark.timeout(600)]

DAYS = sorted([BAD_1, BAD_2, *GOOD])  # 2026-01-01 .. 2026-01-05
CLI_BAD_DAY = dt.date(2026, 1, 14)  # a third malformed day, run by the command line
ALERT_SENSORS = ("reach_failure_alert_sensor", "reach_backfill_alert_sensor")
UI = "https://dagster.example.org"


def stop_all_but_the_alert_sensors(servers: DagsterServers) -> None:
    """The input sensor would run every day file by itself, the schedule and the missing-day
    alert act on the clock: only the two alert sensors under test keep running."""
    stop_automation(servers.client, servers.locations, keep=ALERT_SENSORS)


def sensor_cursors(home: Path) -> dict[str, str | None]:
    """The cursor of each alert sensor (set by its first evaluation)."""
    with DagsterInstance.from_config(str(home)) as instance:
        states = instance.all_instigator_state()
        return {
            s.instigator_name: getattr(s.instigator_data, "cursor", None)
            for s in states
            if s.instigator_name in ALERT_SENSORS
        }


def reacted(home: Path, run_id: str) -> bool:
    """The failure sensor has handled this run (the daemon notes it in the run's log)."""
    with DagsterInstance.from_config(str(home)) as instance:
        entries = instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
    return any("reach_failure_alert_sensor" in (e.message or "") for e in entries)


def files_holding(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_backfill_sends_one_summary_and_a_cli_failure_one_message(tmp_path, webhook):
    repository = defs.get_repository_def()
    home, input_dir, out = tmp_path / "dagster_home", tmp_path / "in", tmp_path / "out"
    home.mkdir()
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    phrases = fill_input(input_dir)
    cli_bad = fill_input(input_dir, bad=(CLI_BAD_DAY,), good=())
    hook = webhook.url(f"/services/T1/B1/{SENTINEL}")
    env = clean_env(
        tmp_path / "home",
        REACH_INPUT_DIR=str(input_dir),
        REACH_OUTPUT_DIR=str(out),
        REACH_TELEMETRY_PATH=str(tmp_path / "download_telemetry.csv"),
        REACH_PARTITIONS_START="2025-12-01",
        REACH_ALERT_WEBHOOK_URL=hook,
        REACH_UI_BASE_URL=UI,
    )
    servers = repo_servers(home, env, tmp_path, before_daemon=stop_all_but_the_alert_sensors)
    with servers:
        # Both alert sensors have evaluated once (the backfill one watches backfills
        # created from its first evaluation on).
        servers.wait(
            "the alert sensors' first evaluation",
            lambda: all(sensor_cursors(home).get(name) for name in ALERT_SENSORS),
            timeout_s=120,
        )
        launched = launch_partition_backfill(
            servers.client, ["reach_cdf"], [d.isoformat() for d in DAYS]
        )
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]
        # The command line's failed day, recorded in the same instance, meanwhile: the
        # backfill's run starts at the backfill daemon's next cycle (up to 30 s).
        with ThreadPoolExecutor(1) as pool:
            cli_run = pool.submit(
                subprocess.run,
                [
                    *console_script(),
                    "process",
                    "--start-date",
                    CLI_BAD_DAY.isoformat(),
                    "--end-date",
                    CLI_BAD_DAY.isoformat(),
                ],
                cwd=tmp_path,
                env={**env, "DAGSTER_HOME": str(home)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            ended = servers.wait(
                "the backfill to end",
                lambda: (
                    (b := backfill(servers.client, backfill_id))["status"] in BACKFILL_ENDED and b
                ),
                timeout_s=300,
            )
            cli = cli_run.result()
        assert cli.returncode == 1, cli.stderr[-3000:]
        # The backfill's summary and the command line's failed day: one message each.
        messages = [r.json() for r in webhook.wait_for(2, timeout_s=180)]
        [summary] = [m for m in messages if m["text"].startswith("REACH backfill ")]
        [cli_message] = [m for m in messages if m is not summary]
        with DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs(RunsFilter(tags={"dagster/backfill": backfill_id}))
            # the days the backfill targets are read from the backfill itself
            requested = requested_days(instance.get_backfill(backfill_id), repository)
        failed_runs = [r.run_id for r in runs if r.status.value == "FAILURE"]
        assert failed_runs, [(r.run_id, r.status) for r in runs]
        for run_id in failed_runs:  # the failure sensor saw them, and said nothing
            servers.wait(
                f"the failure sensor to handle run {run_id}",
                lambda run_id=run_id: reacted(home, run_id),
                180,
            )
        assert len(webhook.requests) == 2, webhook.bodies()

    assert not servers.forced, servers.forced
    text = summary["text"]
    print(json.dumps(summary, indent=2))
    assert ended["status"] in ("COMPLETED_FAILED", "COMPLETED"), ended["status"]
    assert text.splitlines()[0] == f"REACH backfill {backfill_id} ended: 2 of 5 days failed"
    assert "Materialized: 3" in text and "Failed: 2" in text and "Skipped (no input): 0" in text
    failed_lines = [line for line in text.splitlines() if line.startswith("2026-")]
    assert [line.split()[0] for line in failed_lines] == [BAD_1.isoformat(), BAD_2.isoformat()]
    assert all("reach_cdf" in line for line in failed_lines)
    assert f"{UI}/runs/b/{backfill_id}" in text
    assert set(phrases) == {BAD_1, BAD_2}
    assert requested == set(DAYS)

    print(json.dumps(cli_message, indent=2))
    lines = cli_message["text"].splitlines()
    assert lines[0] == f"REACH reach_cdf failed for {CLI_BAD_DAY}"
    assert cli_bad[CLI_BAD_DAY] in cli_message["text"]
    assert f"{UI}/runs/" in cli_message["text"]

    # The sentinel is in the URL the server was posted to, and nowhere else: not in a
    # message, not in a log of the webserver or the daemon, not in the instance (event
    # logs, sensor tick logs, metadata).
    assert all(SENTINEL in r.path for r in webhook.requests)
    assert all(SENTINEL.encode() not in r.body for r in webhook.requests)
    assert files_holding(home, SENTINEL.encode()) == []
    assert files_holding(tmp_path, SENTINEL.encode()) == []
