"""A minimal reader for ESRI shapefile polylines (the Natural Earth coastline we ship).

Only what the coastline needs: shape types PolyLine (3) and Polygon (5), no attributes.
Format: a 100-byte header, then records of (big-endian number, length in 16-bit words)
followed by a little-endian shape: type, bounding box, part count, point count, the parts'
first-point indices and the points as (x, y) doubles.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

_HEADER_BYTES = 100
_FILE_CODE = 9994
_LINE_TYPES = (3, 5)


def read_polylines(path: str | Path) -> list[np.ndarray]:
    """Every part of every shape in the file ``path`` as an (n, 2) array of (lon, lat)."""
    try:
        return parse_polylines(Path(path).read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def parse_polylines(data: bytes) -> list[np.ndarray]:
    """Every part of every shape in a shapefile's bytes."""
    if len(data) < _HEADER_BYTES or struct.unpack(">i", data[:4])[0] != _FILE_CODE:
        raise ValueError("not a shapefile (no file code 9994 in its header)")
    lines: list[np.ndarray] = []
    offset = _HEADER_BYTES
    while offset + 8 <= len(data):
        _, words = struct.unpack(">2i", data[offset : offset + 8])
        content = data[offset + 8 : offset + 8 + 2 * words]
        offset += 8 + 2 * words
        lines.extend(_shape_parts(content))
    return lines


def _shape_parts(content: bytes) -> list[np.ndarray]:
    shape_type = struct.unpack("<i", content[:4])[0]
    if shape_type not in _LINE_TYPES:
        return []
    n_parts, n_points = struct.unpack("<2i", content[36:44])
    starts = np.frombuffer(content, "<i4", n_parts, 44)
    points = np.frombuffer(content, "<f8", 2 * n_points, 44 + 4 * n_parts).reshape(-1, 2)
    ends = np.append(starts[1:], n_points)
    return [points[a:b] for a, b in zip(starts, ends, strict=True)]
