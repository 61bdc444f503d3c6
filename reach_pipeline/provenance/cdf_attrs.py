"""Set global attributes of a CDF in place by appending records: milliseconds, whatever
the file's size (rewriting a 40 MB L1C with cdflib would read and write every byte).

The CDF internal format (version 3, NASA's "CDF Internal Format Description") links its
attributes from the GDR: ``ADRhead`` -> ADR -> ``ADRnext`` ...; a global attribute's
entries hang from its ADR (``AgrEDRhead`` -> AEDR -> ``AEDRnext``). A new attribute is a new
ADR and one AEDR appended at the end of the file, linked after the last ADR; an attribute
that is already there gets a new AEDR and its ADR points to it (the old entry is left
unreferenced). Then the GDR's ``NumAttr`` and end of file are updated. Compressed or
checksummed CDFs are refused (``CdfAttributeError``): their bytes cannot be patched so.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from pathlib import Path

_MAGIC_V3 = b"\xcd\xf3\x00\x01"
_UNCOMPRESSED = b"\x00\x00\xff\xff"
_CDR = 8
_CDR_GDR = _CDR + 12  # CDR: RecordSize(8) RecordType(4) GDRoffset(8)
_CDR_FLAGS = _CDR + 12 + 8 + 4 + 4 + 4  # ... Version(4) Release(4) Encoding(4) Flags(4)
_CHECKSUM_FLAG = 0b100
# GDR fields (offsets from its start)
_GDR_ADRHEAD, _GDR_EOF, _GDR_NUMATTR = 28, 36, 48
# ADR fields
_ADR_NEXT, _ADR_AGREDR, _ADR_SCOPE, _ADR_NUM, _ADR_NGR, _ADR_MAXGR, _ADR_NAME = (
    12,
    20,
    28,
    32,
    36,
    40,
    68,
)
_ADR_SIZE, _AEDR_HEAD = 324, 56
_ADR, _AGREDR, _GLOBAL_SCOPE, _CDF_CHAR = 4, 5, 1, 51


class CdfAttributeError(ValueError):
    """The file is not an uncompressed, unchecksummed CDF version 3."""


def _i4(value: int) -> bytes:
    return struct.pack(">i", value)


def _i8(value: int) -> bytes:
    return struct.pack(">q", value)


def _adr(num: int, name: str, entry: int) -> bytes:
    encoded = name.encode("ascii")
    if len(encoded) > 256:
        raise ValueError(f"attribute name longer than 256 characters: {name!r}")
    return b"".join(
        (
            _i8(_ADR_SIZE), _i4(_ADR), _i8(0), _i8(entry), _i4(_GLOBAL_SCOPE), _i4(num),
            _i4(1), _i4(0), _i4(0), _i8(0), _i4(0), _i4(-1), _i4(-1),
            encoded.ljust(256, b"\0"),
        )
    )  # fmt: skip


def _aedr(num: int, value: str) -> bytes:
    data = value.encode("ascii", "backslashreplace") or b" "
    return b"".join(
        (
            _i8(_AEDR_HEAD + len(data)), _i4(_AGREDR), _i8(0), _i4(num), _i4(_CDF_CHAR),
            _i4(0), _i4(len(data)), _i4(0), _i4(0), _i4(0), _i4(-1), _i4(-1), data,
        )
    )  # fmt: skip


def _read(fh, offset: int, size: int) -> bytes:
    fh.seek(offset)
    data = fh.read(size)
    if len(data) != size:
        raise CdfAttributeError(f"cut short at byte {offset}")
    return data


def _q(fh, offset: int) -> int:
    return struct.unpack(">q", _read(fh, offset, 8))[0]


def _l(fh, offset: int) -> int:
    return struct.unpack(">i", _read(fh, offset, 4))[0]


def _adrs(fh, gdr: int) -> list[tuple[int, str, int]]:
    """(offset, name, scope) of every ADR, in chain order."""
    found, offset = [], _q(fh, gdr + _GDR_ADRHEAD)
    while offset:
        if len(found) > 100_000 or _l(fh, offset + 8) != _ADR:
            raise CdfAttributeError(f"no ADR at byte {offset}: the attribute chain is broken")
        name = _read(fh, offset + _ADR_NAME, 256).split(b"\0", 1)[0].decode("ascii", "replace")
        found.append((offset, name, _l(fh, offset + _ADR_SCOPE)))
        offset = _q(fh, offset + _ADR_NEXT)
    return found


def set_global_attributes(path: str | os.PathLike[str], values: Mapping[str, str]) -> None:
    """Give the CDF at ``path`` these global attributes (one text entry each), in place."""
    with open(path, "r+b") as fh:
        head = _read(fh, 0, 8)
        if head[:4] != _MAGIC_V3 or head[4:] != _UNCOMPRESSED:
            raise CdfAttributeError(f"{path}: not an uncompressed CDF version 3")
        if _l(fh, _CDR_FLAGS) & _CHECKSUM_FLAG:
            raise CdfAttributeError(f"{path}: a checksummed CDF")
        gdr = _q(fh, _CDR_GDR)
        end = fh.seek(0, os.SEEK_END)
        if _q(fh, gdr + _GDR_EOF) != end:
            raise CdfAttributeError(f"{path}: its size is not the end of file its GDR records")
        adrs = _adrs(fh, gdr)
        by_name = {name: offset for offset, name, scope in adrs if scope == _GLOBAL_SCOPE}
        taken = {name for _, name, _ in adrs}
        count = _l(fh, gdr + _GDR_NUMATTR)
        last = adrs[-1][0] if adrs else None
        out, patches = bytearray(), []  # patches: (offset, bytes) of existing records
        for name, value in values.items():
            if name in by_name:
                adr = by_name[name]
                patches.append((adr + _ADR_AGREDR, _i8(end + len(out))))
                patches.append((adr + _ADR_NGR, _i4(1) + _i4(0)))  # NgrEntries, MAXgrEntry
                out += _aedr(_l(fh, adr + _ADR_NUM), value)
                continue
            if name in taken:
                raise CdfAttributeError(f"{path}: {name!r} is a variable attribute")
            adr = end + len(out)
            link = (last + _ADR_NEXT) if last is not None else (gdr + _GDR_ADRHEAD)
            patches.append((link, _i8(adr)))
            out += _adr(count, name, adr + _ADR_SIZE) + _aedr(count, value)
            last, count = adr, count + 1
            taken.add(name)
        fh.seek(end)
        fh.write(out)
        for offset, data in patches:
            fh.seek(offset)
            fh.write(data)
        fh.seek(gdr + _GDR_NUMATTR)
        fh.write(_i4(count))
        fh.seek(gdr + _GDR_EOF)
        fh.write(_i8(end + len(out)))


def global_attributes(path: str | Path) -> dict[str, str]:
    """The CDF's global attributes, each as text (several entries joined by ``"; "``)."""
    import cdflib  # at call time: the Dagster layer reads a product's attributes rarely

    attrs = cdflib.CDF(str(path)).globalattsget()
    return {k: "; ".join(str(v) for v in values) for k, values in attrs.items()}
