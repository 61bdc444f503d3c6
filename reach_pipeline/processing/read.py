"""Read one UDL day file (CSV or JSON) into column arrays, one entry per observation.

Two CSV readers produce the same ``Observations``:

* the fast reader handles the layout the download tool writes (one object per ``seoList``
  cell, ``senPos`` a 3-list, both quoted): it lets pyarrow's multi-threaded CSV parser split
  those cells at their inner commas, then cuts the values out of fixed-width prefixes, so no
  per-row Python runs at all;
* the general reader parses the CSV properly and the cells one by one where it must. It
  handles anything the fast reader declines (other quoting, several objects in a cell, odd
  spacing) and is the one that names the bad row when a cell cannot be parsed.
"""

from __future__ import annotations

import ast
import csv
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .errors import ReachInputError

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "idSensor",
    "observatoryName",
    "obTime",
    "createdAt",
    "seoList",
    "senPos",
    "lat",
    "lon",
    "alt",
    "descriptor",
)
SUPPORTED_SUFFIXES = (".csv", ".json")
_TS = pa.timestamp("ns", tz="UTC")
_DICT = pa.dictionary(pa.int32(), pa.string())
_NUMERIC = ("lat", "lon", "alt")
_TIMES = ("obTime", "createdAt")
_LABELS = ("idSensor", "observatoryName", "descriptor")


@dataclass
class Labels:
    """A text column as codes into a list of distinct names; code -1 means blank."""

    codes: np.ndarray  # int32
    names: list[str]

    @classmethod
    def from_arrow(cls, col: pa.Array | pa.ChunkedArray) -> Labels:
        """Dictionary-encode, trim whitespace, merge names equal after trimming."""
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col)
        raw = [None if v is None else v.strip() for v in col.dictionary.to_pylist()]
        names = sorted({v for v in raw if v})
        where = {name: i for i, name in enumerate(names)}
        remap = np.array([where[v] if v else -1 for v in raw] + [-1], dtype=np.int32)
        idx = pc.fill_null(col.indices, len(raw)).to_numpy(zero_copy_only=False)
        return cls(remap[idx], names)

    @classmethod
    def from_list(cls, values: list[str | None]) -> Labels:
        return cls.from_arrow(pa.array(values, pa.string()))

    def take(self, idx: np.ndarray) -> Labels:
        return Labels(self.codes[idx], self.names)


@dataclass
class Observations:
    """One entry per (record, seoList object). ``row`` is the 1-based data row it came from."""

    records: int  # data rows in the file
    row: np.ndarray  # int64
    id_sensor: Labels
    observatory: Labels
    ob_time: np.ndarray  # int64 ns since the Unix epoch, UTC
    created_at: np.ndarray  # int64 ns, int64 min where blank
    value: np.ndarray  # float64, NaN where missing
    quality: np.ndarray  # float64, NaN where missing
    description: Labels
    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    pos_x: np.ndarray
    pos_y: np.ndarray
    pos_z: np.ndarray
    descriptors: list[str]  # distinct non-blank descriptor values, sorted


def read_observations(path: Path, *, fast: bool = True) -> Observations:
    """Read ``path`` (``.csv`` or ``.json``); raise ``ReachInputError`` for bad input."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReachInputError(
            path, f"unsupported extension {path.suffix!r} (expected .csv or .json)"
        )
    if not path.is_file():
        raise ReachInputError(path, "file not found")
    if path.stat().st_size == 0:
        raise ReachInputError(path, "file is empty")
    if suffix == ".json":
        return _read_json(path)
    header, first_line = _read_header(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ReachInputError(path, f"missing required column(s): {', '.join(missing)}")
    if not first_line.strip():
        raise ReachInputError(path, "header only, no data rows")
    if fast:
        table = _fast_csv(path, header, first_line)
        if table is not None:
            return table
        log.info("%s: fast reader declined, using the general reader", path)
    return _general_csv(path, header)


# ---------------------------------------------------------------------------- header


def _read_header(path: Path) -> tuple[list[str], str]:
    """The header's column names and the first data line (raw, without its newline)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if b"\x00" in head:
        raise ReachInputError(path, "unreadable encoding: binary data (NUL bytes), not a CSV")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The 64 KiB cut may split a character; only fail on an error well before the end.
        if exc.start < len(head) - 4:
            raise ReachInputError(path, _not_utf8(head, exc.start)) from exc
        text = head[: exc.start].decode("utf-8-sig")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ReachInputError(path, "file is empty")
    header = next(csv.reader([lines[0]]))
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise ReachInputError(
            path, "not a comma-separated file (the header has one column; wrong delimiter?)"
        )
    first = lines[1] if len(lines) > 1 else ""
    return header, first


