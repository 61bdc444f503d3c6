"""A process's view of the telemetry file: after its first read, it reads only what was
appended since, and still knows exactly what a whole read of the file knows."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from reach_pipeline.contract import telemetry as t
from reach_pipeline.contract.telemetry import SCHEMA, TelemetryLog, TelemetryRow
from reach_pipeline.contract.telemetry_view import TelemetryView
from reach_pipeline_tests.support.data import LEGACY_TELEMETRY


def _row(day: str, status: str, run_id: str = "r", **fields: str) -> TelemetryRow:
    return TelemetryRow(run_id=run_id, chunk_date_utc=day, status=status, **fields)


def _raw(text: str) -> Callable[[Path], None]:
    """A step that writes ``text`` at the end of the file as it is (another writer's
    bytes: a torn row, a legacy row with a newline inside a quoted field)."""

    def write(path: Path) -> None:
        with path.open("a", newline="") as handle:
            handle.write(text)

    return write


def _append(*rows: TelemetryRow) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        for row in rows:
            TelemetryLog(path).append(row)

    return write


def _short_header_file(path: Path) -> None:
    """A file with the download tool's older, shorter header (migrated on the next append)."""
    width = len(t.DOWNLOAD_SCHEMA)
    with LEGACY_TELEMETRY.open(newline="") as src, path.open("w", newline="") as dst:
        records = list(csv.reader(src))
        csv.writer(dst, lineterminator="\r\n").writerows(r[:width] for r in records[:12])


def _replaced_by_edited_copy(path: Path) -> None:
    """Another tool rewrote the file (a new inode) with its last day renamed: the same
    length, a newline where the earlier read ended, other rows."""
    copy = path.with_name("copy.csv")
    copy.write_bytes(path.read_bytes().replace(b",2025-09-06,", b",2025-08-06,"))
    copy.replace(path)


def _rewritten_in_place(path: Path) -> None:
    """Another tool rewrote the file in place (same inode) with its last day renamed and a
    row added: longer, a newline where the earlier read ended, another row before it."""
    data = path.read_bytes().replace(b",2025-09-06,", b",2025-08-06,")
    path.write_bytes(data + data.splitlines(keepends=True)[-1])


UPLOADED_0901 = _row("2025-09-01", t.UPLOADED, s3_bucket="b", s3_key="k1")
STEPS = {
    "appends": [
        _append(_row("2025-09-01", t.PROCESS_PENDING), _row("2025-09-01", t.PROCESSED)),
        _append(UPLOADED_0901, _row("2025-09-02", t.FAILED)),
        _append(_row("2025-09-01", t.PROCESS_PENDING, run_id="other")),
    ],
    "a torn row, then an append that ends it": [
        _raw("torn,2025-09-03,,,PROCESS_PEN"),
        _append(_row("2025-09-03", t.PROCESSED)),
    ],
    "a torn row inside a quoted field, then an append": [
        _raw('torn,2025-09-03,,,FAILED,,,,,,,,,,E,"An error, torn'),
        _append(_row("2025-09-03", t.PROCESSED)),
    ],
    "a quoted field with a newline, written in two parts": [
        _raw('legacy,2025-09-04,,,FAILED,,,,,,,,,,E,"line one\n'),
        _raw('line two",,,,,,,,\r\n'),
        _append(_row("2025-09-04", t.PROCESSED)),
    ],
    "a header migration between two reads": [
        _append(_row("2025-09-05", t.PROCESSED)),
        _append(_row("2025-09-05", t.UPLOADED)),
    ],
    "NUL padding left by a crash": [
        _raw("\x00" * 64),
        _append(_row("2025-09-06", t.PROCESSED)),
    ],
    "the file rewritten in place, edited and longer": [
        lambda path: _rewritten_in_place(path),
        _append(_row("2025-09-07", t.PROCESSED)),
    ],
    "the file replaced by an edited copy of the same length": [
        lambda path: _replaced_by_edited_copy(path),
        _append(_row("2025-09-07", t.PROCESSED)),
    ],
}


