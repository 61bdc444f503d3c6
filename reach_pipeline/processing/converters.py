"""Turning text (Arrow columns, or values one by one) into numbers and times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ReachInputError, excerpt

TIMESTAMP = pa.timestamp("ns", tz="UTC")
MISSING_WORDS = ("", "none", "null")


def number(v) -> float:
    """One value as a float: None and the missing words are NaN.

    Raises TypeError (booleans, containers), ValueError (text that is no number) or
    OverflowError (an integer too large for a float).
    """
    if v is None or (isinstance(v, str) and v.strip().lower() in MISSING_WORDS):
        return np.nan
    if isinstance(v, bool):
        raise TypeError("boolean")
    return float(v)


def floats(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric Arrow column as float64, NaN where null."""
    if col.null_count:
        col = pc.fill_null(col, np.nan)
    return col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def blank_strings_to_null(col: pa.Array) -> pa.Array:
    """``None``/``null``/blank (any case) become nulls, so a cast to float gives NaN."""
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    missing = pc.is_in(pc.utf8_lower(col), value_set=pa.array(list(MISSING_WORDS)))
    return pc.if_else(missing, pa.scalar(None, pa.string()), col)


def times(path: Path, col, name: str, *, required: bool, unit: str = "row") -> np.ndarray:
    """A timestamp column as int64 ns; blanks fail when ``required``, else int64 min."""
    nulls = col.null_count
    if nulls and required:
        first = pc.index(pc.is_null(col), True).as_py()
        raise ReachInputError(path, f"{unit} {first + 1}: {name} is blank or NaN")
    ns = pc.cast(col, pa.int64())
    if nulls:
        ns = pc.fill_null(ns, np.iinfo(np.int64).min)
    return ns.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def place_number(path: Path, where: str, name: str, v) -> float:
    """``number(v)``, or a ReachInputError naming the place and the value."""
    try:
        return number(v)
    except OverflowError as exc:
        raise ReachInputError(
            path, f"{where}: {name} {excerpt(v)} is too large for a number"
        ) from exc
    except (TypeError, ValueError) as exc:
        raise ReachInputError(path, f"{where}: {name} {excerpt(v)} is not a number") from exc


def column_floats(path: Path, unit: str, name: str, values: list) -> np.ndarray:
    """Values one by one as floats; the first that is no number fails, naming its place."""
    return np.array(
        [place_number(path, f"{unit} {i + 1}", name, v) for i, v in enumerate(values)],
        dtype=np.float64,
    )


def column_times(path: Path, unit: str, name: str, values: list, *, required: bool) -> np.ndarray:
    """ISO 8601 texts as int64 ns; the first that does not parse fails, naming its place."""
    try:
        ts = pc.cast(pa.array(values, pa.string()), TIMESTAMP)
    except pa.ArrowInvalid:
        for i, v in enumerate(values):
            if v is None:
                continue
            try:
                pc.cast(pa.array([v], pa.string()), TIMESTAMP)
            except pa.ArrowInvalid as exc:
                raise ReachInputError(
                    path,
                    f"{unit} {i + 1}: {name} {excerpt(v)} is not an ISO 8601 UTC time "
                    "(between the years 1678 and 2261)",
                ) from exc
        raise
    return times(path, ts, name, required=required, unit=unit)
