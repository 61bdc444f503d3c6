"""File-system durability: the one place each rule lives.

- ``write_all``: every byte of a buffer reaches the file descriptor (``os.write`` may write less).
- ``fsync_dir``: a rename or a new file in a folder survives a crash only once the folder is
  fsynced.
- ``replace_durably``: move a finished file into place atomically, then fsync its folder.
- ``atomic_write_bytes``: write a file under a temporary name in the same folder, fsync it,
  rename it over the target, fsync the folder: readers see the old file or the new one,
  never a part.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace(source, target)``, then fsync the target's folder."""
    os.replace(source, target)
    fsync_dir(Path(target).parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old content or the new."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            os.fchmod(fd, mode)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        replace_durably(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
