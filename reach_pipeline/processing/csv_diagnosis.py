"""What a pyarrow CSV parse error means, with the row or line it is about.

Error path only: it may re-read the whole file with per-row Python to find the place.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from .header import data_rows, not_utf8

# The parser reads a file in blocks of this size (pyarrow's default, which both readers
# use): a row longer than a block cannot be parsed ("straddling object").
BLOCK_BYTES = 1 << 20


def describe_arrow_error(path: Path, header: list[str], exc: pa.ArrowInvalid) -> str:
    """The problem to report for pyarrow's parse error ``exc`` on a CSV with ``header``."""
    text = str(exc)
    width = len(header)
    if re.search(r"invalid utf-?8", text, re.IGNORECASE):
        return _locate_bad_utf8(path)
    if "straddl" in text:
        return _locate_long_row(path, header) or (
            f"malformed CSV: a row longer than {BLOCK_BYTES >> 20} MiB (a cell far too long)"
        )
    m = re.search(r"Expected (\d+) columns, got (\d+)", text)
    if m:
        return _locate_bad_row(path, width) or (
            f"malformed CSV: a row has {m.group(2)} fields where the header has {m.group(1)} "
            "(truncated or wrongly delimited row)"
        )
    return f"malformed CSV: {text.splitlines()[0]}"


def _locate_bad_utf8(path: Path) -> str:
    lines = 0
    carry = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1  # a character never straddles a line break
            try:
                data[:cut].decode("utf-8")
            except UnicodeDecodeError as exc:
                return not_utf8(data, exc.start, lines)
            lines += data.count(b"\n", 0, cut)
            carry = data[cut:]
    try:
        carry.decode("utf-8")
    except UnicodeDecodeError as exc:
        return not_utf8(carry, exc.start, lines)
    return "unreadable encoding: not UTF-8"


def _locate_bad_row(path: Path, width: int) -> str | None:
    """The first data row whose field count differs from the header's, described."""
    for row, fields in enumerate(data_rows(path), 1):
        if len(fields) == width:
            continue
        lines = max(f.count("\n") for f in fields) + 1
        why = (
            f"a quoted cell spans {lines:,} lines: a quote that is never closed?"
            if lines > 1
            else "wrongly delimited row, or a comma in an unquoted cell"
        )
        return (
            f"row {row}: malformed CSV: {len(fields)} fields where the header has {width} ({why})"
        )
    return None


def _locate_long_row(path: Path, header: list[str]) -> str | None:
    """The first data row too long to parse, and its longest cell's column."""
    for row, fields in enumerate(data_rows(path), 1):
        if sum(map(len, fields)) + len(fields) < BLOCK_BYTES:
            continue
        longest = max(range(len(fields)), key=lambda i: len(fields[i]))
        column = header[longest] if longest < len(header) else f"column {longest + 1}"
        return (
            f"row {row}: {column} cell too long ({len(fields[longest]):,} characters; "
            f"a row of a day file must be shorter than {BLOCK_BYTES >> 20} MiB)"
        )
    return None
