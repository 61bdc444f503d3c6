"""Where the fast reader finds each value, learnt from the file's first data row.

With quoting off, a ``seoList`` cell ``"[{'obType': ..., 'obValue': 1e-05, ...}]"`` and a
``senPos`` cell ``"[x, y, z]"`` split at their commas into tokens; each value we read sits
in one token between a fixed prefix and suffix (``" 'obValue': "`` and ``""``). The fast
reader assumes every row has the first row's layout and checks it on every row.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from .observations import LABEL_COLUMNS, NUMERIC_COLUMNS, TIME_COLUMNS

SCALAR_COLUMNS = (*NUMERIC_COLUMNS, *TIME_COLUMNS, *LABEL_COLUMNS)
_SEO_KEYS = {"obValue": "value", "obQuality": "quality", "obDescription": "description"}
_KEY = re.compile(r"""^(\s*(?:"?\[)?\{?\s*("{1,2}|')(\w+)\2\s*:\s*("{1,2}|'|))(.*?)(\4\}?\]?"?)$""")
_NUMBER = re.compile(r"^(\s*\"?\[?\s*)([^\s\]\[\"]+)(\s*\]?\"?)$")


@dataclass(frozen=True)
class Piece:
    """One value: the token column that holds it and the fixed text around it."""

    token: str
    prefix: str
    suffix: str

    @property
    def bare(self) -> bool:
        """Only white space around the value: the CSV parser can convert the token."""
        return not self.prefix.strip() and not self.suffix.strip()


@dataclass(frozen=True)
class Layout:
    names: list[str]  # one per token, in file order: "lat", "seoList#2", ...
    pieces: dict[str, Piece]  # value, quality, description, x, y, z
    seo_tokens: list[str]  # every token of the seoList cell


def layout(header: list[str], first_line: str) -> Layout | None:
    """The token layout of ``first_line``; None when the file is not in the expected form."""
    try:
        cells = next(csv.reader([first_line]))
    except csv.Error:
        return None
    raw = first_line.rstrip("\r").split(",")
    if len(cells) != len(header):
        return None
    # Header names may repeat (a column we do not read): count widths per position.
    widths = [cell.count(",") + 1 for cell in cells]
    if sum(widths) != len(raw) or any(widths[header.index(c)] > 1 for c in SCALAR_COLUMNS):
        return None
    names, start = [], {}
    for name, width in zip(header, widths, strict=True):
        start.setdefault(name, len(names))
        names.extend(f"{name}#{k}" if width > 1 else name for k in range(width))
    seo_cell, sen_cell = cells[header.index("seoList")], cells[header.index("senPos")]
    seo = _seo_pieces(raw, names, start["seoList"], seo_cell)
    sen = _senpos_pieces(raw, names, start["senPos"], sen_cell)
    if seo is None or sen is None:
        return None
    seo_tokens = names[start["seoList"] : start["seoList"] + seo_cell.count(",") + 1]
    return Layout(names, {**seo, **sen}, seo_tokens)


def _seo_pieces(raw: list[str], names: list[str], start: int, cell: str) -> dict | None:
    """Locate obValue, obQuality and obDescription in a one-object seoList cell."""
    if cell.count("{") != 1:
        return None
    found: dict[str, Piece] = {}
    for k in range(start, start + cell.count(",") + 1):
        m = _KEY.match(raw[k])
        if m is None or m.group(3) not in _SEO_KEYS:
            continue
        if m.group(3) == "obDescription" and not m.group(4):
            return None  # not a quoted string (None, a number): the general reader decides
        found[_SEO_KEYS[m.group(3)]] = Piece(names[k], m.group(1), m.group(6))
    return found if len(found) == 3 else None


def _senpos_pieces(raw: list[str], names: list[str], start: int, cell: str) -> dict | None:
    """Locate the three numbers of a senPos cell like ``"[x, y, z]"``."""
    if cell.count(",") != 2:
        return None
    out = {}
    for k, axis in enumerate("xyz", start):
        m = _NUMBER.match(raw[k])
        if m is None:
            return None
        out[axis] = Piece(names[k], m.group(1), m.group(3))
    return out
