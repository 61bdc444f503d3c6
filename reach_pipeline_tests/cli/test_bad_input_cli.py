"""Bad input and operator mistakes through the real console script (issue 11).

A day's bad input is a FAILED day with one line saying which file and what is wrong
(exit 1); an operator's mistake is one line naming the setting and the fix, exit 2, with
no telemetry row written and no day touched. Nothing is silently wrong.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import cdflib
import pytest

from reach_pipeline.processing import process_day
from reach_pipeline_tests.cli.support import unwritable
from reach_pipeline_tests.support.cli_workspace import (
    PROGRESS,
    assert_one_line_error,
    cdf_rel,
    counts,
    failure_details,
    only_counts,
    parse_summary,
    process_args,
    progress_lines,
    statuses,
)
from reach_pipeline_tests.support.data import EXAMPLES

pytestmark = pytest.mark.integration

D1, D2 = "2025-09-01", "2025-09-02"
FULL_D2 = "REACH-ALL_20250902T000000_20250903T000000.csv"
NOON_D2 = "REACH-ALL_20250902T000000_20250902T120000.csv"


def only_progress_lines(err: str) -> None:
    """stderr holds the days' progress lines and nothing else (no log, no stack trace)."""
    lines = err.strip().splitlines()
    assert lines and all(PROGRESS.fullmatch(line) for line in lines), err


def epoch_count(cdf: Path) -> int:
    return len(cdflib.CDF(str(cdf)).varget("Epoch"))


def partial_copy(source: Path, target: Path, keep: int) -> Path:
    """The first ``keep`` data rows of ``source`` (a download stopped early)."""
    lines = source.read_text().splitlines(keepends=True)
    target.write_text("".join(lines[: keep + 1]))
    return target


def failed_day(workspace, day: str, code: int, out: str, err: str) -> tuple[str, str]:
    """Asserts the run failed the day alone, cleanly; returns its row's error type and the
    progress line's detail."""
    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=1, failed=1)
    rows = workspace.rows(day)
    assert rows and rows[-1].status == "FAILED"
    assert not workspace.cdf(day).exists()
    only_progress_lines(err)
    assert progress_lines(err) == [(day, "FAILED")]
    return rows[-1].error_type, failure_details(err)[day]


# ------------------------------------------------------------ which file is the day's


def test_a_full_day_download_wins_over_an_earlier_partial_one(workspace, run_cli, tmp_path):
    """The partial file sorts first; it used to be processed, a quarter of the day."""
    full = workspace.input_dir / FULL_D2
    partial_copy(full, workspace.input_dir / NOON_D2, keep=100)
    (tmp_path / "full").mkdir()
    expected = epoch_count(Path(process_day(full, tmp_path / "full").cdf_path))
    partial = epoch_count(Path(process_day(workspace.input_dir / NOON_D2, tmp_path).cdf_path))

    code, out, err = run_cli(*process_args(D2))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1)
    assert statuses(workspace.rows(D2)) == ["PROCESS_PENDING", "PROCESSED"]
    assert epoch_count(workspace.cdf(D2)) == expected
    assert expected > partial


def test_the_widest_partial_window_wins(workspace, run_cli):
    full = workspace.input_dir / FULL_D2
    partial_copy(full, workspace.input_dir / NOON_D2, keep=400)
    partial_copy(full, workspace.input_dir / NOON_D2.replace("T120000", "T060000"), keep=50)
    full.unlink()

    code, out, err = run_cli(*process_args(D2, D2, "--dry-run"))

    assert code == 0, err
    assert NOON_D2 in out.splitlines()[1]


@pytest.mark.parametrize(
    "other",
    ["REACH-ALL_20250902T000000_20250903T000000_retry.csv", "REACH-ALL_20250902T000000_x.csv"],
)
def test_files_that_cannot_be_told_apart_fail_the_day_naming_both(workspace, run_cli, other):
    shutil.copyfile(workspace.input_dir / FULL_D2, workspace.input_dir / other)

    code, out, err = run_cli(*process_args(D2))

    error_type, detail = failed_day(workspace, D2, code, out, err)
    assert error_type == "AmbiguousInput"
    assert FULL_D2 in detail and other in detail and "cannot be told apart" in detail
    assert FULL_D2 in workspace.rows(D2)[-1].error_message


def _folder(path: Path, workspace) -> None:
    path.mkdir()


def _link_outside(path: Path, workspace) -> None:
    outside = workspace.root / "elsewhere.csv"
    shutil.copyfile(EXAMPLES / FULL_D2, outside)
    path.symlink_to(outside)


def _broken_link(path: Path, workspace) -> None:
    path.symlink_to(workspace.input_dir / "gone.csv")


