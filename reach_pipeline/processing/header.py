"""What a CSV day file must show before any reader parses it: a usable header, a first data
row, and a last row that ends with a newline."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ReachInputError
from .observations import REQUIRED_COLUMNS

HEAD_BYTES = 1 << 16
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Header:
    columns: list[str]  # the header's names, stripped
    first_line: str  # the first data row's line (raw, without its newline)


def read_header(path: Path) -> Header:
    """The header and the first data line; raise for a file no reader can use."""
    head = _head(path)
    text = _decode(path, head)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ReachInputError(path, "file is empty")
    columns = [h.strip() for h in next(csv.reader([lines[0]]))]
    if len(columns) < 2:
        raise ReachInputError(
            path, "not a comma-separated file (the header has one column; wrong delimiter?)"
        )
    check_columns(path, columns)
    # Blank lines are no rows (the parser skips them): the first data line is the first
    # line with something on it.
    first = next((line for line in lines[1:] if line.strip()), "")
    if not first:
        raise ReachInputError(path, "header only, no data rows")
    return Header(columns, first)


def check_columns(path: Path, columns: list[str]) -> None:
    """Every required column present, and none of them twice.

    A required column given twice fails: the parser would silently read one of the two.
    A column we do not read may repeat; it changes nothing in the product.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ReachInputError(path, f"missing required column(s): {', '.join(missing)}")
    twice = [c for c in REQUIRED_COLUMNS if columns.count(c) > 1]
    if twice:
        where = "; ".join(
            f"{c!r} at columns {', '.join(str(i + 1) for i, h in enumerate(columns) if h == c)}"
            for c in twice
        )
        raise ReachInputError(path, f"duplicate column name(s) in the header: {where}")


def check_final_newline(path: Path) -> None:
    """A download cut short ends mid-row: the last byte of a complete file is a newline."""
    with open(path, "rb") as fh:
        fh.seek(-1, 2)
        if fh.read(1) in (b"\n", b"\r"):
            return
    raise ReachInputError(
        path,
        f"row {_count_rows(path)}: the file does not end with a newline: truncated download?",
    )


def _count_rows(path: Path) -> int:
    """Data rows, as the parser counts them (blank lines are none). Error path only."""
    return sum(1 for _ in data_rows(path))


def data_rows(path: Path) -> Iterator[list[str]]:
    """The data rows' fields, read with the csv module; blank lines skipped. Error path only:
    it reads the whole file in Python."""
    csv.field_size_limit(1 << 30)  # a runaway quote makes one field of the rest of the file
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        yield from (fields for fields in reader if fields)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise ReachInputError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if head.startswith(_UTF16_BOMS):
        raise ReachInputError(path, "unreadable encoding: UTF-16 (the day file must be UTF-8)")
    if b"\x00" in head:
        raise ReachInputError(path, "unreadable encoding: binary data (NUL bytes), not a CSV")
    return head


def _decode(path: Path, head: bytes) -> str:
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The 64 KiB cut may split a character; only fail on an error well before the end.
        if exc.start < len(head) - 4:
            raise ReachInputError(path, not_utf8(head, exc.start)) from exc
        return head[: exc.start].decode("utf-8-sig")


def not_utf8(data: bytes, start: int, line_offset: int = 0) -> str:
    """The problem for a byte that is not UTF-8 at ``data[start]``."""
    line = line_offset + data.count(b"\n", 0, start) + 1
    return f"unreadable encoding: not UTF-8 (byte 0x{data[start]:02x} on line {line})"
