"""The legacy telemetry CSV: schema, statuses, and a log that several processes can share.

The file is written by the legacy download tool, the legacy process tool and this project,
one row per event, never rewritten in place.  A day's state is its latest row.

Which row is latest
    The latest row of a day is its LAST row in the file.  The file is append-only and every
    writer appends under the same lock, so the order of its rows is the order in which
    they were written: a clock all writers share, which no writer's wall clock can
    contradict.  ``started_at_utc`` is not used to order rows: a host whose clock is off,
    or a legacy row holding a naive local time (a host at UTC+2 writes a time two hours
    ahead), would otherwise keep an older row "latest" over a newer one (a successful retry
    would still read FAILED).  A header migration rewrites the file with its rows in the
    same order, so it keeps this order too.

Writers
    ``TelemetryLog.append`` serializes all writers with ``fcntl.flock`` on a sidecar lock
    file ``<telemetry file>.lock`` next to the data file.  The sidecar (not the data file)
    is the lock because a migration replaces the data file by rename: a lock on the data
    file's inode would not exclude a writer that opened the old inode.  The lock file is
    never deleted (deleting lock files reintroduces races).  While holding the sidecar lock,
    ``append`` also takes ``flock`` on the data file itself, so a foreign writer that locks
    the data file (and nothing else) is still excluded from ordinary appends.

    Under the lock, ``append``: writes the header if the file is new or empty; migrates an
    older, shorter header (a strict prefix of ``SCHEMA``, such as the download-only schema)
    to the full schema atomically (temp file, fsync, ``os.replace``, fsync of the
    directory); terminates a torn last line so the new row starts on a fresh line; then
    writes the whole row with one ``os.write`` and fsyncs.  It reads only the header line
    and the last byte of the file (the whole file only to migrate or to repair a torn line).

    A failed append leaves the file exactly as it was (but for a tail of NUL bytes after
    its last complete row, which a power loss during an append leaves and which holds no
    row: the repair cuts it off before appending): everything ``append`` writes goes
    at the end of the file, and if the write or its fsync fails (ENOSPC or EFBIG after a
    short write, EIO, an interruption), the file is truncated back, still under the lock,
    to the size it had before.  No fragment of a row ever stays behind.

Line terminator
    The legacy tool writes ``\\r\\n`` (the ``csv`` module's default).  Appends use the
    terminator of the file's own header line; a new file gets ``NEW_FILE_LINE_TERMINATOR``.

Readers
    ``rows`` and ``latest_by_day`` never lock and survive a missing file, a torn last line
    (a final line without a trailing newline is skipped, and so is a tail of NUL bytes
    after the last complete row), rows shorter than the header (remnants of torn writes,
    skipped), unknown extra columns (ignored), missing columns (blank) and unparseable
    dates (a row whose ``chunk_date_utc`` does not parse is skipped by ``latest_by_day``).

    Every read goes through ``scan`` (one place opens the file to read it: ``_read_file``).
    A ``Scan`` ends at a ``Mark``: the byte offset after its last whole record (a torn
    last line, or a record whose quoted field is still open, is left for a later read),
    the rows before it, and the file's identity. A later scan from that mark reads only
    what was appended since, if the file is still the same one (same device and inode: a
    migration replaces it), no shorter, and still holds the bytes that ended the earlier
    read just before the mark (a file rewritten in place does not); else it reads the
    whole file. ``telemetry_view.TelemetryView`` keeps a process's knowledge of
    the file up to date that way, so a run reads the file once.
"""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import io
import logging
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from reach_pipeline.durable import atomic_write_bytes, fsync_path, write_all

logger = logging.getLogger(__name__)

SCHEMA: tuple[str, ...] = (
    "run_id",
    "chunk_date_utc",
    "window_start_utc",
    "window_end_utc",
    "status",
    "records_downloaded",
    "expected_records",
    "availability_pct",
    "download_seconds",
    "csv_size_mb",
    "csv_path",
    "sensor_id",
    "descriptor",
    "output_format",
    "error_type",
    "error_message",
    "started_at_utc",
    "finished_at_utc",
    "process_seconds",
    "cdf_size_mb",
    "cdf_path",
    "upload_seconds",
    "s3_bucket",
    "s3_key",
)
"""The 24 telemetry columns, in the legacy order."""

