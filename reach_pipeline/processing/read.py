"""Read one UDL day file (CSV or JSON) into ``Observations``: which reader, in what order.

A CSV goes to the fast reader (``fast_csv``) first; what it declines goes to the general
one (``general_csv``). JSON has its own (``udl_json``). All of them raise
``ReachInputError`` for bad input.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import ReachInputError
from .fast_csv import read_fast_csv
from .general_csv import read_general_csv
from .header import read_header
from .observations import Observations
from .udl_json import read_json

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".csv", ".json")


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
        return read_json(path)
    header = read_header(path)
    if fast:
        obs = read_fast_csv(path, header.columns, header.first_line)
        if obs is not None:
            return obs
        log.info("%s: fast reader declined, using the general reader", path)
    return read_general_csv(path, header.columns)
