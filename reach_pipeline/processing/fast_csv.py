"""The fast CSV reader, for the layout the download tool writes.

One object per ``seoList`` cell and ``senPos`` a 3-list, both quoted: pyarrow's
multi-threaded parser, with quoting off, splits those cells at their inner commas; the
values are then cut out of fixed-width prefixes, so no per-row Python runs at all. Any
file not in that layout is declined (``None``) and left to the general reader.
"""

from __future__ import annotations

import csv
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .converters import TIMESTAMP, blank_strings_to_null, floats, times
from .observations import LABEL_COLUMNS, NUMERIC_COLUMNS, TIME_COLUMNS, Labels, Observations

_DICT = pa.dictionary(pa.int32(), pa.string())
_SCALARS = (*NUMERIC_COLUMNS, *TIME_COLUMNS, *LABEL_COLUMNS)
# A real token of a seoList/senPos cell is under 60 characters.
_MAX_TOKEN_CHARS = 256


@dataclass
class _Piece:
    """Where one value sits in the unquoted token stream: token index, text around it."""

    token: int
    prefix: str
    suffix: str


def read_fast_csv(path: Path, header: list[str], first_line: str) -> Observations | None:
    """Parse with quoting off, so pyarrow splits seoList/senPos at their commas.

    Returns None (decline) when the file is not in the download tool's layout.
    """
    try:
        cells = next(csv.reader([first_line]))
    except csv.Error:
        return None
    if len(cells) != len(header):
        return None
    raw = first_line.rstrip("\r").split(",")
    # Token index of each column's first token when quoting is off.
    starts, names, pos = {}, [], 0
    for name, cell in zip(header, cells, strict=True):
        width = cell.count(",") + 1
        starts[name] = pos
        names.extend(f"{name}#{k}" if width > 1 else name for k in range(width))
        pos += width
    if pos != len(raw):
        return None
    if any(cells[header.index(c)].count(",") for c in _SCALARS):
        return None
    seo = _seo_pieces(raw, starts["seoList"], cells[header.index("seoList")])
    sen = _senpos_pieces(raw, starts["senPos"], cells[header.index("senPos")])
    if seo is None or sen is None:
        return None
    pieces = {**seo, **sen}
    # Every token of the seoList cell is converted, not only the three values, so that a
    # byte the general reader rejects (not UTF-8, NUL) in obType or obUoM makes us decline.
    seo_width = cells[header.index("seoList")].count(",") + 1
    seo_tokens = names[starts["seoList"] : starts["seoList"] + seo_width]
    keep = sorted({names[p.token] for p in pieces.values()} | {*seo_tokens, *_SCALARS})
    types = {c: pa.float64() for c in NUMERIC_COLUMNS}
    types |= {c: TIMESTAMP for c in TIME_COLUMNS}
    types |= {c: _DICT for c in (*LABEL_COLUMNS, *seo_tokens)}
    types |= {names[p.token]: pa.string() for p in pieces.values()}
    # Few distinct values: let the parser dictionary-encode them while it converts.
    types |= {names[pieces[k].token]: _DICT for k in ("quality", "description")}
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pv.ParseOptions(quote_char=False, double_quote=False),
            convert_options=pv.ConvertOptions(
                include_columns=keep, column_types=types, strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    tokens = {*seo_tokens, *(names[p.token] for p in pieces.values())}
    if any(_longest(table.column(name)) > _MAX_TOKEN_CHARS for name in tokens):
        return None  # an absurd cell: the general reader says what is wrong with it
    for name in seo_tokens:
        col = table.column(name).combine_chunks()
        if (
            pa.types.is_dictionary(col.type)
            and pc.any(pc.match_substring(col.dictionary, "\x00")).as_py()
        ):
            return None
    labels = {}
    for name in LABEL_COLUMNS:
        col = table.column(name).combine_chunks()
        if any('"' in v for v in col.dictionary.to_pylist()):
            return None  # a quoted label: let the general reader unquote it
        labels[name] = Labels.from_arrow(col)
    cut = {}
    for key in ("quality", "description"):
        col = table.column(names[pieces[key].token]).combine_chunks()
        if col.null_count:
            return None
        sliced = _cut(col.dictionary, pieces[key])
        if sliced is None or any(q in v for v in sliced.to_pylist() for q in "'\""):
            return None  # a value quoted differently from the first row's
        cut[key] = pa.DictionaryArray.from_arrays(col.indices, sliced)
    with ThreadPoolExecutor(max_workers=2) as pool:
        numbers = dict(
            zip(
                ("value", "x", "y", "z"),
                pool.map(
                    lambda k: _cut_floats(table.column(names[pieces[k].token]), pieces[k]),
                    ("value", "x", "y", "z"),
                ),
                strict=True,
            )
        )
    if any(v is None for v in numbers.values()):
        return None
    try:
        quality = floats(pc.cast(blank_strings_to_null(cut["quality"]), pa.float64()))
    except pa.ArrowInvalid:
        return None
    n = table.num_rows
    return Observations(
        records=n,
        row=np.arange(1, n + 1, dtype=np.int64),
        id_sensor=labels["idSensor"],
        observatory=labels["observatoryName"],
        ob_time=times(path, table.column("obTime"), "obTime", required=True),
        created_at=times(path, table.column("createdAt"), "createdAt", required=False),
        value=numbers["value"],
        quality=quality,
        description=Labels.from_arrow(cut["description"]),
        lat=floats(table.column("lat")),
        lon=floats(table.column("lon")),
        alt=floats(table.column("alt")),
        pos_x=numbers["x"],
        pos_y=numbers["y"],
        pos_z=numbers["z"],
        descriptor=labels["descriptor"],
    )


def _longest(col: pa.ChunkedArray) -> int:
    """The length of the longest value of a string or dictionary column."""
    col = col.combine_chunks()
    values = col.dictionary if pa.types.is_dictionary(col.type) else col
    return pc.max(pc.binary_length(values)).as_py() or 0


def _cut(col: pa.Array, piece: _Piece) -> pa.Array | None:
    """The text between a piece's prefix and suffix, or None if any row lacks them."""
    if col.null_count or not (
        pc.all(pc.starts_with(col, piece.prefix)).as_py()
        and pc.all(pc.ends_with(col, piece.suffix)).as_py()
    ):
        return None
    stop = -len(piece.suffix) if piece.suffix else None
    return pc.utf8_slice_codeunits(col, len(piece.prefix), stop)


def _cut_floats(col: pa.ChunkedArray, piece: _Piece) -> np.ndarray | None:
    col = col.combine_chunks()
    text = _cut(col, piece)
    if text is None:
        return None
    try:
        return floats(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:
        pass
    try:  # slow path: None/null/blank spelled out, stray spaces
        return floats(pc.cast(blank_strings_to_null(pc.utf8_trim_whitespace(text)), pa.float64()))
    except pa.ArrowInvalid:
        return None


_KEY = re.compile(r"""^(\s*(?:"?\[)?\{?\s*("{1,2}|')(\w+)\2\s*:\s*("{1,2}|'|))(.*?)(\4\}?\]?"?)$""")


def _seo_pieces(raw: list[str], start: int, cell: str) -> dict[str, _Piece] | None:
    """Locate obValue, obQuality and obDescription in a one-object seoList cell."""
    width = cell.count(",") + 1
    if cell.count("{") != 1:
        return None
    found: dict[str, _Piece] = {}
    wanted = {"obValue": "value", "obQuality": "quality", "obDescription": "description"}
    for k in range(width):
        token = raw[start + k]
        m = _KEY.match(token)
        if m is None:
            continue
        key = m.group(3)
        if key == "obDescription" and not m.group(4):
            return None  # not a quoted string (None, a number): the general reader decides
        if key in wanted:
            found[wanted[key]] = _Piece(start + k, m.group(1), m.group(6))
    return found if len(found) == 3 else None


def _senpos_pieces(raw: list[str], start: int, cell: str) -> dict[str, _Piece] | None:
    """Locate the three numbers of a senPos cell like ``"[x, y, z]"``."""
    if cell.count(",") != 2:
        return None
    tokens = raw[start : start + 3]
    out = {}
    for axis, token in zip("xyz", tokens, strict=True):
        m = re.match(r"^(\s*\"?\[?\s*)([^\s\]\[\"]+)(\s*\]?\"?)$", token)
        if m is None:
            return None
        out[axis] = _Piece(start + "xyz".index(axis), m.group(1), m.group(3))
    return out