DOWNLOAD_SCHEMA: tuple[str, ...] = SCHEMA[:18]
"""The older download-only schema (run_id … finished_at_utc).  Any strict prefix of
``SCHEMA`` found as a file's header is migrated, not only this one."""

DOWNLOAD_PENDING = "DOWNLOAD_PENDING"
DOWNLOADED = "DOWNLOADED"
SKIPPED_NO_DATA = "SKIPPED_NO_DATA"
FAILED = "FAILED"
PROCESS_PENDING = "PROCESS_PENDING"
PROCESSED = "PROCESSED"
UPLOAD_PENDING = "UPLOAD_PENDING"
UPLOADED = "UPLOADED"
SKIPPED_NO_INPUT = "SKIPPED_NO_INPUT"

STATUSES: frozenset[str] = frozenset(
    {
        DOWNLOAD_PENDING,
        DOWNLOADED,
        SKIPPED_NO_DATA,
        FAILED,
        PROCESS_PENDING,
        PROCESSED,
        UPLOAD_PENDING,
        UPLOADED,
        SKIPPED_NO_INPUT,
    }
)

CARRY_FORWARD_COLUMNS: tuple[str, ...] = SCHEMA[5:14]
"""records_downloaded … csv_path, sensor_id, descriptor, output_format: the download
columns every later row of a day repeats from its latest earlier row."""

NEW_FILE_LINE_TERMINATOR = "\r\n"
"""Line terminator for a file this module creates (the legacy tool's, for byte
compatibility).  Existing files keep the terminator of their header line."""

_HEADER_TEXT = ",".join(SCHEMA)
_HEADER_PROBE_BYTES = 4096  # the header line; read on while it has no newline
TAIL_BYTES = 4096  # at most this much of the last line a Mark keeps, to know the file again


