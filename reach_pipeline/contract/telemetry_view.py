"""What one process knows of the telemetry file, kept up to date by reading only what
other writers (and this process) appended since it last looked.

A run reads the telemetry file once: its first read (the command line's plan, or a
Dagster run's baseline) reads the whole file; every later question (a day's latest row
for the next row's carried-forward columns, the rows appended since the run planned for
``claim``, the day's last UPLOADED row for the replaced S3 object) first reads from the
``Mark`` where the previous read ended (``TelemetryLog.scan``). The file is append-only, so
that is exact; when it is not the file read before (a header migration replaces it), it
shrank, or its last line read is no longer where it was (rewritten in place), the view
reads it whole again and rebuilds, keeping row positions (a migration keeps every row, in
order). Rows edited in place before that last line are outside the legacy contract and
are not noticed.

One view per file per process (``TelemetryView.of``), shared while anyone holds it: the
command line's planner holds it across its days, whose stages run in the same process, so
the plan's read serves them all; a Dagster run's asset holds it across the days of a
ranged run.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from datetime import date
from pathlib import Path

from .telemetry import (
    UPLOADED,
    Mark,
    Scan,
    TelemetryLog,
    TelemetryRow,
    by_date,
    row_factory,
)

logger = logging.getLogger(__name__)


class TelemetryView:
    """Each day's latest row and latest UPLOADED row, and the rows appended since this
    view (or an older row count asked for) began, read incrementally (module docstring)."""

    _shared: weakref.WeakValueDictionary[Path, TelemetryView] = weakref.WeakValueDictionary()
    _shared_lock = threading.Lock()

    @classmethod
    def of(cls, log: TelemetryLog | str | os.PathLike[str]) -> TelemetryView:
        """This process's view of the file, shared while anyone holds it."""
        path = Path(log.path if isinstance(log, TelemetryLog) else log).absolute()
        with cls._shared_lock:
            view = cls._shared.get(path)
            if view is None:
                view = cls._shared[path] = cls(TelemetryLog(path))
            return view

    def __init__(self, log: TelemetryLog) -> None:
        self.log = log
        self._lock = threading.RLock()
        self._mark: Mark | None = None
        self._header: list[str] = []
        self._latest: dict[date, TelemetryRow] = {}
        self._uploaded: dict[date, TelemetryRow] = {}
        self._kept_from: int | None = None  # rows from this position on are in _kept
        self._kept: list[TelemetryRow] = []

    # ------------------------------------------------------------------ questions

    def refresh(self) -> int:
        """Read what was appended since the last read (all of the file the first time);
        the number of complete rows the file has now."""
        with self._lock:
            scan = self.log.scan(self._mark, self._header)
            if scan.whole:
                self._read_whole(scan)
            else:
                self._add(scan)
            self._mark = scan.end
            if self._kept_from is None:
                self._kept_from = self._mark.rows
            return self._mark.rows

    def latest(self, day: date) -> TelemetryRow | None:
        """The day's latest row (its last in the file), read now."""
        with self._lock:
            self.refresh()
            return self._latest.get(day)

    def latest_by_day(self) -> dict[date, TelemetryRow]:
        """Every day's latest row, read now (as ``TelemetryLog.latest_by_day``)."""
        with self._lock:
            self.refresh()
            return dict(sorted(self._latest.items()))

    def last_uploaded(self, day: date) -> TelemetryRow | None:
        """The day's last UPLOADED row, read now."""
        with self._lock:
            self.refresh()
            return self._uploaded.get(day)

    def rows_since(self, rows: int) -> list[TelemetryRow]:
        """The rows after the file's first ``rows`` rows, read now. A count older than
        this view's first read (a baseline another process took) costs one whole read."""
        with self._lock:
            self.refresh()
            if self._kept_from is None or rows < self._kept_from:
                self._kept_from, self._mark = rows, None
                self.refresh()
            return self._kept[rows - self._kept_from :]

    # ------------------------------------------------------------------ reading

    def _read_whole(self, scan: Scan) -> None:
        """Rebuild from a read of the whole file (fast: only the winners become rows)."""
        self._header = scan.header
        if "chunk_date_utc" not in scan.header:
            self._latest, self._uploaded, self._kept = {}, {}, []
            return
        day_i, status_i = scan.header.index("chunk_date_utc"), scan.header.index("status")
        to_row = row_factory(scan.header)
        keep_from = self._kept_from if self._kept_from is not None else -1
        last: dict[str, tuple[int, list[str]]] = {}
        uploaded: dict[str, tuple[int, list[str]]] = {}
        kept = []
        for position, rec in enumerate(scan.records()):
            last[rec[day_i]] = (position, rec)
            if rec[status_i] == UPLOADED:
                uploaded[rec[day_i]] = (position, rec)
            if position >= keep_from >= 0:
                kept.append(to_row(rec))
        self._latest = {day: to_row(rec) for day, (_, rec) in by_date(last, scan.path).items()}
        self._uploaded = {day: to_row(r) for day, (_, r) in by_date(uploaded, scan.path).items()}
        self._kept = kept

    def _add(self, scan: Scan) -> None:
        """Take in the rows appended since the last read, in file order."""
        to_row = row_factory(self._header)
        for rec in scan.records():
            row = to_row(rec)
            self._kept.append(row)
            try:
                day = date.fromisoformat(row.chunk_date_utc.strip())
            except ValueError:
                logger.warning("%s: skipped a row with chunk_date_utc %r", scan.path, rec)
                continue
            self._latest[day] = row
            if row.status == UPLOADED:
                self._uploaded[day] = row
