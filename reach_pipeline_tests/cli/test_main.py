"""The command line's exit codes, in-process through ``main`` (the fast tier): an
operator's mistake is one line on stderr and exit 2, and nothing is written."""

from __future__ import annotations

import pytest

from reach_pipeline.cli import main
from reach_pipeline.settings import ENV_VARS

DAY = ["--start-date", "2025-09-01", "--end-date", "2025-09-01"]


@pytest.fixture(autouse=True)
def empty_folder(tmp_path, monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "command"),
        (["frobnicate"], "frobnicate"),
        (["process", "--end-date", "2025-09-01"], "--start-date"),
        (["process", "--start-date", "2025-09-02", "--end-date", "2025-09-01"], "before"),
        (["process", *DAY, "--limit-days", "0"], "--limit-days"),
        (["process", *DAY, "--output-format", "xml"], "--output-format"),
        (["process", *DAY, "--sensor-id", "../x"], "--sensor-id"),
        (["process", *DAY, "--upload-to-s3"], "--s3-bucket"),
        (["status", "--start-date", "2025-09-31", "--end-date", "2025-10-01"], "2025-09-31"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, needle, capsys, empty_folder):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err, err
    assert err.startswith("reach-pipeline: error: ")
    assert list(empty_folder.iterdir()) == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REACH_PROCESS_TIMEOUT_S", "1h"),
        ("REACH_OUTPUT_FORMAT", "parquet"),
        ("REACH_AVAILABILITY_WARN_PCT", "lots"),
        ("REACH_QUICKLOOKS", "some"),
    ],
)
def test_a_malformed_variable_exits_2_naming_it(variable, value, monkeypatch, capsys, empty_folder):
    monkeypatch.setenv(variable, value)
    assert main(["process", *DAY, "--dry-run"]) == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and variable in err and repr(value) in err
    assert list(empty_folder.iterdir()) == []
