"""A CDF's stored bytes: the whole file read once, where each variable's records are,
and its attributes' stored entries, without decoding what is the same in both files.

Only plain CDF 3 files are read this way (``cdf3``): their records are in VVR blocks
listed by the variable's VXR index (a VXR is size(8) type(4)=6 next(8) entries(4) used(4)
first[entries](4) last[entries](4) offset[entries](8); a VVR is size(8) type(4)=7, then
the records). Anything else (CDF 2, compression, sparse records, text variables) is left
to cdflib: ``stored`` says None.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_VXR, _VVR = 6, 7
_CDF3_UNCOMPRESSED = bytes.fromhex("cdf300010000ffff")
# CDF data type -> numpy type (TT2000 and EPOCH as their stored numbers)
_DTYPES = {1: "i1", 2: "i2", 4: "i4", 8: "i8", 11: "u1", 12: "u2", 14: "u4", 21: "f4", 22: "f8"}
_DTYPES |= {31: "f8", 33: "i8", 41: "i1", 44: "f4", 45: "f8"}
_BYTE_ORDER = {1: ">", 2: ">", 6: "<"}  # the CDF encodings: network, SUN, IBMPC


def load(path: Path) -> np.ndarray:
    """The whole file, as bytes in one array."""
    buffer = np.empty(os.path.getsize(path), np.uint8)
    with open(path, "rb", buffering=0) as fh:
        view, done = memoryview(buffer), 0
        while done < len(buffer):
            got = fh.readinto(view[done:])
            if not got:
                raise OSError(f"{path}: shorter than its size while being read")
            done += got
    return buffer


def cdf3(raw: np.ndarray) -> bool:
    return raw[:8].tobytes() == _CDF3_UNCOMPRESSED


def differing(raw_a: np.ndarray, raw_b: np.ndarray) -> np.ndarray | None:
    """The sorted byte offsets where two files of one size differ (None: sizes differ)."""
    if raw_a.size != raw_b.size:
        return None
    whole = raw_a.size // 8 * 8
    words = np.flatnonzero(raw_a[:whole].view(np.uint64) != raw_b[:whole].view(np.uint64))
    candidates = np.concatenate(
        [(words[:, None] * 8 + np.arange(8)).ravel(), np.arange(whole, raw_a.size)]
    )
    return candidates[raw_a[candidates] != raw_b[candidates]]


def _int(raw: np.ndarray, at: int, size: int) -> int:
    return int.from_bytes(raw[at : at + size].tobytes(), "big", signed=True)


def record_blocks(raw: np.ndarray, vxr: int) -> list[tuple[int, int, int, int]] | None:
    """(first record, last record, start, stop of its bytes) of each VVR under the VXR at
    ``vxr``; None when a block is not a plain VVR (compressed)."""
    blocks = []
    while vxr:
        entries, used = _int(raw, vxr + 20, 4), _int(raw, vxr + 24, 4)
        for i in range(used):
            first = _int(raw, vxr + 28 + 4 * i, 4)
            last = _int(raw, vxr + 28 + 4 * entries + 4 * i, 4)
            offset = _int(raw, vxr + 28 + 8 * entries + 8 * i, 8)
            kind = _int(raw, offset + 8, 4)
            if kind == _VXR:
                inner = record_blocks(raw, offset)
                if inner is None:
                    return None
                blocks += inner
            elif kind == _VVR:
                blocks.append((first, last, offset + 12, offset + _int(raw, offset, 8)))
            else:
                return None
        vxr = _int(raw, vxr + 12, 8)
    return blocks


@dataclass(frozen=True)
class Stored:
    """A numeric variable's records in the file: their type, shape and byte ranges."""

    dtype: np.dtype
    shape: tuple[int, ...]
    ranges: tuple[tuple[int, int], ...]  # [start, stop) of each block, in record order


