"""Helpers for the fault-injection tests: the real console script, polling, day files."""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import cdflib
import numpy as np
import psutil

from reach_pipeline.contract.telemetry import SCHEMA, STATUSES, TelemetryLog, TelemetryRow
from reach_pipeline.provenance import attributes as prov
from reach_pipeline_tests.support import processors

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "udl"
BAD = REPO / "reach_pipeline_tests" / "data" / "bad"
TEMPLATE = EXAMPLES / "REACH-ALL_20250901T000000_20250902T000000.csv"
TEMPLATE_DAY = date(2025, 9, 1)
FORKWORKER = "reach_pipeline.runner.forkworker"

T = TypeVar("T")


def wait_for(
    what: str,
    check: Callable[[], T],
    timeout_s: float = 60.0,
    every_s: float = 0.05,
    alive: subprocess.Popen | None = None,
) -> T:
    """Poll ``check()`` until it returns something truthy; fail at the deadline.

    With ``alive``, fail early (with that process's exit code) when it has exited and the
    condition still does not hold.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if alive is not None and alive.poll() is not None:
            result = check()
            if result:
                return result
            raise AssertionError(f"process exited ({alive.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(every_s)  # polling interval, not synchronization


def fork_worker(cli: psutil.Process | int) -> psutil.Process | None:
    """The fork worker among the command's children (it forks the processors), or None."""
    try:
        children = (psutil.Process(cli) if isinstance(cli, int) else cli).children()
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            if FORKWORKER in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def started_processor(
    input_dir: Path, day: date, timeout_s: float, alive: subprocess.Popen | None = None
) -> psutil.Process:
    """The gated processor of ``day`` once it has started (it waits to be released)."""
    pid = wait_for(
        f"the processor of {day} to start",
        lambda: processors.started_processors(input_dir).get(day_file_name(day)),
        timeout_s=timeout_s,
        alive=alive,
    )
    return psutil.Process(pid)


def console_script() -> list[str]:
    script = Path(sys.executable).with_name("reach-pipeline")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "reach_pipeline"]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: no DAGSTER_HOME, no REACH_* or AWS_* settings of the caller."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # the code of this tree, also when the console scripts belong to another install
        "PYTHONPATH": str(REPO),
    }
    if os.environ.get("PYTHONPATH"):  # a work tree's code, not the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(extra)
    return env


def gated_env(home: Path, **extra: str) -> dict[str, str]:
    """``clean_env`` with the gated processor: each day waits until the test releases it."""
    return clean_env(home, REACH_PROCESSOR=processors.GATED, PYTHONPATH=str(REPO), **extra)


def process_argv(start: str, end: str, input_dir: Path, output_dir: Path, *extra: str) -> list[str]:
    return [
        *console_script(),
        "process",
        "--start-date",
        start,
        "--end-date",
        end,
        "--input-dir",
        str(input_dir),
        "--output-dir",
        str(output_dir),
        *extra,
    ]


def start_cli(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    stderr_path: Path,
    stdout_path: Path | None = None,
):
    """Start the console script in its own session, stderr (and stdout, given a path) to a
    file; returns the Popen."""
    with open(stderr_path, "wb") as stderr, open(stdout_path or os.devnull, "wb") as stdout:
        return subprocess.Popen(
            **_console(argv, cwd, env), stdout=stdout, stderr=stderr, start_new_session=True
        )


def run_cli(argv: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 300):
    return subprocess.run(
        **_console(argv, cwd, env), capture_output=True, text=True, timeout=timeout_s
    )


def _console(argv: list[str], cwd: Path, env: dict[str, str]) -> dict:
    """How the tests start the console script: in ``cwd``, with exactly ``env``, no stdin."""
    return {"args": argv, "cwd": cwd, "env": env, "stdin": subprocess.DEVNULL}


def day_file_name(day: date, suffix: str = "csv") -> str:
    return f"REACH-ALL_{day:%Y%m%d}T000000_{day + timedelta(days=1):%Y%m%d}T000000.{suffix}"


def sample_workspace(tmp_path: Path, days: Iterable[date] = ()) -> tuple[Path, Path, Path]:
    """``(ws, ws/in, ws/out)`` under ``tmp_path``, the sample day written for each of ``days``."""
    ws = tmp_path / "ws"
    input_dir, out = ws / "in", ws / "out"
    for day in days:
        write_sample_day(input_dir, day)
    return ws, input_dir, out


