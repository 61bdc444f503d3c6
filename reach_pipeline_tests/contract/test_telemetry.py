"""Tests for reach_pipeline.contract.telemetry."""

from __future__ import annotations

import csv
import errno
import io
import logging
import multiprocessing
import re
import shutil
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from reach_pipeline.contract import telemetry as t
from reach_pipeline.contract.telemetry import SCHEMA, TelemetryLog, TelemetryRow

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE = DATA / "legacy_telemetry_example.csv"
HEADER = ",".join(SCHEMA)


def _records(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _example_copy(tmp_path: Path) -> Path:
    path = tmp_path / "download_telemetry.csv"
    shutil.copyfile(EXAMPLE, path)
    return path


def _row(day: str = "2025-09-07", status: str = t.PROCESS_PENDING, **fields: str) -> TelemetryRow:
    return TelemetryRow(run_id="r", chunk_date_utc=day, status=status, **fields)


# ---------------------------------------------------------------- schema and rows


def test_schema_and_statuses() -> None:
    assert len(SCHEMA) == 24 and len(set(SCHEMA)) == 24
    assert SCHEMA[0] == "run_id" and SCHEMA[-1] == "s3_key"
    assert _records(EXAMPLE)[0] == list(SCHEMA)
    assert t.STATUSES == {
        "DOWNLOAD_PENDING",
        "DOWNLOADED",
        "SKIPPED_NO_DATA",
        "FAILED",
        "PROCESS_PENDING",
        "PROCESSED",
        "UPLOAD_PENDING",
        "UPLOADED",
        "SKIPPED_NO_INPUT",
    }
    assert {r[4] for r in _records(EXAMPLE)[1:]} == t.STATUSES  # the example shows them all


def test_row_defaults_mapping_and_order() -> None:
    row = TelemetryRow.from_mapping(
        {"status": "FAILED", "s3_key": "k", "bogus": "x", "run_id": None}
    )
    assert row.status == "FAILED" and row.s3_key == "k" and row.run_id == ""
    assert row.as_list() == [""] * 4 + ["FAILED"] + [""] * 18 + ["k"]
    assert list(row.as_dict()) == list(SCHEMA)
    assert TelemetryRow().as_list() == [""] * 24
    assert row.replace(status="UPLOADED").status == "UPLOADED"


def test_utc_now_iso_format() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", t.utc_now_iso())


def test_carry_forward() -> None:
    assert t.carry_forward(None) == dict.fromkeys(t.CARRY_FORWARD_COLUMNS, "")
    downloaded = TelemetryLog(EXAMPLE).rows()[1]
    assert downloaded.status == t.DOWNLOADED
    assert t.carry_forward(downloaded) == {
        "records_downloaded": "99",
        "expected_records": "1105920",
        "availability_pct": "0.01",
        "download_seconds": "12.345",
        "csv_size_mb": "0.0450",
        "csv_path": "in/REACH-ALL_20250901T000000_20250902T000000.csv",
        "sensor_id": "ALL",
        "descriptor": "QUICKLOOK",
        "output_format": "csv",
    }


def test_example_process_rows_carry_the_download_columns_forward() -> None:
    rows = TelemetryLog(EXAMPLE).rows()
    for i, row in enumerate(rows):
        if row.status in {t.DOWNLOAD_PENDING, t.DOWNLOADED, t.SKIPPED_NO_DATA}:
            continue
        earlier = [r for r in rows[:i] if r.chunk_date_utc == row.chunk_date_utc]
        if earlier:
            assert t.carry_forward(row) == t.carry_forward(earlier[-1])


# ---------------------------------------------------------------- reading


def test_reference_example_latest_status_per_day() -> None:
    latest = TelemetryLog(EXAMPLE).latest_by_day()
    assert {d: r.status for d, r in latest.items()} == {
        date(2025, 9, 1): t.UPLOADED,
        date(2025, 9, 2): t.FAILED,
        date(2025, 9, 3): t.FAILED,
        date(2025, 9, 4): t.SKIPPED_NO_INPUT,
        date(2025, 9, 5): t.UPLOADED,
        date(2025, 9, 6): t.SKIPPED_NO_INPUT,
    }
    # 2025-09-03 failed at the upload stage: its FAILED row names the CDF.
    assert latest[date(2025, 9, 3)].cdf_path.endswith("20250903T000000_v1.0.0.cdf")
    assert latest[date(2025, 9, 2)].cdf_path == ""


def test_rows_in_file_order(tmp_path: Path) -> None:
    rows = TelemetryLog(EXAMPLE).rows()
    assert len(rows) == 26
    assert [r.as_list() for r in rows] == _records(EXAMPLE)[1:]


def test_missing_file(tmp_path: Path) -> None:
    log = TelemetryLog(tmp_path / "nope.csv")
    assert log.rows() == [] and log.latest_by_day() == {}


# A day's older row, then its newer row, with the started_at_utc each writer put in it:
# whatever the clocks say, the row written last is the day's state.
CLOCKS = [
    pytest.param("2026-01-01T00:00:00+00:00", "2026-01-01T01:00:00+00:00", id="in-order"),
    pytest.param(
        "2026-01-01T00:00:00.000000+00:00", "2026-01-01T00:00:00.000000+00:00", id="same-instant"
    ),
    pytest.param("2026-01-01T00:00:00+00:00", "2025-12-31T23:59:59+00:00", id="newer-clock-behind"),
    # The legacy tool at UTC+2 wrote a naive local time: two hours ahead of UTC.
    pytest.param("2026-01-01T14:00:00", "2026-01-01T12:30:00+00:00", id="older-naive-local-time"),
    pytest.param("", "2026-01-01T00:00:00+00:00", id="older-blank"),
    pytest.param("2026-01-01T00:00:00+00:00", "", id="newer-blank"),
    pytest.param("2026-01-01T00:00:00+00:00", "yesterday", id="newer-garbage"),
]


@pytest.mark.parametrize(("older", "newer"), CLOCKS)
def test_the_last_row_of_a_day_is_its_state(tmp_path: Path, older: str, newer: str) -> None:
    log = TelemetryLog(tmp_path / "t.csv")
    log.append(_row(status=t.FAILED, started_at_utc=older))
    log.append(_row(day="2025-09-08", status=t.DOWNLOADED, started_at_utc=older))
    log.append(_row(status=t.PROCESSED, started_at_utc=newer))
    assert {d: r.status for d, r in log.latest_by_day().items()} == {
        date(2025, 9, 7): t.PROCESSED,
        date(2025, 9, 8): t.DOWNLOADED,
    }


def test_a_retry_after_a_row_from_a_clock_ahead_reads_done(tmp_path: Path) -> None:
    """The issue's case: a legacy FAILED row stamped with a naive local time (UTC+2) and
    a successful retry right after; the retry is the state, so a plain run skips the day."""
    from datetime import UTC, datetime, timedelta

    from reach_pipeline.contract.daylog import CdfColumns, DayLog
    from reach_pipeline.contract.planning import SKIP_EXISTING, decide_action

    log = TelemetryLog(tmp_path / "t.csv")
    local_ahead = (datetime.now(UTC) + timedelta(hours=2)).replace(tzinfo=None).isoformat()
    log.append(_row(status=t.FAILED, error_type="RuntimeError", started_at_utc=local_ahead))
    retry = DayLog(log, "retry", sensor_id="ALL", descriptor="QUICKLOOK", output_format="csv")
    retry.process_pending(date(2025, 9, 7))
    cdf = tmp_path / "x.cdf"
    cdf.write_bytes(b"cdf")
    retry.processed(date(2025, 9, 7), CdfColumns(str(cdf), 3, 1.0))

    latest = log.latest_by_day()[date(2025, 9, 7)]
    assert (latest.run_id, latest.status) == ("retry", t.PROCESSED)
    action = decide_action(latest, upload_to_s3=False, input_available=True, retry_failed=False)
    assert action == SKIP_EXISTING


def test_unparseable_dates(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.csv"
    log = TelemetryLog(path)
    log.append(_row(day="not-a-date", status=t.UPLOADED, started_at_utc="2026-01-01T00:00:00"))
    log.append(_row(status=t.PROCESSED, started_at_utc="2026-01-01T00:00:00+00:00"))
    log.append(_row(day=" 2025-09-08", status=t.FAILED, started_at_utc="garbage"))
    log.append(_row(day="2025-09-08", status=t.DOWNLOADED, started_at_utc=""))
    log.append(_row(day="2025-09-09", status=t.DOWNLOADED, started_at_utc=""))
    log.append(_row(day="2025-09-09 ", status=t.FAILED, started_at_utc=""))
    with caplog.at_level(logging.WARNING, logger=t.__name__):
        latest = log.latest_by_day()
    assert {d: r.status for d, r in latest.items()} == {
        date(2025, 9, 7): t.PROCESSED,
        date(2025, 9, 8): t.DOWNLOADED,  # the same day however it is spaced: file order
        date(2025, 9, 9): t.FAILED,
    }
    assert "not-a-date" in caplog.text
    assert len(log.rows()) == 6


def test_unknown_extra_columns_are_ignored_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    header = ["newer_column", *SCHEMA[::-1], "another"]
    old = dict(zip(SCHEMA, _row(status=t.DOWNLOADED).as_list(), strict=True))
    old.update(newer_column="x", another="y")
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerow([old[name] for name in header])
    log = TelemetryLog(path)
    assert log.rows() == [_row(status=t.DOWNLOADED)]
    log.append(_row(status=t.UPLOADED, s3_key="k"))
    records = _records(path)
    assert records[0] == header  # never rewritten
    new = dict(zip(header, records[2], strict=True))
    assert new["newer_column"] == new["another"] == "" and new["status"] == t.UPLOADED
    assert new["s3_key"] == "k"
    assert [r.status for r in log.rows()] == [t.DOWNLOADED, t.UPLOADED]


def test_missing_columns_read_as_blank(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("status,chunk_date_utc\nDOWNLOADED,2025-09-01\n")
    assert TelemetryLog(path).rows() == [
        TelemetryRow(status="DOWNLOADED", chunk_date_utc="2025-09-01")
    ]


# ---------------------------------------------------------------- appending


def test_append_creates_file_with_header(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t.csv"
    log = TelemetryLog(path)
    row = _row(error_message='has, comma and "quotes"\nand a newline')
    log.append(row)
    log.append(row.replace(status=t.FAILED))
    text = path.read_bytes().decode()
    assert text.startswith(HEADER + "\r\n")
    assert text.endswith("\r\n")
    assert log.rows() == [row, row.replace(status=t.FAILED)]
    assert log.lock_path == path.with_name("t.csv.lock") and log.lock_path.exists()


@pytest.mark.parametrize("content", [b"", HEADER[:20].encode(), HEADER.encode()])
def test_append_to_empty_or_header_only_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    TelemetryLog(path).append(_row())
    assert path.read_bytes().decode() == HEADER + "\r\n" + ",".join(_row().as_list()) + "\r\n"


def test_append_keeps_the_file_line_terminator(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "\n", newline="")
    TelemetryLog(path).append(_row())
    assert path.read_bytes().decode() == HEADER + "\n" + ",".join(_row().as_list()) + "\n"
    example = _example_copy(tmp_path)
    before = example.read_bytes()
    TelemetryLog(example).append(_row())
    after = example.read_bytes()
    assert after.startswith(before) and after[len(before) :].endswith(b"\r\n")
    assert b"\r\n" not in after[len(before) :].rstrip(b"\r\n")


def test_append_accepts_a_mapping(tmp_path: Path) -> None:
    log = TelemetryLog(tmp_path / "t.csv")
    log.append({"chunk_date_utc": "2025-09-01", "status": t.SKIPPED_NO_INPUT})
    assert log.rows() == [TelemetryRow(chunk_date_utc="2025-09-01", status=t.SKIPPED_NO_INPUT)]


@pytest.mark.parametrize(
    "row",
    [
        {"status": t.UPLOADED, "not_a_column": "x"},
        {"status": "DONE"},
        {"status": ""},
        _row(status="uploaded"),
        TelemetryRow(),
    ],
)
def test_append_rejects_unknown_columns_and_statuses(tmp_path: Path, row: object) -> None:
    path = tmp_path / "t.csv"
    with pytest.raises(ValueError):
        TelemetryLog(path).append(row)  # type: ignore[arg-type]
    assert not path.exists()


def test_append_rejects_non_string_values(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        TelemetryLog(tmp_path / "t.csv").append({"status": t.UPLOADED, "cdf_size_mb": 1.5})  # type: ignore[dict-item]


def test_append_refuses_an_unrelated_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="header lacks"):
        TelemetryLog(path).append(_row())
    assert path.read_text() == "a,b,c\n1,2,3\n"


def _append_many(path: str, worker: int, count: int, barrier: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    log = TelemetryLog(path)
    for i in range(count):
        log.append(
            TelemetryRow(
                run_id=f"w{worker}-{i}",
                chunk_date_utc="2025-09-01",
                status=t.FAILED,
                error_type="RuntimeError",
                error_message=f'worker {worker}, "row" {i}\n' + "x" * (i % 300),
                started_at_utc=t.utc_now_iso(),
                s3_key=f"k{i}",
            )
        )


@pytest.mark.integration  # real writer processes
@pytest.mark.parametrize("start", ["new_file", "short_header"])
def test_concurrent_appends_from_real_processes(tmp_path: Path, start: str) -> None:
    """8 processes x 500 rows at once: 4,000 intact rows (and, when the file starts with the
    download-only header, one migration that loses none of the old rows)."""
    path = tmp_path / "t.csv"
    old_rows = _write_short_file(path, 18) if start == "short_header" else []
    workers, count = 8, 500
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=_append_many, args=(str(path), w, count, barrier))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * workers
    records = _records(path)
    assert records[0] == list(SCHEMA)
    assert records[1 : 1 + len(old_rows)] == [r + [""] * 6 for r in old_rows]
    new = records[1 + len(old_rows) :]
    assert len(new) == workers * count
    assert all(len(r) == 24 for r in records)
    assert sorted(r[0] for r in new) == sorted(
        f"w{w}-{i}" for w in range(workers) for i in range(count)
    )
    for r in new:
        w, i = r[0][1:].split("-")
        assert r[15] == f'worker {w}, "row" {i}\n' + "x" * (int(i) % 300)
        assert r[23] == f"k{i}"
    assert len(TelemetryLog(path).rows()) == len(old_rows) + workers * count


# ---------------------------------------------------------------- torn lines


@pytest.mark.parametrize(
    "fragment",
    [
        "0ea78114,2025-09-07,,,PROCESS_PEN",
        '0ea78114,2025-09-07,,,FAILED,,,,,,,,,,RuntimeError,"An error, torn',
        "\r",
    ],
)
def test_torn_last_line(tmp_path: Path, fragment: str, caplog: pytest.LogCaptureFixture) -> None:
    path = _example_copy(tmp_path)
    expected = TelemetryLog(EXAMPLE).rows()
    with path.open("a", newline="") as f:
        f.write(fragment)
    log = TelemetryLog(path)
    with caplog.at_level(logging.WARNING, logger=t.__name__):
        assert log.rows() == expected
    assert "torn" in caplog.text
    assert log.latest_by_day() == TelemetryLog(EXAMPLE).latest_by_day()

    new = _row(day="2025-09-06", status=t.PROCESS_PENDING, started_at_utc=t.utc_now_iso())
    log.append(new)
    assert path.read_bytes().endswith((",".join(new.as_list()) + "\r\n").encode())
    assert log.rows() == [*expected, new]
    assert log.latest_by_day()[date(2025, 9, 6)] == new
    log.append(new)
    assert log.rows() == [*expected, new, new]


# ---------------------------------------------------------------- migration


def _write_short_file(path: Path, width: int, terminator: str = "\r\n") -> list[list[str]]:
    old_rows = [r[:width] for r in _records(EXAMPLE)[1:11]]  # the download tool's rows
    old_rows[3][-1] = 'value, with "quotes"'
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator=terminator)
        w.writerow(SCHEMA[:width])
        w.writerows(old_rows)
    return old_rows


@pytest.mark.parametrize("width", [14, 16, len(t.DOWNLOAD_SCHEMA), 23])
def test_migrates_a_shorter_header(tmp_path: Path, width: int) -> None:
    path = tmp_path / "download_telemetry.csv"
    old_rows = _write_short_file(path, width)
    path.chmod(0o640)
    log = TelemetryLog(path)
    assert [r.as_list()[:width] for r in log.rows()] == old_rows  # readable before migration

    new = _row(status=t.PROCESSED, cdf_path="out/x.cdf")
    log.append(new)

    records = _records(path)
    assert records[0] == list(SCHEMA)
    assert records[1:-1] == [r + [""] * (24 - width) for r in old_rows]  # every row survives
    assert records[-1] == new.as_list()
    assert path.read_bytes().count(b"\r\n") == len(old_rows) + 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".lock"]
    log.append(new)  # no second migration
    assert _records(path)[1:-2] == records[1:-1]


def test_migration_drops_only_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    old_rows = _write_short_file(path, 18, terminator="\n")
    with path.open("a") as f:
        f.write("torn,2025-")
    TelemetryLog(path).append(_row())
    records = _records(path)
    assert records[1:-1] == [r + [""] * 6 for r in old_rows]
    assert records[-1] == _row().as_list()
    assert path.read_bytes().decode().startswith(HEADER + "\n")


def test_reader_handles_nul_padding_after_crash(tmp_path: Path) -> None:
    path = _example_copy(tmp_path)
    with path.open("ab") as f:
        f.write(b"\x00" * 64)
    assert TelemetryLog(path).rows() == TelemetryLog(EXAMPLE).rows()


def test_parser_matches_csv_module() -> None:
    text = 'a,b,c\r\n1,"x\r\ny",3\r\n\r\n4,"he said ""hi""",6\n7,8,9\r\n,,\n"multi\n\nline",,\n'
    assert list(t._parse_csv(text)) == list(csv.reader(io.StringIO(text, newline="")))


# ---------------------------------------------------------------- failed appends

_LIMITED_APPEND = """
import resource, sys
from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
path, limit = sys.argv[1], int(sys.argv[2])
# Writes past the limit fail with EFBIG (Python ignores SIGXFSZ): a real short write.
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
row = TelemetryRow(run_id="limited", chunk_date_utc="2025-09-07", status="FAILED",
                   error_message="x" * 300)
try:
    TelemetryLog(path).append(row)
except OSError as exc:
    print(exc.errno)
    sys.exit(3)
"""


def _append_with_file_size_limit(path: Path, limit: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _LIMITED_APPEND, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("start", "room"),
    [
        ("example", 0),  # not one byte fits
        ("example", 40),  # the 40-byte fragment
        ("example", 250),  # all but the end of the row
        ("torn-line", 30),  # the line repair and part of the row
        ("half-header", 10),  # completing the header
    ],
)
def test_a_failed_append_leaves_the_file_as_it_was(tmp_path: Path, start: str, room: int) -> None:
    if start == "half-header":
        path = tmp_path / "t.csv"
        path.write_text(HEADER[:100])
    else:
        path = _example_copy(tmp_path)
        if start == "torn-line":
            with path.open("a", newline="") as f:
                f.write('0ea78114,2025-09-07,,,FAILED,,,,,,,,,,RuntimeError,"An error, torn')
    before = path.read_bytes()

    proc = _append_with_file_size_limit(path, len(before) + room)

    assert (proc.returncode, proc.stdout.strip()) == (3, str(errno.EFBIG)), proc.stderr
    assert path.read_bytes() == before
    # The file still takes rows, and reads as before plus the new one.
    log = TelemetryLog(path)
    rows = log.rows()
    log.append(_row(day="2025-09-06", status=t.SKIPPED_NO_INPUT))
    assert log.rows() == [*rows, _row(day="2025-09-06", status=t.SKIPPED_NO_INPUT)]
