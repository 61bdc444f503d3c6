"""Read one UDL day file (CSV or JSON) into ``Observations``: which reader, in what order.

A CSV goes to the scanned reader (``scanned_csv``, a C scanner) first, then to the fast
reader (``fast_csv``, pyarrow's parser), then to the general one (``general_csv``): each
reads the ordinary layout and declines what it does not recognize, the general one
judges everything. JSON has its own (``udl_json``). All of them raise
``ReachInputError`` for bad input.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import ReachInputError
from .fast_csv import read_fast_csv
from .general_csv import read_general_csv
from .header import check_final_newline, read_header
from .label_rules import check_labels
from .observations import Observations
from .scanned_csv import read_scanned_csv
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
    if path.is_dir():
        raise ReachInputError(path, "is a folder, not a file")
    if not path.is_file():
        raise ReachInputError(path, "file not found")
    if path.stat().st_size == 0:
        raise ReachInputError(path, "file is empty")
    obs = read_json(path) if suffix == ".json" else _read_csv(path, fast=fast)
    check_labels(path, obs)
    return obs


def _read_csv(path: Path, *, fast: bool) -> Observations:
    header = read_header(path)
    check_final_newline(path)
    if fast:
        for reader in (read_scanned_csv, read_fast_csv):
            obs = reader(path, header.columns, header.first_line)
            if obs is not None:
                return obs
        log.info("%s: fast reader declined, using the general reader", path)
    return read_general_csv(path, header.columns)
