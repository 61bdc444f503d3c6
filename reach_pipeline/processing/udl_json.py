"""The JSON reader: a UDL JSON day file is a list of records (objects)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cells import mark_duplicated_keys, twice_problem
from .errors import ReachInputError
from .from_cells import observations_from_cells
from .observations import REQUIRED_COLUMNS, Observations

_CELLS = ("seoList", "senPos")  # kept as they are: text or an already parsed list


def read_json(path: Path) -> Observations:
    """Load the records, check their shape, build the observations from their fields."""
    records = _load(path)
    missing = [c for c in REQUIRED_COLUMNS if not any(c in rec for rec in records[:100])]
    if missing:
        raise ReachInputError(path, f"missing required field(s): {', '.join(missing)}")
    cols = {
        c: [rec.get(c) if c in _CELLS else _stringify(rec.get(c)) for rec in records]
        for c in REQUIRED_COLUMNS
    }
    return observations_from_cells(path, cols, unit="record")


def _load(path: Path) -> list[dict]:
    data = _parse(path)
    if not isinstance(data, list):
        raise ReachInputError(
            path, f"a UDL JSON file must hold a list of records, not a {type(data).__name__}"
        )
    if not data:
        raise ReachInputError(path, "no records (an empty JSON list)")
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise ReachInputError(path, f"record {i + 1} is not an object")
        problem = twice_problem(rec, REQUIRED_COLUMNS)
        if problem:
            raise ReachInputError(path, f"record {i + 1}: {problem}")
    return data


def _parse(path: Path):
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise ReachInputError(path, "unreadable encoding: not UTF-8") from exc
    try:
        return json.loads(text, object_pairs_hook=mark_duplicated_keys)
    except json.JSONDecodeError as exc:
        if not text.rstrip().endswith("]"):  # a list of records ends with its bracket
            raise ReachInputError(
                path,
                "not valid JSON: the file ends before the JSON does (truncated download?); "
                f"{exc.msg} at line {exc.lineno}",
            ) from exc
        raise ReachInputError(path, f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise ReachInputError(path, "not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # int() of a number beyond the integer digit limit
        raise ReachInputError(
            path,
            "not valid JSON: a number with more digits than Python reads "
            f"(more than {sys.get_int_max_str_digits():,})",
        ) from exc


def _stringify(v) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)