def _fifo(path: Path, workspace) -> None:
    os.mkfifo(path)


@pytest.mark.parametrize(
    ("make", "error_type", "needle"),
    [
        (_folder, "InputNotAFile", "is named like the input of 2025-09-02 but is a folder"),
        (_link_outside, "InputNotAFile", "a symbolic link leading outside the input folder"),
        (_broken_link, "InputNotAFile", "a broken symbolic link"),
        (_fifo, "InputNotAFile", "a FIFO (named pipe)"),
    ],
    ids=["folder", "symlink-outside", "broken-symlink", "fifo"],
)
def test_a_path_named_like_the_input_that_is_not_a_file_fails_the_day(
    workspace, run_cli, make, error_type, needle
):
    """It used to be SKIPPED_NO_INPUT, exit 0 (a FIFO would have blocked the processor)."""
    (workspace.input_dir / FULL_D2).unlink()
    make(workspace.input_dir / FULL_D2, workspace)

    code, out, err = run_cli(*process_args(D2))

    got_type, detail = failed_day(workspace, D2, code, out, err)
    assert got_type == error_type
    assert needle in detail and FULL_D2 in detail
    assert statuses(workspace.rows(D2)) == ["FAILED"]  # nothing was run


def test_an_empty_window_name_fails_the_day(workspace, run_cli):
    empty = "REACH-ALL_20250902T000000_20250902T000000.csv"
    (workspace.input_dir / FULL_D2).rename(workspace.input_dir / empty)

    code, out, err = run_cli(*process_args(D2))

    error_type, detail = failed_day(workspace, D2, code, out, err)
    assert error_type == "EmptyInputWindow"
    assert empty in detail and "an empty download" in detail


def test_a_json_file_beside_the_csv_is_not_the_csv_days_input(workspace, run_cli):
    """With output_format csv, a JSON file of the same day (here not even valid JSON) is
    not looked at, and does not make the day ambiguous."""
    (workspace.input_dir / FULL_D2.replace(".csv", ".json")).write_text("[{not json")

    code, out, err = run_cli(*process_args(D2))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1)
    assert statuses(workspace.rows(D2)) == ["PROCESS_PENDING", "PROCESSED"]


def test_a_json_only_day_fails_as_bad_json_with_output_format_json(workspace, run_cli):
    (workspace.input_dir / FULL_D2.replace(".csv", ".json")).write_text("[{not json")

    code, out, err = run_cli(*process_args(D2, D2, "--output-format", "json"))

    _, detail = failed_day(workspace, D2, code, out, err)
    assert FULL_D2.replace(".csv", ".json") in detail and "not valid JSON" in detail


def test_dry_run_plans_an_ambiguous_day_and_writes_nothing(workspace, run_cli):
    shutil.copyfile(
        workspace.input_dir / FULL_D2, workspace.input_dir / "REACH-ALL_20250902T000000_b.csv"
    )

    code, out, err = run_cli(*process_args(D2, D2, "--dry-run"))

    assert code == 0, err
    assert out.splitlines()[1].split() == [D2, "run_process", "-", "problem:AmbiguousInput"]
    assert not workspace.telemetry.exists()
    assert not workspace.out.exists()


def test_records_spilling_over_midnight_leave_no_product(workspace, run_cli):
    """Validated in staging: the FAILED day has no CDF, and status says so."""
    source = workspace.input_dir / FULL_D2
    reader = csv.DictReader(io.StringIO(source.read_text()))
    rows = list(reader)
    for row in rows[-20:]:
        row["obTime"] = "2025-09-03T00:00:05.000Z"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    source.write_text(buf.getvalue())

    code, out, err = run_cli(*process_args(D2))

    _, detail = failed_day(workspace, D2, code, out, err)
    assert "2025-09-03" in detail
    assert not (workspace.out / "l1c/prelim/2025/09/02").exists()
    assert workspace.files_under(workspace.out) == set()
    code, out, err = run_cli(
        "status", "--start-date", D2, "--end-date", D2, "--input-dir", "in", "--output-dir", "out"
    )
    assert code == 0, err
    assert out.splitlines()[1].split() == [D2, "FAILED", "no", "-", "no", "-"]


# ------------------------------------------------------------------ operator mistakes


def assert_operator_mistake(workspace, code, out, err, *needles, telemetry=None) -> None:
    """Exit 2, one line naming the setting, no telemetry row, no day touched."""
    assert_one_line_error(code, out, err, *needles)
    assert "Traceback" not in err
    assert workspace.telemetry_bytes() == telemetry
    assert not workspace.out.exists() or workspace.files_under(workspace.out) == set()


