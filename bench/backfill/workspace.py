"""The throw-away workspace: ``DAGSTER_HOME`` with its ``dagster.yaml``, the input days, the
output folder, and the environment the servers get."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import REPO_ROOT, BenchError

WORKSPACE = REPO_ROOT / "workspace.yaml"
SHIPPED_CONFIG = REPO_ROOT / "dagster.yaml"
TEMPLATE = REPO_ROOT / "examples" / "udl" / "REACH-ALL_20250901T000000_20250902T000000.csv"
TEMPLATE_DAY = dt.date(2025, 9, 1)


@dataclass
class Workspace:
    root: Path
    home: Path
    logs: Path
    env: dict[str, str]
    config_label: str
    partitions: list[str]


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


def install_config(home: Path, defaults: bool, config: Path | None) -> str:
    """Write ``home/dagster.yaml`` (an empty one, ``config``, or the shipped one); its label."""
    if defaults:
        (home / "dagster.yaml").write_text("")
        return "empty (Dagster defaults)"
    if config:
        shutil.copyfile(config, home / "dagster.yaml")
        return f"{config}"
    shutil.copyfile(SHIPPED_CONFIG, home / "dagster.yaml")
    return f"shipped ({SHIPPED_CONFIG})"


def server_env(root: Path, partitions_start: str, extra: list[str]) -> dict[str, str]:
    """This process's environment without its REACH_*/DAGSTER_* settings, plus ours and
    the ``--env KEY=VALUE`` items."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACH_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(root / "dagster_home"),
        REACH_INPUT_DIR=str(root / "input"),
        REACH_OUTPUT_DIR=str(root / "output"),
        REACH_TELEMETRY_PATH=str(root / "download_telemetry.csv"),
        REACH_PARTITIONS_START=partitions_start,
        PYTHONUNBUFFERED="1",
    )
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise BenchError(f"--env wants KEY=VALUE, got {item!r}")
        env[key] = value
    return env


def build(root: Path, args) -> Workspace:
    """The folders under ``root``, the config, ``args.days`` day files and the environment."""
    home, logs = root / "dagster_home", root / "logs"
    for folder in (home, root / "input", root / "output", logs):
        folder.mkdir(parents=True)
    label = install_config(home, args.defaults, args.config)
    first = dt.date.fromisoformat(args.first_day)
    keys = write_days(root / "input", first, args.days)
    env = server_env(root, args.partitions_start, args.env)
    return Workspace(root, home, logs, env, label, keys)
