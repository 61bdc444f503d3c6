"""A telemetry writer dies in the middle of a row: readers skip the torn line, the next
append starts on a fresh line, no earlier row is lost."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reach_pipeline.contract.telemetry import (
    DOWNLOADED,
    PROCESSED,
    SCHEMA,
    TelemetryLog,
    TelemetryRow,
)

from .support import REPO, wait_for
from .writer import csv_line, row_for, tear_row


def _rows(n: int, tag: str = "early") -> list[TelemetryRow]:
    return [row_for(f"{tag}-{i}") for i in range(n)]


def _written(tmp_path: Path, n: int) -> tuple[Path, TelemetryLog, list[TelemetryRow]]:
    """A telemetry file of ``n`` rows: its path, its log and the rows."""
    path = tmp_path / "download_telemetry.csv"
    log = TelemetryLog(path)
    rows = _rows(n)
    for row in rows:
        log.append(row)
    return path, log, rows


def _ends_with_fresh_line(path: Path, row: TelemetryRow) -> bool:
    raw = path.read_bytes()
    line = csv_line(row)
    return raw.endswith(line) and raw[: -len(line)].endswith(b"\n")


def _checkpoint(n: int) -> TelemetryRow:
    return TelemetryRow(
        run_id=f"checkpoint-{n}",
        chunk_date_utc="2031-06-01",
        status=PROCESSED,
        started_at_utc=f"2031-06-01T00:00:00.{n + 1:06d}+00:00",
    )


# (name, the torn row's bytes -> what the writer got onto disk before it died)
TEARS = {
    "mid-unquoted-field": lambda line: line[: line.index(b"QUICKLOOK") + 4],
    "inside-quoted-field": lambda line: line[: line.index(b"then") + 2],
    "right-after-opening-quote": lambda line: line[: line.index(b'"') + 1],
    "after-the-separator": lambda line: line[: line.index(b",UPLOADED,") + 1],
    # A power cut after the size grew but before the data reached the disk: zeros.
    "zero-filled": lambda line: b"\x00" * len(line),
}


@pytest.mark.parametrize("tear", sorted(TEARS))
def test_simulated_torn_last_line(tmp_path, tear):
    path, log, earlier = _written(tmp_path, 3)
    state_before = log.latest_by_day()
    torn = row_for("torn-7")  # a day of its own (2031-01-08): nothing earlier for it
    with open(path, "ab") as fh:
        fh.write(TEARS[tear](csv_line(torn)))

    # Readers skip the torn line and keep every earlier row.
    assert log.rows() == earlier
    assert log.latest_by_day() == state_before

    # The next append starts on a fresh line; the fragment stays skipped.
    new = row_for("next-1").replace(status=DOWNLOADED)
    log.append(new)
    assert log.rows() == [*earlier, new]
    assert _ends_with_fresh_line(path, new)
    log.append(_checkpoint(0))
    assert log.rows() == [*earlier, new, _checkpoint(0)]


def test_simulated_torn_terminator_keeps_the_whole_row(tmp_path):
    """Killed between ``\\r`` and ``\\n``: the content was all written; the repair only
    ends the line, so the row counts from then on (before, readers skip it)."""
    path, log, earlier = _written(tmp_path, 2)
    torn = row_for("torn-3")
    with open(path, "ab") as fh:
        fh.write(csv_line(torn)[:-1])
    assert log.rows() == earlier
    new = row_for("next-1")
    log.append(new)
    assert log.rows() == [*earlier, torn, new]
    assert _ends_with_fresh_line(path, new)


class _Writer:
    """A writer process and the ids it reported (complete stdout lines only)."""

    def __init__(self, mode: str, path: Path, tag: str):
        self.tag = tag
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reach_pipeline_tests.faults.writer", mode, str(path), tag],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: list[bytes] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def reported(self) -> list[str]:
        """The ids of the rows it finished (not its ``partial`` notice)."""
        self._thread.join(timeout=30)
        done = [line.decode().strip() for line in self.lines if line.endswith(b"\n")]
        return [line for line in done if not line.startswith("partial ")]

    def tearing(self) -> bool:
        """Whether it has written part of a row and waits, mid-row, to be killed."""
        return any(line.startswith(b"partial ") for line in self.lines)

    def check_running(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"writer {self.tag} exited {self.proc.returncode}: {self.proc.stderr.read()!r}"
            )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc.stderr.close()


def _is_in_flight_prefix(row: TelemetryRow, intended: TelemetryRow) -> bool:
    """A row torn inside its last field and ended by the repair (see the note below)."""
    got, want = row.as_list(), intended.as_list()
    return got[:-1] == want[:-1] and want[-1].startswith(got[-1])


@pytest.mark.integration
def test_real_writers_killed_in_a_loop(tmp_path):
    """Each round, one ``TelemetryLog`` writer and one chunked foreign writer append in
    tight loops; the chunked one stops in the middle of a row (after a number of rows
    chosen by its tag) and says so; both are SIGKILLed then, and this process appends a
    checkpoint row. Every round: exactly one torn line more, every complete row is a row
    some writer meant to write, every row a writer reported (printed after fsync) is
    there, and the checkpoint lands on a fresh line."""
    path = tmp_path / "download_telemetry.csv"
    log = TelemetryLog(path)
    log.append(_checkpoint(-1))  # header and a first row
    rng = random.Random(2026)
    reported: dict[str, list[str]] = {}
    in_flight: set[str] = set()
    checkpoints = [_checkpoint(-1)]
    rounds = 20
    for n in range(rounds):
        appender, chunked = _Writer("append", path, f"a{n}"), _Writer("chunked", path, f"c{n}")
        writers = [appender, chunked]
        try:

            def torn_mid_row(writers=writers, chunked=chunked) -> bool:
                for writer in writers:
                    writer.check_running()
                return chunked.tearing()

            wait_for(f"round {n}: a row torn in flight", torn_mid_row, timeout_s=60, every_s=0.002)
        finally:
            rng.shuffle(writers)
            for writer in writers:
                writer.kill()
        for writer in writers:
            ids = reported[writer.tag] = writer.reported()
            assert ids == [f"{writer.tag}-{i}" for i in range(len(ids))]
            in_flight.add(f"{writer.tag}-{len(ids)}")  # written, maybe torn, never reported

        rows = log.rows()
        by_id: dict[str, list[TelemetryRow]] = {}
        for row in rows:
            by_id.setdefault(row.run_id, []).append(row)
        for row_id, found in by_id.items():
            assert len(found) == 1, f"{row_id} appears {len(found)} times"
        # No reported row is lost or altered, in this round or any earlier one.
        for ids in reported.values():
            for row_id in ids:
                assert by_id.get(row_id) == [row_for(row_id)], row_id
        # Every complete row is one a writer meant to write.
        for row in rows:
            if row.run_id.startswith("checkpoint-"):
                continue
            intended = row_for(row.run_id)
            if row.run_id in in_flight:
                # A row cut inside its last field (s3_key) has all 24 fields; the repair
                # ends the line and readers take it, the last value possibly truncated.
                assert row == intended or _is_in_flight_prefix(row, intended), row
            else:
                assert row == intended, row
        assert [r for r in rows if r.run_id.startswith("checkpoint-")] == checkpoints

        # This process's next append starts on a fresh line and reads back whole.
        checkpoint = _checkpoint(n)
        log.append(checkpoint)
        checkpoints.append(checkpoint)
        assert _ends_with_fresh_line(path, checkpoint)
        assert log.rows()[-1] == checkpoint

    # Each chunked writer finished exactly the rows before the one it tore.
    for n in range(rounds):
        assert len(reported[f"c{n}"]) == tear_row(f"c{n}"), n
    # Exactly one row torn per round: the chunked writer's, killed mid-row. Readers skip
    # it as a torn line, or, when the cut fell inside its last field, read it back as an
    # in-flight prefix (the repair ended the line; see above): never as the whole row.
    rows = {row.run_id: row for row in log.rows()}
    torn_ids = [f"c{n}-{tear_row(f'c{n}')}" for n in range(rounds)]
    skipped = [i for i in torn_ids if i not in rows]
    for row_id in set(torn_ids) - set(skipped):
        assert rows[row_id] != row_for(row_id)
        assert _is_in_flight_prefix(rows[row_id], row_for(row_id)), rows[row_id]
    raw_records = path.read_bytes().count(b"\n") - 1  # our rows hold no newline
    assert raw_records - len(rows) == len(skipped)
    header = path.read_bytes().split(b"\r\n", 1)[0].decode()
    assert tuple(header.split(",")) == SCHEMA


def test_nul_filled_tail_is_cut_and_the_rows_kept_byte_for_byte(tmp_path, caplog):
    """A power loss during an append can leave the file's size grown and the new bytes
    zero: a block of NUL bytes after the last complete row. Readers skip it, saying so
    (the file and the bytes); the preflight takes the file as telemetry; the next append
    cuts the NULs off and writes its row where they began."""
    from reach_pipeline.preflight import telemetry_header_problem

    path, log, earlier = _written(tmp_path, 3)
    intact = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b"\x00" * 4096)
    end = len(intact) + 4096 - 1

    with caplog.at_level("WARNING", logger="reach_pipeline.contract.telemetry"):
        assert log.rows() == earlier
    said = (
        f"{path}: skipping 4096 NUL bytes at bytes {len(intact)}-{end} after the last complete row"
    )
    assert said in caplog.text
    assert telemetry_header_problem(path) is None

    caplog.clear()
    new = row_for("next-1").replace(status=DOWNLOADED)
    with caplog.at_level("WARNING", logger="reach_pipeline.contract.telemetry"):
        log.append(new)
    assert f"{path}: removed 4096 NUL bytes at bytes {len(intact)}-{end}" in caplog.text
    assert path.read_bytes() == intact + csv_line(new)
    assert log.rows() == [*earlier, new]