# ------------------------------------------------------------------------- fast path


@dataclass
class _Piece:
    """Where one value sits in the unquoted token stream: token index, text around it."""

    token: int
    prefix: str
    suffix: str


def _fast_csv(path: Path, header: list[str], first_line: str) -> Observations | None:
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
    if any(cells[header.index(c)].count(",") for c in (*_NUMERIC, *_TIMES, *_LABELS)):
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
    keep = sorted(
        {names[p.token] for p in pieces.values()} | {*seo_tokens, *_NUMERIC, *_TIMES, *_LABELS}
    )
    types = {c: pa.float64() for c in _NUMERIC}
    types |= {c: _TS for c in _TIMES}
    types |= {c: _DICT for c in (*_LABELS, *seo_tokens)}
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
    for name in seo_tokens:
        col = table.column(name).combine_chunks()
        if (
            pa.types.is_dictionary(col.type)
            and pc.any(pc.match_substring(col.dictionary, "\x00")).as_py()
        ):
            return None
    labels = {}
    for name in _LABELS:
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
        floats = dict(
            zip(
                ("value", "x", "y", "z"),
                pool.map(
                    lambda k: _cut_floats(table.column(names[pieces[k].token]), pieces[k]),
                    ("value", "x", "y", "z"),
                ),
                strict=True,
            )
        )
    if any(v is None for v in floats.values()):
        return None
    try:
        quality = _floats(pc.cast(_blank_strings_to_null(cut["quality"]), pa.float64()))
    except pa.ArrowInvalid:
        return None
    n = table.num_rows
    return Observations(
        records=n,
        row=np.arange(1, n + 1, dtype=np.int64),
        id_sensor=labels["idSensor"],
        observatory=labels["observatoryName"],
        ob_time=_times(path, table.column("obTime"), "obTime", required=True),
        created_at=_times(path, table.column("createdAt"), "createdAt", required=False),
        value=floats["value"],
        quality=quality,
        description=Labels.from_arrow(cut["description"]),
        lat=_floats(table.column("lat")),
        lon=_floats(table.column("lon")),
        alt=_floats(table.column("alt")),
        pos_x=floats["x"],
        pos_y=floats["y"],
        pos_z=floats["z"],
        descriptors=[v for v in labels["descriptor"].names],
    )


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
        return _floats(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:
        pass
    try:  # slow path: None/null/blank spelled out, stray spaces
        return _floats(pc.cast(_blank_strings_to_null(pc.utf8_trim_whitespace(text)), pa.float64()))
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


# ---------------------------------------------------------------------- general path


def _general_csv(path: Path, header: list[str]) -> Observations:
    """Parse the CSV with proper quoting; parse seoList/senPos cells one by one."""
    types = {c: pa.string() for c in REQUIRED_COLUMNS}
    try:
        table = pv.read_csv(
            path,
            parse_options=pv.ParseOptions(newlines_in_values=True),
            convert_options=pv.ConvertOptions(
                include_columns=list(REQUIRED_COLUMNS),
                column_types=types,
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ReachInputError(path, _describe_arrow_error(path, len(header), exc)) from exc
    n = table.num_rows
    if n == 0:
        raise ReachInputError(path, "header only, no data rows")
    if n == 1 and all(
        (table.column(c)[0].as_py() or "").strip() == c for c in ("obTime", "seoList")
    ):
        raise ReachInputError(path, "header only, no data rows (the header is repeated)")
    cols = {c: table.column(c).to_pylist() for c in REQUIRED_COLUMNS}
    _reject_repeated_header(path, cols)

    rows, values, qualities, descriptions, keep = [], [], [], [], []
    for i, cell in enumerate(cols["seoList"]):
        for obj in _parse_seo_cell(path, i + 1, cell):
            keep.append(i)
            rows.append(i + 1)
            values.append(obj[0])
            qualities.append(obj[1])
            descriptions.append(obj[2])
    positions = np.array(
        [_parse_senpos_cell(path, i + 1, cell) for i, cell in enumerate(cols["senPos"])],
        dtype=np.float64,
    ).reshape(n, 3)
    idx = np.asarray(keep, dtype=np.int64)
    lat, lon, alt = (
        _column_floats(path, c, cols[c])[idx] if len(idx) else np.empty(0) for c in _NUMERIC
    )
    ob_time = _column_times(path, "obTime", cols["obTime"], required=True)
    created = _column_times(path, "createdAt", cols["createdAt"], required=False)
    return Observations(
        records=n,
        row=np.asarray(rows, dtype=np.int64),
        id_sensor=Labels.from_list(cols["idSensor"]).take(idx),
        observatory=Labels.from_list(cols["observatoryName"]).take(idx),
        ob_time=ob_time[idx],
        created_at=created[idx],
        value=np.asarray(values, dtype=np.float64),
        quality=np.asarray(qualities, dtype=np.float64),
        description=Labels.from_list(descriptions),
        lat=lat,
        lon=lon,
        alt=alt,
        pos_x=positions[idx, 0],
        pos_y=positions[idx, 1],
        pos_z=positions[idx, 2],
        descriptors=sorted({d.strip() for d in cols["descriptor"] if d and d.strip()}),
    )


def _reject_repeated_header(path: Path, cols: dict[str, list]) -> None:
    for i, t in enumerate(cols["obTime"]):
        if t is not None and t.strip() == "obTime" and cols["seoList"][i] == "seoList":
            raise ReachInputError(path, f"row {i + 1}: the header row is repeated inside the data")


def _parse_seo_cell(path: Path, row: int, cell: str | None) -> list[tuple[float, float, str]]:
    if cell is None or not cell.strip():
        raise ReachInputError(path, f"row {row}: seoList is blank")
    parsed = _literal(cell)
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
        raise ReachInputError(
            path, f"row {row}: cannot parse seoList cell {_excerpt(cell)} (not a list of objects)"
        )
    out = []
    for obj in parsed:
        if "obDescription" not in obj or "obValue" not in obj:
            raise ReachInputError(
                path, f"row {row}: seoList object lacks obValue or obDescription: {_excerpt(cell)}"
            )
        try:
            value = _num(obj.get("obValue"))
            quality = _num(obj.get("obQuality"))
        except (TypeError, ValueError) as exc:
            raise ReachInputError(
                path, f"row {row}: non-numeric obValue/obQuality in seoList {_excerpt(cell)}"
            ) from exc
        desc = obj["obDescription"]
        out.append((value, quality, "" if desc is None else str(desc)))
    return out


def _parse_senpos_cell(path: Path, row: int, cell: str | None) -> tuple[float, float, float]:
    if cell is None or not cell.strip():
        return (np.nan, np.nan, np.nan)
    parsed = _literal(cell)
    try:
        if not isinstance(parsed, list | tuple) or len(parsed) != 3:
            raise ValueError
        return tuple(_num(v) for v in parsed)  # type: ignore[return-value]
    except (TypeError, ValueError) as exc:
        raise ReachInputError(
            path, f"row {row}: cannot parse senPos cell {_excerpt(cell)} (expected [x, y, z])"
        ) from exc


_UNPARSED = object()


def _literal(cell: str):
    """A seoList/senPos cell: JSON (double quotes) or a Python repr (single quotes)."""
    try:
        return json.loads(cell)
    except ValueError:
        pass
    try:
        return ast.literal_eval(cell)
    except (SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNPARSED
    except ValueError:
        pass
    # Python's repr writes nan and inf as bare names, which literal_eval refuses; the fast
    # reader reads them (and null) as numbers, so accept them here too.
    try:
        tree = _NamedConstants().visit(ast.parse(cell.strip(), mode="eval"))
        return ast.literal_eval(tree)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNPARSED


class _NamedConstants(ast.NodeTransformer):
    NAMES = {
        "nan": np.nan,
        "NaN": np.nan,
        "inf": np.inf,
        "Infinity": np.inf,
        "null": None,
    }

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.NAMES:
            return ast.copy_location(ast.Constant(self.NAMES[node.id]), node)
        return node


_MISSING_WORDS = ("", "none", "null")


def _num(v) -> float:
    if v is None or (isinstance(v, str) and v.strip().lower() in _MISSING_WORDS):
        return np.nan
    if isinstance(v, bool):
        raise TypeError("boolean")
    return float(v)


def _excerpt(cell: str, width: int = 60) -> str:
    text = cell if len(cell) <= width else cell[: width - 3] + "..."
    return repr(text)


def _column_floats(path: Path, name: str, values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        try:
            out[i] = _num(v)
        except (TypeError, ValueError) as exc:
            raise ReachInputError(path, f"row {i + 1}: {name} {v!r} is not a number") from exc
    return out


def _column_times(path: Path, name: str, values: list, *, required: bool) -> np.ndarray:
    arr = pa.array(values, pa.string())
    try:
        ts = pc.cast(arr, _TS)
    except pa.ArrowInvalid:
        for i, v in enumerate(values):
            if v is None:
                continue
            try:
                pc.cast(pa.array([v], pa.string()), _TS)
            except pa.ArrowInvalid as exc:
                raise ReachInputError(
                    path, f"row {i + 1}: {name} {v!r} is not an ISO 8601 UTC time"
                ) from exc
        raise
    return _times(path, ts, name, required=required)


# ------------------------------------------------------------------------------ JSON


def _read_json(path: Path) -> Observations:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise ReachInputError(path, "unreadable encoding: not UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise ReachInputError(path, f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(data, list):
        raise ReachInputError(
            path, f"a UDL JSON file must hold a list of records, not a {type(data).__name__}"
        )
    if not data:
        raise ReachInputError(path, "no records (an empty JSON list)")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise ReachInputError(path, f"record {i + 1} is not an object")
    missing = [c for c in REQUIRED_COLUMNS if not any(c in rec for rec in data[:100])]
    if missing:
        raise ReachInputError(path, f"missing required field(s): {', '.join(missing)}")
    cols = {
        c: [_stringify(rec.get(c)) for rec in data]
        for c in REQUIRED_COLUMNS
        if c not in ("seoList", "senPos")
    }
    rows, values, qualities, descriptions, keep = [], [], [], [], []
    positions = np.full((len(data), 3), np.nan)
    for i, rec in enumerate(data):
        seo = rec.get("seoList")
        cell = json.dumps(seo) if not isinstance(seo, str) else seo
        for obj in _parse_seo_cell(path, i + 1, cell):
            keep.append(i)
            rows.append(i + 1)
            values.append(obj[0])
            qualities.append(obj[1])
            descriptions.append(obj[2])
        pos = rec.get("senPos")
        if pos is not None:
            positions[i] = _parse_senpos_cell(
                path, i + 1, json.dumps(pos) if not isinstance(pos, str) else pos
            )
    idx = np.asarray(keep, dtype=np.int64)
    lat, lon, alt = (_column_floats(path, c, cols[c])[idx] for c in _NUMERIC)
    ob_time = _column_times(path, "obTime", cols["obTime"], required=True)
    created = _column_times(path, "createdAt", cols["createdAt"], required=False)
    return Observations(
        records=len(data),
        row=np.asarray(rows, dtype=np.int64),
        id_sensor=Labels.from_list(cols["idSensor"]).take(idx),
        observatory=Labels.from_list(cols["observatoryName"]).take(idx),
        ob_time=ob_time[idx],
        created_at=created[idx],
        value=np.asarray(values, dtype=np.float64),
        quality=np.asarray(qualities, dtype=np.float64),
        description=Labels.from_list(descriptions),
        lat=lat,
        lon=lon,
        alt=alt,
        pos_x=positions[idx, 0],
        pos_y=positions[idx, 1],
        pos_z=positions[idx, 2],
        descriptors=sorted({d.strip() for d in cols["descriptor"] if d and d.strip()}),
    )


def _stringify(v) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


# ------------------------------------------------------------------------- converters


def _floats(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.fill_null(col, np.nan).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _blank_strings_to_null(col: pa.Array) -> pa.Array:
    """``None``/``null``/blank (any case) become nulls, so a cast to float gives NaN."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    missing = pc.is_in(pc.utf8_lower(col), value_set=pa.array(["", "none", "null"]))
    return pc.if_else(missing, pa.scalar(None, pa.string()), col)


def _times(path: Path, col, name: str, *, required: bool) -> np.ndarray:
    nulls = col.null_count
    if nulls and required:
        first = pc.index(pc.is_null(col), True).as_py()
        raise ReachInputError(path, f"row {first + 1}: {name} is blank or NaN")
    ns = pc.cast(col, pa.int64())
    if nulls:
        ns = pc.fill_null(ns, np.iinfo(np.int64).min)
    return ns.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _describe_arrow_error(path: Path, width: int, exc: pa.ArrowInvalid) -> str:
    """What pyarrow's parse error means, with the row or line it is about.

    Error path only: it may re-read the file with per-row Python to find the place.
    """
    text = str(exc)
    if re.search(r"invalid utf-?8", text, re.IGNORECASE):
        return _locate_bad_utf8(path)
    m = re.search(r"Expected (\d+) columns, got (\d+)", text)
    if m:
        return _locate_bad_row(path, width) or (
            f"malformed CSV: a row has {m.group(2)} fields where the header has {m.group(1)} "
            "(truncated or wrongly delimited row)"
        )
    return f"malformed CSV: {text.splitlines()[0]}"


def _not_utf8(data: bytes, start: int, line_offset: int = 0) -> str:
    line = line_offset + data.count(b"\n", 0, start) + 1
    return f"unreadable encoding: not UTF-8 (byte 0x{data[start]:02x} on line {line})"


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
                return _not_utf8(data, exc.start, lines)
            lines += data.count(b"\n", 0, cut)
            carry = data[cut:]
    try:
        carry.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(carry, exc.start, lines)
    return "unreadable encoding: not UTF-8"


def _locate_bad_row(path: Path, width: int) -> str | None:
    """The first data row whose field count differs from the header's, described."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        row, bad = 0, None
        for fields in reader:
            if not fields:
                continue  # pyarrow skips blank lines, so they are not rows
            row += 1
            if bad is not None:
                break
            if len(fields) != width:
                bad = (row, len(fields))
        else:
            if bad is not None:
                with open(path, "rb") as raw:
                    raw.seek(-1, 2)
                    if raw.read(1) not in (b"\n", b"\r"):
                        return (
                            f"row {bad[0]}: the file ends in the middle of this row "
                            f"({bad[1]} of {width} fields; truncated download?)"
                        )
    if bad is None:
        return None
    return (
        f"row {bad[0]}: malformed CSV: {bad[1]} fields where the header has {width} "
        "(wrongly delimited row, or a comma in an unquoted cell)"
    )