@dataclass(frozen=True, slots=True)
class TelemetryRow:
    """One telemetry row; every field is a string, blank by default."""

    run_id: str = ""
    chunk_date_utc: str = ""
    window_start_utc: str = ""
    window_end_utc: str = ""
    status: str = ""
    records_downloaded: str = ""
    expected_records: str = ""
    availability_pct: str = ""
    download_seconds: str = ""
    csv_size_mb: str = ""
    csv_path: str = ""
    sensor_id: str = ""
    descriptor: str = ""
    output_format: str = ""
    error_type: str = ""
    error_message: str = ""
    started_at_utc: str = ""
    finished_at_utc: str = ""
    process_seconds: str = ""
    cdf_size_mb: str = ""
    cdf_path: str = ""
    upload_seconds: str = ""
    s3_bucket: str = ""
    s3_key: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> TelemetryRow:
        """Build a row from a mapping; unknown keys are ignored, ``None`` becomes ""."""
        return cls(**{k: ("" if data[k] is None else str(data[k])) for k in SCHEMA if k in data})

    def as_list(self) -> list[str]:
        """The values in ``SCHEMA`` order."""
        return [getattr(self, name) for name in SCHEMA]

    def as_dict(self) -> dict[str, str]:
        """The values keyed by column name, in ``SCHEMA`` order."""
        return {name: getattr(self, name) for name in SCHEMA}

    def replace(self, **changes: str) -> TelemetryRow:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def utc_now_iso() -> str:
    """The current UTC time as the file writes it: ``2026-11-24T18:04:20.497141+00:00``."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def carry_forward(prior: TelemetryRow | None) -> dict[str, str]:
    """The download columns (``CARRY_FORWARD_COLUMNS``) of ``prior``, blank when ``None``.

    Every process/upload row repeats them so a day's latest row is self-describing, as the
    legacy tool does.  Callers fill a blank sensor_id/descriptor/output_format from their
    own configuration.
    """
    if prior is None:
        return dict.fromkeys(CARRY_FORWARD_COLUMNS, "")
    return {name: getattr(prior, name) for name in CARRY_FORWARD_COLUMNS}


class _Records:
    """The records of CSV text, parsed like ``csv.reader`` (default dialect) but fast.

    A line without a quote character is split on commas directly; a line with one is
    handed to one shared ``csv.reader``, which pulls further lines itself while a quoted
    field (an embedded newline) is open. ``lines`` counts the lines of the records given so
    far: a record whose quoted field is still open at the end of the text is not given (it
    is not whole yet), so a reader knows where the whole records end.
    """

    def __init__(self, text: str) -> None:
        self.pieces = text.split("\n")
        if self.pieces[-1] == "":
            self.pieces.pop()  # the text ends with a newline, not with an empty line
        self.lines = 0

    def __iter__(self) -> Iterator[list[str]]:
        pieces, count = self.pieces, len(self.pieces)
        position = 0
        ran_out = False

        def feed() -> Iterator[str]:
            nonlocal position, ran_out
            while position < count:
                position += 1
                yield pieces[position - 1] + "\n"
            ran_out = True

        reader = csv.reader(feed())
        while position < count:
            line = pieces[position]
            if '"' not in line:
                position += 1
                if line.endswith("\r"):
                    line = line[:-1]
                record = line.split(",") if line else []
            else:
                record = next(reader, None)
                if record is None or ran_out:
                    return  # a quoted field still open at the end of the text
            self.lines = position
            yield record


def _parse_csv(text: str) -> Iterator[list[str]]:
    """The records of ``text`` (``_Records``)."""
    return iter(_Records(text))


def _clean_header(fields: list[str]) -> list[str]:
    """Header names without surrounding blanks or a UTF-8 byte order mark."""
    names = [f.strip() for f in fields]
    if names:
        names[0] = names[0].lstrip("\ufeff")
    return names


def row_factory(header: list[str]) -> Callable[[list[str]], TelemetryRow]:
    """A function turning a record laid out as ``header`` into a ``TelemetryRow``."""
    if tuple(header) == SCHEMA:
        return lambda rec: TelemetryRow(*rec[: len(SCHEMA)])
    columns = [(name, header.index(name)) for name in SCHEMA if name in header]
    return lambda rec: TelemetryRow(**{name: rec[i] for name, i in columns})


def _nul_tail(start: int, end: int) -> str:
    """How the warnings name a NUL-filled tail: its bytes, and that no row is lost."""
    return (
        f"{end - start} NUL bytes at bytes {start}-{end - 1} after the last complete row "
        "(an append cut by a power loss; every row before them is intact)"
    )


def _csv_line(values: list[str], terminator: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator=terminator).writerow(values)
    return buf.getvalue()


def by_date(
    last: Mapping[str, tuple[int, list[str]]], path: Path
) -> dict[date, tuple[int, list[str]]]:
    """``last`` (each ``chunk_date_utc`` as written -> its last (position, record)) keyed
    by the day it names: of " 2025-09-01" and "2025-09-01" the later record wins. Values
    that do not parse are skipped with a warning naming ``path``."""
    latest: dict[date, tuple[int, list[str]]] = {}
    bad_dates: list[str] = []
    for day_text, found in last.items():
        try:
            day = date.fromisoformat(day_text.strip())
        except ValueError:
            bad_dates.append(day_text)
            continue
        if day not in latest or found[0] > latest[day][0]:
            latest[day] = found
    if bad_dates:
        logger.warning(
            "%s: skipped the rows of %d unparseable chunk_date_utc value(s), e.g. %r",
            path,
            len(bad_dates),
            bad_dates[0],
        )
    return latest


def _read_from(fd: int, offset: int) -> bytes:
    """The bytes of the open file from ``offset`` to its end."""
    chunks = []
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _read_file(path: Path, since: Mark | None) -> tuple[bytes, int, tuple[int, int] | None]:
    """The one place the file is opened to be read: ``(data, start, file_id)``.

    ``data`` runs from ``since.offset`` to the end when the file is still the one
    ``since`` was read in (same device and inode: a header migration replaces the file),
    at least that long, and still holds ``since.tail`` just before the offset (a file
    rewritten in place does not); else from the start (``start`` 0). A missing file
    reads as ``(b"", 0, None)``.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return b"", 0, None
    try:
        info = os.fstat(fd)
        file_id = (info.st_dev, info.st_ino)
        start = 0
        if (
            since is not None
            and since.offset > 0
            and since.file_id == file_id
            and info.st_size >= since.offset
            and os.pread(fd, len(since.tail), since.offset - len(since.tail)) == since.tail
        ):
            start = since.offset
        return _read_from(fd, start), start, file_id
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a read of the file ended: after ``rows`` complete rows, at byte ``offset``
    (the end of its last whole record), in the file ``file_id`` (device, inode), whose
    last line before the offset was ``tail`` (its last ``TAIL_BYTES`` at most)."""

    rows: int = 0
    offset: int = 0
    file_id: tuple[int, int] | None = None
    tail: bytes = b""


class Scan:
    """One read of the file, from a ``Mark`` of an earlier read or from the start.

    From the mark (``whole`` false) when the file is still the one read then and only
    grew (``_read_file``): the rows appended since, parsed with the earlier read's
    ``header``. Otherwise (no mark, no header, a migrated or rewritten file) the whole
    file, header first. Either way a torn last line (no newline yet) and a record whose
    quoted field is still open are left for a later read, and ``records()`` gives the
    complete records (at least as many fields as the header; shorter ones are torn
    remnants, skipped). Once they are consumed, ``end`` is the mark to read on from.
    """

    def __init__(self, path: Path, since: Mark | None, header: list[str] | None) -> None:
        self.path = path
        data, self._start, self._file_id = _read_file(path, since if header else None)
        self.whole = self._start == 0
        self._rows_before = 0 if self.whole or since is None else since.rows
        self._tail_before = b"" if self.whole or since is None else since.tail
        cut = data.rfind(b"\n") + 1
        if cut < len(data):
            if (cut or self._start) and not data[cut:].strip(b"\x00"):
                end = self._start + len(data)
                logger.warning("%s: skipping %s", path, _nul_tail(self._start + cut, end))
            else:
                logger.warning("%s: skipping torn last line %r", path, data[cut:][:200])
        self._data = data[:cut]
        text = self._data.decode("utf-8", errors="replace")
        if "\x00" in text:
            text = text.replace("\x00", "")
        self._parsed = _Records(text)
        self._iter = iter(self._parsed)
        self.header = _clean_header(next(self._iter, [])) if self.whole else list(header or [])
        self.rows = 0  # complete records given so far

    def records(self) -> Iterator[list[str]]:
        if not self.header:
            return
        width, short = len(self.header), 0
        try:
            for record in self._iter:
                if len(record) >= width:
                    self.rows += 1
                    yield record
                elif record:
                    short += 1
        except csv.Error as exc:
            logger.warning("%s: stopped reading at a malformed record: %s", self.path, exc)
        if short:
            logger.warning("%s: skipped %d short (torn) row(s)", self.path, short)

    @property
    def end(self) -> Mark:
        """Where this read's whole records end (read on from here next time)."""
        left = len(self._parsed.pieces) - self._parsed.lines  # lines not yet whole records
        newline = len(self._data) - 1
        for _ in range(left):
            newline = self._data.rfind(b"\n", 0, newline)
        end = newline + 1
        tail = self._tail_before  # nothing consumed: the line the earlier read ended with
        if end:  # the last line this read consumed
            line = self._data.rfind(b"\n", 0, end - 1) + 1
            tail = self._data[max(line, end - TAIL_BYTES) : end]
        return Mark(self._rows_before + self.rows, self._start + end, self._file_id, tail)


