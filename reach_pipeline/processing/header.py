"""What a CSV day file must show before any reader parses it: a usable header and a first
data row."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import ReachInputError
from .observations import REQUIRED_COLUMNS

HEAD_BYTES = 1 << 16


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
    first = lines[1] if len(lines) > 1 else ""
    if not first.strip():
        raise ReachInputError(path, "header only, no data rows")
    return Header(columns, first)


def check_columns(path: Path, columns: list[str]) -> None:
    """Every required column present."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ReachInputError(path, f"missing required column(s): {', '.join(missing)}")


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
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
