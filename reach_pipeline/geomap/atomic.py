"""Atomic placement: write under a hidden temporary name in the target folder, then rename."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def temporary_sibling(final: Path, suffix: str) -> Path:
    """A hidden, unique name beside ``final`` (no reader globbing the product names sees it)."""
    return final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")


def place_atomically(final: Path, write: Callable[[Path], None], suffix: str = ".tmp") -> Path:
    """Call ``write(tmp)`` then rename ``tmp`` to ``final``; remove ``tmp`` on failure."""
    final = Path(final)
    tmp = temporary_sibling(final, suffix)
    try:
        write(tmp)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def write_bytes(data: bytes, final: Path) -> Path:
    return place_atomically(final, lambda tmp: tmp.write_bytes(data))