def assert_telemetry_mistake(workspace, result, *needles, telemetry) -> None:
    """``run_cli``'s ``result`` is an operator mistake naming REACH_TELEMETRY_PATH and
    ``needles``; the telemetry file still holds ``telemetry``."""
    code, out, err = result
    assert_operator_mistake(
        workspace, code, out, err, "REACH_TELEMETRY_PATH", *needles, telemetry=telemetry
    )


def test_a_missing_input_folder_is_an_operator_mistake(workspace, run_cli):
    """It used to be created, with a telemetry file, and every day SKIPPED_NO_INPUT."""
    code, out, err = run_cli(*process_args(D1, D1, "--input-dir", "mnt/reach"))

    assert_operator_mistake(
        workspace, code, out, err, "--input-dir / REACH_INPUT_DIR", "mnt/reach", "does not exist"
    )
    assert not (workspace.root / "mnt").exists()


def test_a_missing_input_folder_from_the_environment(workspace, run_cli):
    env = {"REACH_INPUT_DIR": str(workspace.root / "gone"), "REACH_OUTPUT_DIR": "out"}
    args = ["process", "--start-date", D1, "--end-date", D1]

    code, out, err = run_cli(*args, env=env)
    assert_operator_mistake(workspace, code, out, err, "REACH_INPUT_DIR", "does not exist")
    code, out, err = run_cli(*args, "--dry-run", env=env)
    assert_operator_mistake(workspace, code, out, err, "REACH_INPUT_DIR", "does not exist")
    for command in ("status", "import-telemetry"):
        code, out, err = run_cli(command, "--start-date", D1, "--end-date", D1, env=env)
        assert_operator_mistake(workspace, code, out, err, "REACH_INPUT_DIR", "does not exist")
    assert not (workspace.root / "gone").exists()


def test_an_input_folder_that_is_a_file(workspace, run_cli):
    code, out, err = run_cli(*process_args(D1, D1, "--input-dir", f"in/{FULL_D2}"))

    assert_operator_mistake(workspace, code, out, err, "--input-dir", "is not a folder")


def test_an_output_folder_that_is_a_file(workspace, run_cli):
    (workspace.root / "out").write_text("not a folder")

    code, out, err = run_cli(*process_args(D1))

    assert_one_line_error(code, out, err, "--output-dir / REACH_OUTPUT_DIR", "out", "is a file")
    assert workspace.telemetry_bytes() is None
    assert (workspace.root / "out").read_text() == "not a folder"


def test_an_output_folder_below_a_file(workspace, run_cli):
    (workspace.root / "products").write_text("a file")

    code, out, err = run_cli(*process_args(D1, D1, "--output-dir", "products/reach"))

    assert_operator_mistake(workspace, code, out, err, "--output-dir", "products is a file")


def test_an_output_folder_that_is_not_writable(workspace, run_cli):
    workspace.out.mkdir()
    with unwritable(workspace.out):
        code, out, err = run_cli(*process_args(D1))

    assert_operator_mistake(workspace, code, out, err, "--output-dir", "is not writable")


def test_a_telemetry_path_that_is_a_folder(workspace, run_cli):
    folder = workspace.root / "telemetry"
    folder.mkdir()

    code, out, err = run_cli(*process_args(D1, D1, "--telemetry-file", "telemetry"))

    assert_operator_mistake(
        workspace, code, out, err, "--telemetry-file / REACH_TELEMETRY_PATH", "is a folder"
    )
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (bytes(range(256)) * 64, "binary data"),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 100 + b"\n", "not UTF-8 text"),
        ((EXAMPLES / FULL_D2).read_bytes(), "its header lacks run_id, chunk_date_utc, status"),
    ],
    ids=["binary-garbage", "not-utf8", "another-csv"],
)
def test_a_telemetry_file_that_is_not_a_telemetry_csv(workspace, run_cli, content, needle):
    workspace.telemetry.write_bytes(content)

    named = str(workspace.telemetry.relative_to(workspace.root))
    for args in (process_args(D1), ["status", "--start-date", D1, "--end-date", D1]):
        result = run_cli(*args, "--input-dir", "in")
        assert_telemetry_mistake(workspace, result, named, needle, telemetry=content)


