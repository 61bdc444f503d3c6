"""Real faults for the command-line tests: folders and files that cannot be written."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` really unwritable for this process while the block runs: read-only
    permissions, or for root (whom permissions do not stop) the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a path unwritable")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)