def stored(raw: np.ndarray, cdf, encoding: int, name: str) -> Stored | None:
    """Where variable ``name`` of ``cdf`` (cdflib, over ``raw``; ``encoding``: its
    ``cdf_info().Encoding``) keeps its values; None when they cannot be read in place."""
    order = _BYTE_ORDER.get(encoding)
    vdr = cdf.vdr_info(name)
    code = _DTYPES.get(vdr.data_type)
    if not cdf3(raw) or order is None or code is None or vdr.compression_bool or vdr.sparse:
        return None
    dtype = np.dtype(order + code)
    dims = tuple(size for size, vary in zip(vdr.dim_sizes, vdr.dim_vary, strict=True) if vary)
    records = vdr.max_rec + 1
    shape = (records, *dims) if vdr.record_vary else dims
    if records <= 0:
        return Stored(dtype, (0, *dims), ())
    blocks = record_blocks(raw, vdr.head_vxr)
    if blocks is None:
        return None
    record_bytes = dtype.itemsize * math.prod(dims)
    expected = 0
    for first, last, start, stop in blocks:
        if first != expected or stop - start < (last - first + 1) * record_bytes:
            return None
        expected = last + 1
    if expected != records:
        return None
    ranges = tuple(
        (start, start + (last - first + 1) * record_bytes) for first, last, start, _ in blocks
    )
    return Stored(dtype, shape, ranges)


def values(raw: np.ndarray, where: Stored) -> np.ndarray:
    """The variable's values, in its shape (a view of ``raw`` when in one block)."""
    parts = [raw[start:stop].view(where.dtype) for start, stop in where.ranges]
    flat = parts[0] if len(parts) == 1 else np.concatenate(parts or [np.empty(0, where.dtype)])
    return flat.reshape(where.shape)


def changed_elements(positions: np.ndarray, where: Stored) -> np.ndarray:
    """The flat indices of the elements holding a differing byte (``differing``, two files
    storing the variable at the same ``where``)."""
    found, before = [], 0
    for start, stop in where.ranges:
        lo, hi = np.searchsorted(positions, [start, stop])
        found.append(before + (positions[lo:hi] - start) // where.dtype.itemsize)
        before += (stop - start) // where.dtype.itemsize
    return np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)


# Attributes, read from the bytes (cdflib's varattsget scans every attribute for each
# variable: 20 ms a file for an L1C). CDF 3 records used (offsets in bytes):
#   CDR at 8: GDR offset @12 (8)
#   GDR: zVDRhead @20 (8), ADRhead @28 (8)
#   VDR: next @12 (8), Num @68 (4), Name @84 (256)
#   ADR: next @12 (8), AgrEDRhead @20 (8), Scope @28 (4), AzEDRhead @48 (8), Name @68 (256)
#   AEDR: next @12 (8), AttrNum @20 (4), then DataType @24, Num @28 (the entry's number:
#   the variable's, for a variable attribute), NumElems, NumStrings, 4 reserved, value @56
_GLOBAL_SCOPES = (1, 3)


def _name(raw: np.ndarray, at: int) -> str:
    return raw[at : at + 256].tobytes().split(b"\0", 1)[0].decode("ascii", "replace").strip()


def _chain(raw: np.ndarray, head: int, next_at: int = 12):
    while head:
        yield head
        head = _int(raw, head + next_at, 8)


def attribute_entries(raw: np.ndarray) -> dict[tuple[str, str], bytes] | None:
    """``{(attribute, variable or ""): the entry's stored type and value}`` of a CDF 3
    file (None for another version): a global attribute's entries are joined, in order."""
    if not cdf3(raw):
        return None
    gdr = _int(raw, 8 + 12, 8)
    zvdrs = _chain(raw, _int(raw, gdr + 20, 8))
    variables = {_int(raw, vdr + 68, 4): _name(raw, vdr + 84) for vdr in zvdrs}
    entries: dict[tuple[str, str], bytes] = {}
    for adr in _chain(raw, _int(raw, gdr + 28, 8)):
        name, scope = _name(raw, adr + 68), _int(raw, adr + 28, 4)
        if scope in _GLOBAL_SCOPES:
            parts = [_entry(raw, aedr) for aedr in _chain(raw, _int(raw, adr + 20, 8))]
            entries[(name, "")] = b"".join(parts)
            continue
        for aedr in _chain(raw, _int(raw, adr + 48, 8)):
            entries[(name, variables.get(_int(raw, aedr + 28, 4), "?"))] = _entry(raw, aedr)
    return entries


def _entry(raw: np.ndarray, aedr: int) -> bytes:
    return raw[aedr + 24 : aedr + _int(raw, aedr, 8)].tobytes()