@pytest.mark.parametrize("scenario", list(STEPS))
def test_after_each_step_the_view_knows_what_a_whole_read_knows(tmp_path, scenario):
    path = tmp_path / "download_telemetry.csv"
    if scenario == "a header migration between two reads":
        _short_header_file(path)
    else:
        shutil.copyfile(LEGACY_TELEMETRY, path)
    log = TelemetryLog(path)
    view = TelemetryView(log)
    baseline = view.refresh()
    assert baseline == len(log.rows())
    for step in STEPS[scenario]:
        step(path)
        assert view.latest_by_day() == log.latest_by_day()
        assert view.rows_since(baseline) == log.rows()[baseline:]
        for day in log.latest_by_day():
            uploaded = [
                r for r in log.rows() if r.chunk_date_utc == str(day) and r.status == t.UPLOADED
            ]
            assert view.last_uploaded(day) == (uploaded[-1] if uploaded else None)


def test_a_read_after_appends_reads_only_the_appended_rows(tmp_path):
    path = tmp_path / "download_telemetry.csv"
    shutil.copyfile(LEGACY_TELEMETRY, path)
    log = TelemetryLog(path)
    first = log.scan()
    rows = list(first.records())
    size = path.stat().st_size
    assert first.whole and first.end.offset == size and first.end.rows == len(rows)

    new = _row("2025-09-08", t.PROCESSED)
    log.append(new)
    then = log.scan(first.end, first.header)

    assert list(then.records()) == [new.as_list()]
    assert not then.whole
    assert then.end.offset == path.stat().st_size and then.end.rows == len(rows) + 1


def test_a_record_not_yet_whole_is_read_once_it_is(tmp_path):
    path = tmp_path / "download_telemetry.csv"
    path.write_text(",".join(SCHEMA) + "\r\n", newline="")
    log = TelemetryLog(path)
    first = log.scan()
    assert list(first.records()) == []
    _raw('legacy,2025-09-04,,,FAILED,,,,,,,,,,E,"line one\n')(path)
    part = log.scan(first.end, first.header)
    assert list(part.records()) == [] and part.end == first.end  # not whole: read again later
    _raw('line two",,,,,,,,\r\n')(path)

    [record] = log.scan(part.end, first.header).records()

    assert record[SCHEMA.index("error_message")] == "line one\nline two"


def test_rows_since_an_older_baseline_than_the_view(tmp_path):
    """A baseline another process took before this view's first read."""
    path = tmp_path / "download_telemetry.csv"
    shutil.copyfile(LEGACY_TELEMETRY, path)
    log = TelemetryLog(path)
    baseline = len(log.rows())
    log.append(_row("2025-09-09", t.PROCESSED, run_id="other"))
    view = TelemetryView(log)
    view.refresh()
    log.append(_row("2025-09-09", t.UPLOADED, run_id="mine"))

    assert [r.run_id for r in view.rows_since(baseline)] == ["other", "mine"]
    assert [r.run_id for r in view.rows_since(baseline + 1)] == ["mine"]


def test_a_missing_file_then_created(tmp_path):
    path = tmp_path / "download_telemetry.csv"
    view = TelemetryView(TelemetryLog(path))
    assert view.refresh() == 0 and view.latest(date(2025, 9, 1)) is None

    row = _row("2025-09-01", t.PROCESSED)
    TelemetryLog(path).append(row)

    assert view.latest(date(2025, 9, 1)) == row
    assert view.rows_since(0) == [row]


def test_one_view_per_file_while_held(tmp_path):
    path = tmp_path / "download_telemetry.csv"
    held = TelemetryView.of(path)
    assert TelemetryView.of(TelemetryLog(path)) is held
    assert TelemetryView.of(tmp_path / "other.csv") is not held
