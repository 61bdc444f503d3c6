"""``reach-pipeline process --stale`` and the status's ``made_by`` column, with an
operator's own processor module (REACH_PROCESSOR): its source changes, its days are
stale and made again; a touched but unchanged input is not a change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reach_pipeline.provenance.cdf_attrs import global_attributes
from reach_pipeline_tests.support.cli_workspace import parse_summary, process_args

REPO = Path(__file__).resolve().parents[2]
MODULE = "reach_operator_cli_calibration"
SOURCE = """from reach_pipeline.processing import process_file as _ours

CALIBRATION = {calibration}


def process_file(path):
    return _ours(path)
"""
DAYS = ("2025-09-01", "2025-09-02")

pytestmark = pytest.mark.integration


def made_by_column(stdout: str) -> dict[str, str]:
    """``{day: made_by}`` from the status table."""
    lines = stdout.splitlines()
    assert lines[0].split()[-1] == "made_by", lines[0]
    return {line[:10]: line[48:] for line in lines[1:] if line[:4].isdigit()}


def actions(stdout: str) -> dict[str, str]:
    """``{day: action}`` from a dry run's plan."""
    return {line.split()[0]: line.split()[1] for line in stdout.splitlines()[1:]}


@pytest.mark.slow(20)
def test_stale_days_are_made_again_and_only_they(workspace, run_cli, tmp_path):
    mods = tmp_path / "mods"
    mods.mkdir()
    (mods / f"{MODULE}.py").write_text(SOURCE.format(calibration=1))
    env = {
        "PYTHONPATH": os.pathsep.join([str(mods), str(REPO)]),
        "REACH_PROCESSOR": f"{MODULE}:process_file",
    }
    status = ["status", "--start-date", DAYS[0], "--end-date", "2025-09-03"]
    status += ["--input-dir", "in", "--output-dir", "out"]
    code, out, err = run_cli(*process_args(*DAYS), env=env)
    assert code == 0, err
    first = global_attributes(workspace.cdf(DAYS[0]))["Processor_version"]
    assert first.startswith("src-")

    code, out, err = run_cli(*status, env=env)
    assert code == 0, err
    assert made_by_column(out) == {DAYS[0]: first, DAYS[1]: first, "2025-09-03": "-"}
    code, out, err = run_cli(*process_args(*DAYS, "--stale", "--dry-run"), env=env)
    assert actions(out) == dict.fromkeys(DAYS, "skip_existing"), out

    # A touched input with the same bytes is not a change.
    stat = (path := next(workspace.input_dir.glob("REACH-ALL_20250901T*"))).stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**10))
    code, out, err = run_cli(*process_args(*DAYS, "--stale", "--dry-run"), env=env)
    assert actions(out) == dict.fromkeys(DAYS, "skip_existing"), out

    (mods / f"{MODULE}.py").write_text(SOURCE.format(calibration=2))
    code, out, err = run_cli(*status, env=env)
    assert made_by_column(out) == {
        DAYS[0]: f"{first} (stale)",
        DAYS[1]: f"{first} (stale)",
        "2025-09-03": "-",
    }, out
    code, out, err = run_cli(*process_args(*DAYS, "--stale", "--dry-run"), env=env)
    assert actions(out) == dict.fromkeys(DAYS, "run_stale"), out
    before = workspace.cdf(DAYS[1]).stat().st_mtime_ns
    code, out, err = run_cli(*process_args(*DAYS, "--stale"), env=env)
    assert code == 0, err
    assert parse_summary(out)["processed"] == 2, out
    now = global_attributes(workspace.cdf(DAYS[1]))["Processor_version"]
    assert now.startswith("src-") and now != first
    assert workspace.cdf(DAYS[1]).stat().st_mtime_ns != before

    code, out, err = run_cli(*process_args(*DAYS, "--stale"), env=env)
    assert code == 0, err
    summary = parse_summary(out)
    assert (summary["processed"], summary["skipped_existing"]) == (0, 2), out
