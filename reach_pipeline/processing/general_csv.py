"""The general CSV reader: proper CSV quoting, then every record's cells one by one.

It reads anything the fast reader declines (other quoting, several objects in a cell, odd
spacing) and is the one that names the bad row when a cell cannot be used.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv

from .csv_diagnosis import BLOCK_BYTES, describe_arrow_error
from .errors import ReachInputError
from .from_cells import observations_from_cells
from .observations import REQUIRED_COLUMNS, Observations


def read_general_csv(path: Path, header: list[str]) -> Observations:
    """Parse the CSV with proper quoting; build the observations from its cells."""
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=pv.ParseOptions(newlines_in_values=True),
            convert_options=pv.ConvertOptions(
                include_columns=list(REQUIRED_COLUMNS),
                column_types={c: pa.string() for c in REQUIRED_COLUMNS},
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ReachInputError(path, describe_arrow_error(path, header, exc)) from exc
    if table.num_rows == 0:
        raise ReachInputError(path, "header only, no data rows")
    cols = {c: table.column(c).to_pylist() for c in REQUIRED_COLUMNS}
    del table
    _reject_repeated_header(path, cols)
    return observations_from_cells(path, cols, unit="row")


def _reject_repeated_header(path: Path, cols: dict[str, list]) -> None:
    """The header row again as a data row (two downloads concatenated, say)."""
    for i, t in enumerate(cols["obTime"]):
        if (
            t is not None
            and t.strip() == "obTime"
            and (cols["seoList"][i] or "").strip() == "seoList"
        ):
            if len(cols["obTime"]) == 1:
                raise ReachInputError(path, "header only, no data rows (the header is repeated)")
            raise ReachInputError(path, f"row {i + 1}: the header row is repeated inside the data")
