"""What a reader produces: one entry per observation (a record's seoList object), as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# pyarrow imports pandas on its first conversion from Python or numpy values (pa.array,
# pa.scalar, fill_null): imported here, with the other heavy modules, that cost stays out
# of the first call and inside a warm fork worker's start-up.
import pandas  # noqa: F401
import pyarrow as pa
import pyarrow.compute as pc

# The fields a UDL record must have; the processor reads these and no others.
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
NUMERIC_COLUMNS = ("lat", "lon", "alt")
TIME_COLUMNS = ("obTime", "createdAt")
LABEL_COLUMNS = ("idSensor", "observatoryName", "descriptor")


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
        idx = col.indices
        if idx.null_count:
            idx = pc.fill_null(idx, len(raw))
        idx = idx.to_numpy(zero_copy_only=False)
        return cls(remap[idx], names)

    @classmethod
    def from_list(cls, values: list[str | None]) -> Labels:
        return cls.from_arrow(pa.array(values, pa.string()))

    def take(self, idx: np.ndarray) -> Labels:
        return Labels(self.codes[idx], self.names)


@dataclass
class Observations:
    """One entry per (record, seoList object).

    ``row`` is the 1-based number of the data row (CSV) or record (JSON) it came from;
    ``unit`` says which of the two words messages use for it.
    """

    records: int  # data rows (records) in the file
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
    descriptor: Labels
    unit: str = "row"

    @property
    def descriptors(self) -> list[str]:
        """The distinct non-blank descriptor values, sorted."""
        return self.descriptor.names

    def where(self, i: int) -> str:
        """``row 12`` / ``record 12``: the place observation ``i`` came from."""
        return f"{self.unit} {int(self.row[i])}"
