"""A bench's throw-away folder: the run inside it, the line said when the run could not be
made, and the folder removed afterwards (or kept, and named)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def run_in_scratch(
    name: str,
    keep: bool,
    body: Callable[[Path], T],
    errors: tuple[type[BaseException], ...],
    *,
    parent: Path | None = None,
    on_error: Callable[[Path], None] | None = None,
) -> T | None:
    """``body(root)`` in a new temporary folder ``reach-bench-<name>-*`` (under ``parent``,
    else the system's); its result, or None when it raised one of ``errors``: then
    ``bench_<name>: could not run: ...`` goes to stderr, followed by ``on_error(root)``.
    The folder is removed afterwards, unless ``keep`` (then its path is printed)."""
    root = Path(tempfile.mkdtemp(prefix=f"reach-bench-{name}-", dir=parent))
    try:
        return body(root)
    except errors as exc:
        print(f"bench_{name}: could not run: {exc}", file=sys.stderr)
        if on_error is not None:
            on_error(root)
        return None
    finally:
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
