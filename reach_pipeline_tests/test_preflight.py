"""``preflight.check_paths``: the path settings an operator can get wrong, on real files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reach_pipeline.preflight import check_paths, telemetry_header_problem
from reach_pipeline.settings import SettingsError, resolve_settings
from reach_pipeline_tests.cli.support import unwritable


def settings_for(tmp_path: Path, **paths: str):
    explicit = {"input_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out")}
    explicit.update({k: str(tmp_path / v) for k, v in paths.items()})
    return resolve_settings(explicit, environ={})


@pytest.fixture(autouse=True)
def input_folder(tmp_path):
    (tmp_path / "in").mkdir()


def test_a_fresh_setup_passes_and_nothing_is_created(tmp_path):
    settings = settings_for(tmp_path, output_dir="new/products", telemetry_path="state/t.csv")
    check_paths(settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def _no_input(tmp_path):
    os.rmdir(tmp_path / "in")


def _input_is_file(tmp_path):
    os.rmdir(tmp_path / "in")
    (tmp_path / "in").write_text("x")


def _output_is_file(tmp_path):
    (tmp_path / "out").write_text("x")


def _output_below_file(tmp_path):
    (tmp_path / "out").write_text("x")
    return {"output_dir": "out/l1c"}


def _telemetry_folder(tmp_path):
    (tmp_path / "in" / "download_telemetry.csv").mkdir()


def _telemetry_fifo(tmp_path):
    os.mkfifo(tmp_path / "in" / "download_telemetry.csv")


def _telemetry_below_file(tmp_path):
    (tmp_path / "state").write_text("x")
    return {"telemetry_path": "state/telemetry.csv"}


def _telemetry_garbage(tmp_path):
    (tmp_path / "in" / "download_telemetry.csv").write_bytes(b"\x00\x01\x02" * 10)


@pytest.mark.parametrize(
    ("make", "needles"),
    [
        (_no_input, ["--input-dir / REACH_INPUT_DIR:", "does not exist", "mount it"]),
        (_input_is_file, ["REACH_INPUT_DIR", "is not a folder"]),
        (_output_is_file, ["--output-dir / REACH_OUTPUT_DIR:", "is a file"]),
        (_output_below_file, ["REACH_OUTPUT_DIR", "cannot be made:", "out is a file"]),
        (_telemetry_folder, ["--telemetry-file / REACH_TELEMETRY_PATH:", "is a folder"]),
        (_telemetry_fifo, ["REACH_TELEMETRY_PATH", "is not a regular file"]),
        (_telemetry_below_file, ["REACH_TELEMETRY_PATH", "state is a file"]),
        (_telemetry_garbage, ["REACH_TELEMETRY_PATH", "is not a telemetry CSV", "NUL bytes"]),
    ],
)
def test_a_wrong_path_is_one_line_naming_the_setting(tmp_path, make, needles):
    paths = make(tmp_path) or {}
    settings = settings_for(tmp_path, **paths)
    for writing in (True, False):
        with pytest.raises(SettingsError) as caught:
            check_paths(settings, writing=writing)
        message = str(caught.value)
        assert "\n" not in message
        for needle in needles:
            assert needle in message


def test_unwritable_folders_fail_only_when_writing(tmp_path):
    settings = settings_for(tmp_path)
    (tmp_path / "out").mkdir()
    with unwritable(tmp_path / "out"):
        with pytest.raises(SettingsError, match="REACH_OUTPUT_DIR: .* is not writable"):
            check_paths(settings)
        check_paths(settings, writing=False)


def test_a_relative_path_is_shown_with_its_absolute_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = resolve_settings({"input_dir": "mnt/reach"}, environ={})
    with pytest.raises(SettingsError) as caught:
        check_paths(settings)
    assert f"mnt/reach ({tmp_path / 'mnt' / 'reach'}) does not exist" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", None),
        (b"run_id,chunk_date_utc,window_start_utc,window_end_utc,status\r\n", None),
        (b"\xef\xbb\xbfrun_id,chunk_date_utc,window_start_utc\n", None),  # BOM, older header
        (b"run_id,chunk_da", None),  # a header being written
        (b"run_id,chunk_date_utc,status,extra\nx,2025-09-01,PROCESSED,y\n", None),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "it holds NUL bytes: binary data"),
        # NUL bytes after the last complete row: a torn append, recovered by the telemetry
        (b"run_id,chunk_date_utc,status\r\nx,2025-09-01,PROCESSED\r\n" + b"\x00" * 4096, None),
        (b"caf\xe9,x\n", "its first line is not UTF-8 text"),
        (b"id,obTime,seoList\n1,2,3\n", "its header lacks run_id, chunk_date_utc, status"),
        (b"run_id,status\n", "its header lacks chunk_date_utc"),
        (b"hello", "its header lacks run_id, chunk_date_utc, status"),
    ],
)
def test_telemetry_header_problem(tmp_path, content, problem):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert telemetry_header_problem(path) == problem
