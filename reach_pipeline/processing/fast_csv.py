"""The fast CSV reader, for the layout the download tool writes.

One object per ``seoList`` cell and ``senPos`` a 3-list, both quoted: pyarrow's
multi-threaded parser, with quoting off, splits those cells at their inner commas
(``fast_layout``), and the values are cut out of fixed prefixes with Arrow compute, so no
per-row Python runs at all. A file not in that layout, or with anything the general reader
would judge differently, is declined (``None``) and left to the general reader.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .converters import TIMESTAMP, blank_strings_to_null, floats, times
from .csv_diagnosis import BLOCK_BYTES
from .fast_layout import Layout, Piece, layout
from .observations import LABEL_COLUMNS, NUMERIC_COLUMNS, TIME_COLUMNS, Labels, Observations

_DICT = pa.dictionary(pa.int32(), pa.string())
# A real token of a seoList/senPos cell is under 60 characters.
_MAX_TOKEN_CHARS = 256
_NUMBERS = ("value", "x", "y", "z")
_LABELLED = ("quality", "description")  # dictionary-encoded tokens
_NO_STOP = 1 << 30  # "to the end": binary_slice wants a number; tokens are short


def read_fast_csv(path: Path, header: list[str], first_line: str) -> Observations | None:
    """The file's observations, or None (declined) when it is not in the expected layout."""
    where = layout(header, first_line)
    if where is None:
        return None
    table = _parse(path, where)
    if table is None or table.num_rows == 0:
        return None
    obs = _observations(path, table, where)
    del table
    # Arrow's allocator keeps freed pages for reuse, and nothing after this point allocates
    # through Arrow: hand the parsed table's memory back, lowering the day's peak.
    pa.default_memory_pool().release_unused()
    return obs


def _parse(path: Path, where: Layout) -> pa.Table | None:
    """Parse with quoting off, converting only the tokens we read."""
    types = {c: pa.float64() for c in NUMERIC_COLUMNS}
    types |= {c: TIMESTAMP for c in TIME_COLUMNS}
    # Every token of the seoList cell is converted, so that a byte the general reader
    # rejects (not UTF-8) in obType or obUoM fails the parse here too.
    types |= {c: _DICT for c in (*LABEL_COLUMNS, *where.seo_tokens)}
    for key, piece in where.pieces.items():
        if key in _LABELLED:
            types[piece.token] = _DICT  # few distinct values: encoded while converting
        elif piece.bare:
            types[piece.token] = pa.float64()  # the parser trims white space off numbers
        else:
            types[piece.token] = pa.string()
    try:
        return pv.read_csv(
            path,
            # 1 MiB blocks (Arrow's default): measured faster than larger ones, less CPU
            # too; a block is parsed and converted while it is still in the cache.
            read_options=pv.ReadOptions(
                column_names=where.names, skip_rows=1, block_size=BLOCK_BYTES
            ),
            parse_options=pv.ParseOptions(quote_char=False, double_quote=False),
            convert_options=pv.ConvertOptions(
                include_columns=list(types), column_types=types, strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None


def _plain(table: pa.Table, where: Layout) -> bool:
    """Nothing the general reader would see differently: no absurdly long token, no NUL
    in the seoList cell (it cannot be parsed), no quote in a label (it would unquote it)."""
    for name in {*where.seo_tokens, *(p.token for p in where.pieces.values())}:
        col = table.column(name)
        if not pa.types.is_dictionary(col.type):
            continue  # numbers; a number token's length is checked as it converts (_numbers)
        text = _distinct_text(col)
        if (pc.max(pc.binary_length(text)).as_py() or 0) > _MAX_TOKEN_CHARS:
            return False
        if pc.any(pc.match_substring(text, "\x00")).as_py():
            return False
    return not any(
        pc.any(pc.match_substring(_distinct_text(table.column(c)), '"')).as_py()
        for c in LABEL_COLUMNS
    )


def _distinct_text(col: pa.ChunkedArray) -> pa.Array:
    """A string column's values, or a dictionary column's distinct ones."""
    if pa.types.is_dictionary(col.type):
        return pa.chunked_array([c.dictionary for c in col.chunks], col.type.value_type)
    return col


def _observations(path: Path, table: pa.Table, where: Layout) -> Observations | None:
    pieces = where.pieces
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow and numpy release the GIL
        plain = pool.submit(_plain, table, where)
        pending = {k: pool.submit(_numbers, table, pieces[k]) for k in _NUMBERS}
        labels = {name: Labels.from_arrow(table.column(name)) for name in LABEL_COLUMNS}
        cut = {k: _cut_labels(table.column(pieces[k].token), pieces[k]) for k in _LABELLED}
        quality = None if cut["quality"] is None else label_numbers(cut["quality"])
        numbers = {k: future.result() for k, future in pending.items()}
    if not plain.result() or quality is None or cut["description"] is None:
        return None
    if any(v is None for v in numbers.values()):
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


def _cut_labels(col: pa.ChunkedArray, piece: Piece) -> pa.DictionaryArray | None:
    """A dictionary token's values cut out of their prefix and suffix, still encoded."""
    col = col.combine_chunks()
    if col.null_count:
        return None
    cut = _cut(col.dictionary, piece)
    if cut is None or pc.any(pc.match_substring_regex(cut, "['\"]")).as_py():
        return None  # a value quoted differently from the first row's
    return pa.DictionaryArray.from_arrays(col.indices, cut)


def label_numbers(col: pa.DictionaryArray) -> np.ndarray | None:
    """A dictionary column of numbers (obQuality: '0', '16'): converted once per value."""
    try:
        values = floats(pc.cast(blank_strings_to_null(col.dictionary), pa.float64()))
    except pa.ArrowInvalid:
        return None
    return values[col.indices.to_numpy(zero_copy_only=False)]


def _numbers(table: pa.Table, piece: Piece) -> np.ndarray | None:
    """A number token as float64 (NaN for null, None, blank); None if one is no number."""
    col = table.column(piece.token)
    if pa.types.is_floating(col.type):
        return floats(col)
    col = col.combine_chunks()
    if (pc.max(pc.binary_length(col)).as_py() or 0) > _MAX_TOKEN_CHARS:
        return None  # a token no real cell has: the general reader says what it is
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


def _cut(col: pa.Array, piece: Piece) -> pa.Array | None:
    """The text between a piece's prefix and suffix, or None if any row lacks them."""
    if col.null_count or not (
        pc.all(pc.starts_with(col, piece.prefix)).as_py()
        and pc.all(pc.ends_with(col, piece.suffix)).as_py()
    ):
        return None
    # Prefix and suffix are the same bytes in every row: cut bytes, without decoding.
    start, stop = len(piece.prefix.encode()), len(piece.suffix.encode())
    cut = pc.binary_slice(col.view(pa.binary()), start, -stop if stop else _NO_STOP)
    return cut.view(pa.string())
