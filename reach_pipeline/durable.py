"""File-system durability: the one place each rule lives.

- ``write_all``: every byte of a buffer reaches the file descriptor (``os.write`` may write less).
- ``fsync_path``: a finished file's data reaches the disk before it is renamed anywhere, and a
  rename or a new file in a folder survives a crash only once the folder is fsynced.
- ``replace_durably``: move a finished file into place atomically, then fsync its folder.
- ``write_atomically``: a file is written under a hidden temporary name beside its final
  one and renamed into place, so readers see the old file or the new one, never a part
  (``durable=True``: the temporary file is fsynced first, and the folder after).
- ``atomic_write_bytes``: ``write_atomically`` of some bytes, durably.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_path(path: str | os.PathLike[str]) -> None:
    """fsync a file or a folder (a folder's fsync makes a rename in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace(source, target)``, then fsync the target's folder."""
    os.replace(source, target)
    fsync_path(Path(target).parent)


def write_atomically(
    final: str | os.PathLike[str],
    write: Callable[[Path], None],
    *,
    durable: bool = False,
    suffix: str = ".tmp",
) -> Path:
    """Call ``write(tmp)`` for a hidden ``tmp`` beside ``final`` (ending in ``suffix``: some
    writers insist on an extension), then rename it to ``final``; ``tmp`` is removed if
    anything fails."""
    final = Path(final)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}{suffix}")
    try:
        write(tmp)
        if durable:
            fsync_path(tmp)
            replace_durably(tmp, final)
        else:
            os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old content or the new."""

    def write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.fchmod(fd, mode)  # whatever the umask
            write_all(fd, data)
        finally:
            os.close(fd)

    write_atomically(path, write, durable=True)