def test_a_telemetry_file_that_cannot_be_appended_to(workspace, run_cli):
    workspace.write_legacy(D1, through="DOWNLOADED")
    before = workspace.telemetry_bytes()
    with unwritable(workspace.telemetry):
        result = run_cli(*process_args(D1))
        assert_telemetry_mistake(
            workspace, result, "cannot be read and appended to", telemetry=before
        )
        # Reading it is enough for status.
        code, out, err = run_cli(
            "status", "--start-date", D1, "--end-date", D1, "--input-dir", "in"
        )
        assert code == 0, err
        assert out.splitlines()[1].split()[:2] == [D1, "DOWNLOADED"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: no real unreadable file")
def test_a_telemetry_file_that_cannot_be_read(workspace, run_cli):
    workspace.write_legacy(D1, through="DOWNLOADED")
    before = workspace.telemetry_bytes()
    workspace.telemetry.chmod(0)
    try:
        code, out, err = run_cli(
            "status", "--start-date", D1, "--end-date", D1, "--input-dir", "in"
        )
    finally:
        workspace.telemetry.chmod(0o644)
    assert_operator_mistake(workspace, code, out, err, "cannot be read", telemetry=before)


@pytest.mark.parametrize(
    ("variable", "value", "needles"),
    [
        ("REACH_PROCESS_TIMEOUT_S", "1h", ["REACH_PROCESS_TIMEOUT_S must be", "'1h'"]),
        ("REACH_PARTITIONS_START", "2025/01/01", ["REACH_PARTITIONS_START", "YYYY-MM-DD"]),
        ("REACH_BACKFILL_DAYS_PER_RUN", "0", ["REACH_BACKFILL_DAYS_PER_RUN must be", "'0'"]),
        ("REACH_OUTPUT_FORMAT", "xml", ["REACH_OUTPUT_FORMAT must be one of csv, json"]),
        ("REACH_SENSOR_ID", "../ALL", ["REACH_SENSOR_ID"]),
        ("REACH_S3_ENDPOINT_URL", "localhost:8333", ["REACH_S3_ENDPOINT_URL", "URL"]),
    ],
    ids=["timeout", "partitions-start", "days-per-run", "output-format", "sensor-id", "endpoint"],
)
@pytest.mark.parametrize("command", ["process", "dry-run", "status", "import-telemetry"])
def test_a_malformed_variable_is_one_line_exit_2(
    workspace, run_cli, variable, value, needles, command, tmp_path
):
    """REACH_PARTITIONS_START and REACH_BACKFILL_DAYS_PER_RUN are read when the Dagster
    definitions are imported: the same one line, from every command."""
    args = {
        "process": process_args(D1),
        "dry-run": process_args(D1, D1, "--dry-run"),
        "status": ["status", "--start-date", D1, "--end-date", D1, "--input-dir", "in"],
        "import-telemetry": ["import-telemetry", "--input-dir", "in"],
    }[command]
    home = tmp_path / "dagster_home"
    home.mkdir()
    workspace.write_legacy(D1, through="UPLOADED")  # status looks in S3 for it
    before = workspace.telemetry_bytes()

    code, out, err = run_cli(*args, env={variable: value, "DAGSTER_HOME": str(home)})

    assert_operator_mistake(workspace, code, out, err, *needles, telemetry=before)


# ----------------------------------------------------------------------- quiet output


def test_a_rerun_says_how_many_failed_days_it_skipped(workspace, run_cli):
    workspace.write_legacy(D2)  # legacy: FAILED while processing
    (workspace.input_dir / "REACH-ALL_20250903T000000_20250904T000000.csv").unlink()
    (workspace.input_dir / "REACH-ALL_20250903T000000_20250904T000000.csv").mkdir()

    code, out, err = run_cli(*process_args(D1, "2025-09-03"))

    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=1, failed=2)
    notes = [line for line in err.splitlines() if not PROGRESS.fullmatch(line)]
    assert notes == [
        "skipped 1 day(s) whose last try FAILED (2025-09-02); --retry-failed re-runs them"
    ]

    code, out, err = run_cli(*process_args(D1, "2025-09-03"))

    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=3, skipped_existing=1, failed=2)
    assert err.strip().splitlines() == [
        "skipped 2 day(s) whose last try FAILED (2025-09-02, 2025-09-03); "
        "--retry-failed re-runs them"
    ]


def test_verbose_shows_dagster_s_stack_traces(workspace, run_cli):
    (workspace.input_dir / FULL_D2).unlink()
    (workspace.input_dir / FULL_D2).mkdir()

    code, out, err = run_cli(*process_args(D2, D2, "-v"))

    assert code == 1, err
    assert "Stack Trace" in err or "Traceback" in err
    assert "is named like the input of 2025-09-02 but is a folder" in failure_details(err)[D2]


def test_the_first_run_of_a_fresh_workspace_is_unaffected(workspace, run_cli):
    """The checks refuse nothing a fresh clone has: out/ does not exist yet, nor does the
    telemetry file."""
    assert not workspace.out.exists() and not workspace.telemetry.exists()

    code, out, err = run_cli(*process_args(D1))

    assert code == 0, err
    assert err.strip().splitlines() == [
        line for line in err.strip().splitlines() if PROGRESS.fullmatch(line)
    ]
    assert workspace.rows(D1)[-1].cdf_path == cdf_rel(D1)
