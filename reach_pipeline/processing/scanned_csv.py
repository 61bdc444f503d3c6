"""The scanned CSV reader: the download tool's layout read by a C scanner (``_udlscan``).

It reads what the fast reader (``fast_csv``) reads, from the same layout (``fast_layout``),
and gives the same ``Observations`` to the bit, in less than half of its CPU time,
converting only the tokens read. The file is read in ranges of whole lines, two threads
at a time. The scanner only recognizes the ordinary case (plain numbers, times as
``YYYY-MM-DDTHH:MM:SS.fffZ``, every line like the first); a file with anything else is
declined (``None``) and left to the fast reader, then the general one, which judge it by
their own rules. Where the extension was not built (no C compiler), every file is declined.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

from .fast_csv import label_numbers
from .fast_layout import Layout, layout
from .observations import LABEL_COLUMNS, NUMERIC_COLUMNS, TIME_COLUMNS, Labels, Observations

try:
    from . import _udlscan
except ImportError:  # built without a C compiler: the fast reader reads every file
    _udlscan = None

log = logging.getLogger(__name__)

SKIP, NUMBER, TIME, LABEL = 0, 1, 2, 3
# Lines are read and scanned this many bytes at a time, into a buffer per thread: the
# range is still in the cache when its lines, counted, are scanned, and a day's file is
# never all in memory at once.
CHUNK_BYTES = 8 << 20
_PEEK_BYTES = 1 << 16
_DTYPES = {NUMBER: np.float64, TIME: np.int64, LABEL: np.int32}
_NUMBERS = ("value", "x", "y", "z")
# Texts the CSV parser reads as null in a label column (the fast reader's
# ``strings_can_be_null``), a blank apart (null or blank, a label is blank either way): a
# file with one is left to it.
_NULL_TEXTS = frozenset(pv.ConvertOptions().null_values) - {""}


def available() -> bool:
    return _udlscan is not None


def read_scanned_csv(path: Path, header: list[str], first_line: str) -> Observations | None:
    """The file's observations, or None (declined: another reader decides)."""
    where = layout(header, first_line)
    if _udlscan is None or where is None:
        return None
    with open(path, "rb") as fh:
        columns = _scan(fh.fileno(), where)
    if isinstance(columns, str):
        log.info("%s: scanner declined (%s), using the fast reader", path, columns)
        return None
    return _observations(path, columns, where)


def _plan(where: Layout) -> dict[str, tuple[int, bytes, bytes]]:
    """Each token read: (kind, the prefix and the suffix around its value)."""
    plan = {c: (NUMBER, b"", b"") for c in NUMERIC_COLUMNS}
    plan |= {c: (TIME, b"", b"") for c in TIME_COLUMNS}
    plan |= {c: (LABEL, b"", b"") for c in (*LABEL_COLUMNS, *where.seo_tokens)}
    for key, piece in where.pieces.items():
        kind = NUMBER if key in _NUMBERS else LABEL
        plan[piece.token] = (kind, piece.prefix.encode(), piece.suffix.encode())
    return plan