class TelemetryLog:
    """The append-only telemetry CSV at ``path`` (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def lock_path(self) -> Path:
        """The sidecar lock file that every writer locks: ``<path>.lock``."""
        return self.path.with_name(self.path.name + ".lock")

    # ------------------------------------------------------------------ reading

    def scan(self, since: Mark | None = None, header: list[str] | None = None) -> Scan:
        """Read the file: from ``since`` (with the ``header`` of that earlier read) when
        only rows were appended since (see ``Scan``), else all of it."""
        return Scan(self.path, since, header)

    def rows(self) -> list[TelemetryRow]:
        """Every complete row, in file order; ``[]`` when the file does not exist."""
        scan = self.scan()
        to_row = row_factory(scan.header)
        return [to_row(rec) for rec in scan.records()]

    def latest_by_day(self) -> dict[date, TelemetryRow]:
        """Each day's latest row, keyed by ``chunk_date_utc``: its last row in the file
        (see the module docstring).  Rows whose ``chunk_date_utc`` does not parse are
        skipped with a warning.
        """
        scan = self.scan()
        if "chunk_date_utc" not in scan.header:
            return {}
        day_i = scan.header.index("chunk_date_utc")
        last: dict[str, tuple[int, list[str]]] = {}  # as written -> (position, record)
        for position, rec in enumerate(scan.records()):
            last[rec[day_i]] = (position, rec)
        to_row = row_factory(scan.header)
        return {day: to_row(rec) for day, (_, rec) in sorted(by_date(last, self.path).items())}

    # ------------------------------------------------------------------ writing

    @staticmethod
    def _validated(row: TelemetryRow | Mapping[str, str]) -> TelemetryRow:
        if not isinstance(row, TelemetryRow):
            unknown = sorted(set(row) - set(SCHEMA))
            if unknown:
                raise ValueError(f"unknown telemetry column(s): {', '.join(unknown)}")
            row = TelemetryRow(**row)
        for name in SCHEMA:
            value = getattr(row, name)
            if not isinstance(value, str):
                raise TypeError(f"telemetry field {name} must be str, got {type(value).__name__}")
        if row.status not in STATUSES:
            raise ValueError(f"unknown telemetry status {row.status!r}")
        return row

    @contextmanager
    def _sidecar_lock(self) -> Iterator[None]:
        """Hold ``flock(LOCK_EX)`` on the sidecar lock file (see the module docstring)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock_fd)

    def append(self, row: TelemetryRow | Mapping[str, str]) -> None:
        """Append one row (a ``TelemetryRow`` or a mapping of column names to strings).

        Raises ``ValueError`` for an unknown status or column name, or when the file's
        header is neither a prefix of ``SCHEMA`` nor contains every ``SCHEMA`` column.
        """
        row = self._validated(row)
        with self._sidecar_lock():
            done = False
            while not done:  # a second pass only after a migration replaced the file
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    done = self._append_locked(fd, row)
                finally:
                    os.close(fd)

    def _append_locked(self, fd: int, row: TelemetryRow) -> bool:
        """Append ``row`` to the open, locked file; ``False`` if it migrated it instead."""
        size = os.fstat(fd).st_size
        head = os.pread(fd, _HEADER_PROBE_BYTES, 0)
        while b"\n" not in head and len(head) < size:
            head += os.pread(fd, _HEADER_PROBE_BYTES, len(head))
        newline = head.find(b"\n")
        if newline < 0 and _HEADER_TEXT.startswith(head.decode("utf-8", "replace")):
            # New, empty, or only a (possibly torn) header, all of it in ``head``: complete
            # the header (appending, so that a failure can be undone), then the row.
            term = NEW_FILE_LINE_TERMINATOR
            data = _HEADER_TEXT[len(head) :] + term + _csv_line(row.as_list(), term)
            self._write_at_end(fd, size, data.encode("utf-8"))
            if size == 0:
                fsync_path(self.path.parent)
            return True
        line = head if newline < 0 else head[: newline + 1]
        term = "\r\n" if line.endswith(b"\r\n") else "\n"
        header = _clean_header(next(csv.reader([line.decode("utf-8", "replace")]), []))
        if len(header) < len(SCHEMA) and tuple(header) == SCHEMA[: len(header)]:
            self._migrate(fd, term)
            return False
        missing = [name for name in SCHEMA if name not in header]
        if missing:
            raise ValueError(
                f"{self.path}: header lacks column(s) {', '.join(missing)} and is not "
                "an older prefix of the legacy schema; refusing to append"
            )
        values = row.as_list() if tuple(header) == SCHEMA else self._aligned(row, header)
        prefix = ""
        if newline < 0 or os.pread(fd, 1, size - 1) != b"\n":
            size, prefix = self._line_repair(fd, size, term)
        self._write_at_end(fd, size, (prefix + _csv_line(values, term)).encode("utf-8"))
        return True

    def _write_at_end(self, fd: int, size: int, data: bytes) -> None:
        """Append ``data`` to the locked file of ``size`` bytes and fsync it; if anything
        fails on the way, truncate the file back to ``size`` and re-raise."""
        try:
            write_all(fd, data)
            os.fsync(fd)
        except BaseException:
            try:
                os.ftruncate(fd, size)
                os.fsync(fd)
            except OSError as exc:
                logger.error(
                    "%s: a failed append could not be undone (truncate to %d bytes: %s)",
                    self.path,
                    size,
                    exc,
                )
            raise

    @staticmethod
    def _aligned(row: TelemetryRow, header: list[str]) -> list[str]:
        """Values for a file whose header differs from ``SCHEMA`` (extra columns blank)."""
        known = set(SCHEMA)
        seen: set[str] = set()
        values = []
        for name in header:
            values.append(getattr(row, name) if name in known and name not in seen else "")
            seen.add(name)
        return values

    def _line_repair(self, fd: int, size: int, term: str) -> tuple[int, str]:
        """The file's size after the repair, and the text that ends a torn last line so
        the next row starts on a fresh line.

        If the torn line stopped inside a quoted field (an odd number of quote characters
        in the file), the quote is closed first so the fragment cannot swallow the row
        that follows; readers then skip the fragment as a short row. A tail of NUL bytes
        after the last complete row (a power loss during an append: the size grew, the
        data never reached the disk) holds no row: it is cut off.
        """
        data = self._read_all(fd)
        cut = data.rfind(b"\n") + 1
        if cut and not data[cut:].strip(b"\x00"):
            os.ftruncate(fd, cut)
            logger.warning("%s: removed %s before appending", self.path, _nul_tail(cut, size))
            return cut, ""
        logger.warning("%s: terminating a torn last line before appending", self.path)
        if data.count(b'"') % 2:
            return size, '"' + term
        return size, "\n" if data.endswith(b"\r") else term

    @staticmethod
    def _read_all(fd: int) -> bytes:
        return _read_from(fd, 0)

    def _migrate(self, fd: int, term: str) -> None:
        """Rewrite a file with a shorter, prefix-of-``SCHEMA`` header to the full schema.

        Called under the lock.  Every complete row is kept, padded with blanks; rows
        shorter than the old header (torn remnants) are kept as they are so readers keep
        skipping them; a torn last line (no trailing newline) is dropped with a warning.
        The new file replaces the old one atomically.  A foreign writer that does not take
        the sidecar lock and still holds the old file open would write into the replaced
        file; our writers always reopen the file after taking the lock.
        """
        text = self._read_all(fd).decode("utf-8", errors="surrogateescape")
        if not text.endswith("\n"):
            cut = text.rfind("\n") + 1
            logger.warning("%s: dropping torn last line %r in migration", self.path, text[cut:])
            text = text[:cut]
        records = list(csv.reader(io.StringIO(text, newline="")))
        width = len(records[0])
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator=term)
        writer.writerow(SCHEMA)
        kept = [record for record in records[1:] if record]
        for record in kept:
            if len(record) >= width:
                record = record + [""] * (len(SCHEMA) - len(record))
            writer.writerow(record)
        atomic_write_bytes(
            self.path,
            out.getvalue().encode("utf-8", errors="surrogateescape"),
            mode=stat.S_IMODE(os.fstat(fd).st_mode),
        )
        logger.warning(
            "%s: migrated a %d-column header to the %d-column schema (%d rows kept)",
            self.path,
            width,
            len(SCHEMA),
            len(kept),
        )
