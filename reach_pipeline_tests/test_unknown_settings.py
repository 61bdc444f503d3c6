"""A misspelled REACH_* variable is named, with the closest known name, by the command line
and when the code location loads (it used to be silently ignored: REACH_OUTPUT_DRI wrote to
./out, REACH_S3_BUCKT on the daemon never uploaded)."""

from __future__ import annotations

import importlib
import re
import shutil

import pytest

import reach_pipeline.definitions
from reach_pipeline.cli import main
from reach_pipeline.settings import (
    ENV_VARS,
    OTHER_VARS,
    UnknownSettingWarning,
    unknown_variables,
)
from reach_pipeline_tests.support.data import EXAMPLES, REPO


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),
        ({"REACH_OUTPUT_DIR": "out", "HOME": "/root", "REACHED": "1"}, []),
        ({name: "1" for name in (*ENV_VARS, *OTHER_VARS)}, []),
        (
            {"REACH_OUTPUT_DRI": "x"},
            [
                "REACH_OUTPUT_DRI is not a reach_pipeline setting and is ignored: "
                "did you mean REACH_OUTPUT_DIR?"
            ],
        ),
        (
            {"REACH_S3_BUCKT": "b", "REACH_INPUT_DIR": "in"},
            [
                "REACH_S3_BUCKT is not a reach_pipeline setting and is ignored: "
                "did you mean REACH_S3_BUCKET?"
            ],
        ),
        (
            {"REACH_XYZZY": "1"},
            [
                "REACH_XYZZY is not a reach_pipeline setting and is ignored: "
                "see reach-pipeline process --help"
            ],
        ),
        (
            {"REACH_SLACK_CHANEL": "#ops", "REACH_OWNER": "ops@example.org"},
            [
                "REACH_OWNER is not a reach_pipeline setting and is ignored: "
                "did you mean REACH_OWNERS?",
                "REACH_SLACK_CHANEL is not a reach_pipeline setting and is ignored: "
                "did you mean REACH_SLACK_CHANNEL?",
            ],
        ),
    ],
)
def test_unknown_variables_are_named_with_the_closest_known_name(environ, expected):
    assert unknown_variables(environ) == expected


def test_every_variable_the_deployment_reads_is_known():
    """deploy/ reads REACH_PG_*, REACH_CELERY_*, REACH_WORKER_*: not misspellings."""
    read = set()
    for path in (REPO / "deploy").iterdir():
        read |= set(re.findall(r"\bREACH_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    assert read, "no REACH_ variable found in deploy/"
    assert read <= set(ENV_VARS) | set(OTHER_VARS)


def test_the_command_line_warns_and_goes_on(tmp_path, monkeypatch, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    for src in EXAMPLES.glob("REACH-ALL_20250901T000000_*.csv"):
        shutil.copy(src, inp / src.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REACH_OUTPUT_DRI", str(tmp_path / "elsewhere"))
    argv = ["process", "--start-date", "2025-09-01", "--end-date", "2025-09-01"]
    assert main([*argv, "--input-dir", "in", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == (
        "reach-pipeline: warning: REACH_OUTPUT_DRI is not a reach_pipeline setting and is "
        "ignored: did you mean REACH_OUTPUT_DIR?"
    )
    assert "2025-09-01  run_process" in out  # the dry run's plan: it went on


def test_the_code_location_warns_when_it_loads(monkeypatch):
    monkeypatch.setenv("REACH_S3_BUCKT", "reach-data")
    with pytest.warns(UnknownSettingWarning, match=r"REACH_S3_BUCKT .*REACH_S3_BUCKET\?"):
        importlib.reload(reach_pipeline.definitions)