def _ranges(fd: int, size: int, chunk: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """The data lines (after the header line) in ranges of whole lines, about ``chunk``
    bytes each."""
    bounds = [_line_after(fd, 0, size)]
    while bounds[-1] + chunk < size:
        bounds.append(_line_after(fd, bounds[-1] + chunk, size))
    if bounds[-1] < size:
        bounds.append(size)
    return list(itertools.pairwise(bounds))


def _line_after(fd: int, offset: int, size: int) -> int:
    """Where the line after the newline at or after ``offset`` starts (``size``: none)."""
    while offset < size:
        window = os.pread(fd, min(_PEEK_BYTES, size - offset), offset)
        at = window.find(b"\n")
        if at >= 0:
            return offset + at + 1
        offset += len(window)
    return size


def _scan(fd: int, where: Layout) -> dict | str:
    """Each read token's values (a label's: a dictionary array), or why not."""
    plan = _plan(where)
    args = _scan_args(where.names, plan)
    buffers = threading.local()

    def scan(bounds: tuple[int, int]):
        return _scan_range(fd, bounds, buffers, plan, args)

    with ThreadPoolExecutor(max_workers=2) as pool:  # the scanner releases the GIL
        results = list(pool.map(scan, _ranges(fd, os.fstat(fd).st_size)))
    if not results:
        return "no data lines"
    for result in results:
        if isinstance(result, str):
            return result
    out: dict = {}
    for token, (kind, *_) in plan.items():
        if kind == LABEL:
            out[token] = _merged([(r[0][token], r[1][token]) for r in results])
            if out[token] is None:
                return "a label that is not UTF-8"
        else:
            out[token] = np.concatenate([r[0][token] for r in results])
    return out


def _scan_args(names: list[str], plan) -> tuple[list[str], bytes, tuple, tuple]:
    """The token names, and each token's kind, prefix and suffix, in file order."""
    fixes = [plan.get(t, (SKIP, b"", b"")) for t in names]
    kinds, prefixes, suffixes = zip(*fixes, strict=True)
    return names, bytes(kinds), prefixes, suffixes


def _scan_range(fd: int, bounds: tuple[int, int], buffers: threading.local, plan, args):
    """(values per token, distinct texts per label token) of the lines in ``bounds``, or
    why not. The range is read into this thread's buffer (not mapped: a file cut short
    while it is read is a short read here, where a mapping would kill the process)."""
    start, end = bounds
    if len(getattr(buffers, "data", b"")) < end - start:
        buffers.data = bytearray(end - start)
    data = memoryview(buffers.data)[: end - start]
    done = 0
    while done < len(data):
        read = os.preadv(fd, [data[done:]], start + done)
        if read == 0:
            return "the file got shorter while it was read"
        done += read
    return _scan_lines(data, 0, len(data), plan, args)


def _scan_lines(data, start: int, end: int, plan, args):
    """What ``_scan_range`` returns, for the lines of ``data[start:end]``."""
    count = _udlscan.lines(data, start, end)
    if count < 0:
        return "a carriage return alone"
    names, kinds, prefixes, suffixes = args
    arrays = {t: np.empty(count, _DTYPES[kind]) for t, (kind, *_) in plan.items()}
    outs = tuple(arrays.get(t) for t in names)
    result = _udlscan.scan(data, start, end, kinds, prefixes, suffixes, outs)
    if isinstance(result, str):
        return result
    lines, texts = result
    if lines != count:
        return "a line count that does not agree"
    labelled = [t for t, kind in zip(names, kinds, strict=True) if kind == LABEL]
    return arrays, dict(zip(labelled, texts, strict=True))


def _merged(parts: list[tuple[np.ndarray, list[bytes]]]) -> pa.DictionaryArray | None:
    """One dictionary array from each range's codes and distinct texts."""
    names: dict[bytes, int] = {}
    codes = []
    for part_codes, texts in parts:
        remap = np.array([names.setdefault(t, len(names)) for t in texts], np.int32)
        identity = np.array_equal(remap, np.arange(len(remap)))
        codes.append(part_codes if identity else np.take(remap, part_codes))
    try:
        dictionary = pa.array([t.decode("utf-8") for t in names], pa.string())
    except UnicodeDecodeError:
        return None
    return pa.DictionaryArray.from_arrays(pa.array(np.concatenate(codes), pa.int32()), dictionary)


def _plain(columns: dict, where: Layout) -> bool:
    """What the fast reader asks of the texts (``fast_csv._plain``, ``_cut_labels``): no
    NUL, no quote in a label or in a cut quality or description; and, as it reads label
    columns, no text its parser takes for a null."""
    texts = {t: set(a.dictionary.to_pylist()) for t, a in columns.items() if _labelled(a)}
    cut = (where.pieces["quality"].token, where.pieces["description"].token)
    return not (
        any("\x00" in text for values in texts.values() for text in values)
        or any('"' in text for c in LABEL_COLUMNS for text in texts[c])
        or any("'" in text or '"' in text for c in cut for text in texts[c])
        or any(texts[c] & _NULL_TEXTS for c in LABEL_COLUMNS)
    )


def _labelled(column) -> bool:
    return isinstance(column, pa.DictionaryArray)


def _observations(path: Path, columns: dict, where: Layout) -> Observations | None:
    pieces = where.pieces
    if not _plain(columns, where):
        return None
    quality = label_numbers(columns[pieces["quality"].token])
    if quality is None:
        return None
    n = len(columns["obTime"])
    return Observations(
        records=n,
        row=np.arange(1, n + 1, dtype=np.int64),
        id_sensor=Labels.from_arrow(columns["idSensor"]),
        observatory=Labels.from_arrow(columns["observatoryName"]),
        ob_time=columns["obTime"],
        created_at=columns["createdAt"],
        value=columns[pieces["value"].token],
        quality=quality,
        description=Labels.from_arrow(columns[pieces["description"].token]),
        lat=columns["lat"],
        lon=columns["lon"],
        alt=columns["alt"],
        pos_x=columns[pieces["x"].token],
        pos_y=columns[pieces["y"].token],
        pos_z=columns[pieces["z"].token],
        descriptor=Labels.from_arrow(columns["descriptor"]),
    )