def write_sample_day(input_dir: Path, day: date) -> Path:
    """The 2025-09-01 sample day with its obTime values moved to ``day`` (examples/README)."""
    text = TEMPLATE.read_text()
    old = f",{TEMPLATE_DAY.isoformat()}T"
    assert text.count(old) == text.count("\n") - 1, "one obTime on the template day per row"
    input_dir.mkdir(parents=True, exist_ok=True)
    target = input_dir / day_file_name(day)
    target.write_text(text.replace(old, f",{day.isoformat()}T"))
    return target


def make_synthetic_day(path: Path, day: date, *, seed: int, rows_fraction: float) -> dict:
    """``bench/make_synthetic_day.make_day`` (bench/ is not a package: loaded by path)."""
    name = "_reach_bench_make_synthetic_day"
    module = sys.modules.get(name)
    if module is None:
        source = REPO / "bench" / "make_synthetic_day.py"
        spec = importlib.util.spec_from_file_location(name, source)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    path.parent.mkdir(parents=True, exist_ok=True)
    return module.make_day(path, day, seed=seed, rows_fraction=rows_fraction)


def cdf_rel(day: date) -> Path:
    return Path(f"l1c/prelim/{day:%Y/%m/%d}/reach_all_l1c_prelim_{day:%Y%m%d}T000000_v1.0.0.cdf")


def s3_key(day: date) -> str:
    return cdf_rel(day).as_posix()


def only_products(out: Path) -> bool:
    """The output folder holds products only: CDFs and PNGs in the l1c/ and l2/ layouts."""
    return all(
        p.relative_to(out).parts[0] in ("l1c", "l2") and p.suffix in (".cdf", ".png")
        for p in files_under(out)
    )


def assert_products(out: Path, days: Iterable[date]) -> None:
    """The L1C layout holds the CDFs of ``days`` and nothing else; only products in ``out``."""
    assert files_under(out / "l1c") == [out / cdf_rel(d) for d in days]
    assert only_products(out)


def files_under(directory: Path) -> list[Path]:
    if not directory.exists():
        return []
    return sorted(p for p in directory.rglob("*") if not p.is_dir())


def latest(telemetry: Path) -> dict[date, TelemetryRow]:
    return TelemetryLog(telemetry).latest_by_day()


def rows_of(telemetry: Path, day: date) -> list[TelemetryRow]:
    return [r for r in TelemetryLog(telemetry).rows() if r.chunk_date_utc == day.isoformat()]


def strict_records(telemetry: Path) -> list[list[str]]:
    """Parse the whole file with the csv module, failing on anything but whole rows.

    Checks: our header, every record exactly 24 fields with a known status, every line
    ``\\r\\n``-terminated (the legacy terminator), nothing after the last terminator.
    """
    raw = telemetry.read_bytes()
    assert raw.endswith(b"\r\n"), f"{telemetry} does not end with a whole line: {raw[-80:]!r}"
    records = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(records[0]) == SCHEMA
    for number, record in enumerate(records[1:], start=2):
        assert len(record) == len(SCHEMA), f"record {number} has {len(record)} fields: {record}"
        assert record[4] in STATUSES, f"record {number}: unknown status {record[4]!r}"
        date.fromisoformat(record[1])
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(records)
    return records[1:]


# What the pipeline adds to the processor's global attributes: where the product came from.
PROVENANCE = frozenset(
    {
        prov.PARENTS,
        prov.INPUT_FILE,
        prov.INPUT_SIZE,
        prov.INPUT_SHA256,
        prov.INPUT_WINDOW,
        prov.PROCESSOR,
        prov.PROCESSOR_VERSION,
        prov.PIPELINE_VERSION,
        prov.SETTINGS,
        prov.PROVENANCE_DATE,
    }
)


def assert_same_cdf(actual: Path, expected: Path) -> None:
    """The same global attributes (the placed product's provenance aside: it has one; and
    the making date, which differs when the two were made either side of midnight UTC) and
    the same variables (names, values, attributes)."""
    a, b = cdflib.CDF(str(actual)), cdflib.CDF(str(expected))
    ga, gb = a.globalattsget(), b.globalattsget()
    assert prov.INPUT_SHA256 in ga
    aside = PROVENANCE | {"Generation_date"}
    assert {k: v for k, v in ga.items() if k not in aside} == {
        k: v for k, v in gb.items() if k not in aside
    }
    names = a.cdf_info().zVariables
    assert names == b.cdf_info().zVariables
    for name in names:
        assert a.varattsget(name) == b.varattsget(name), name
        va, vb = np.asarray(a.varget(name)), np.asarray(b.varget(name))
        assert va.dtype == vb.dtype and va.shape == vb.shape, name
        if va.dtype.kind == "f":
            assert np.array_equal(va, vb, equal_nan=True), name
        else:
            assert np.array_equal(va, vb), name
