"""The machine's faults: a full disk, a read-only folder, an I/O error, a permission taken
away while writing. They are not the input's fault and not one day's: each is recorded
with its own error type, said in one line naming what happened and where ("No space left
on device: /data/out"), and stops the run at the first day it hits, the other days left
untouched and resumable (a plain rerun retries the day it hit, ``MACHINE_ERROR_TYPES``).

``os_fault`` is the one rule telling such an ``OSError`` (by its errno) from any other
error; ``fault_at`` and ``fault_in`` say where it happened.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FaultKind:
    error_type: str  # the telemetry's error_type
    fix: str  # what the operator does before running the same command again
    on_write_only: bool = False  # a fault only where we write (reading input: the input's)


KINDS: dict[int, FaultKind] = {
    errno.ENOSPC: FaultKind("DiskFull", "free space"),
    errno.EDQUOT: FaultKind("DiskQuotaExceeded", "free space or raise the quota"),
    errno.EROFS: FaultKind("ReadOnlyFileSystem", "make it writable (remount it read-write)"),
    errno.EIO: FaultKind("DiskIOError", "check the disk (its kernel log) or move the folder"),
    errno.EACCES: FaultKind("PermissionDenied", "fix its permissions", on_write_only=True),
}
MACHINE_ERROR_TYPES = frozenset(kind.error_type for kind in KINDS.values())
"""The error types of a FAILED row the machine, not the day, is to blame for."""


class MachineFault(Exception):
    """A fault of the machine at ``where`` (the folder or file of the setting ``setting``),
    raised by ``path`` (the file being read or written, when the error named one)."""

    def __init__(self, code: int, where: Path, setting: str, path: str | None = None):
        self.errno = code
        self.kind = KINDS[code]
        self.error_type = self.kind.error_type
        self.where = Path(where).absolute()
        self.setting = setting
        self.path = path
        super().__init__(f"{os.strerror(code)}: {self.where}")

    def cause(self) -> str:
        """What happened, where, and the setting that names the place:
        ``No space left on device: /data/out (--output-dir / REACH_OUTPUT_DIR)``."""
        from reach_pipeline.preflight import setting_names

        return f"{self} ({setting_names(self.setting)})"

    def fix(self) -> str:
        return f"{self.kind.fix}, then run the same command again"


def os_fault(exc: BaseException, *, writing: bool = True) -> OSError | None:
    """The ``OSError`` among ``exc`` and its causes whose errno is a machine fault (a
    permission error only when ``writing``); ``None`` for any other error."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in KINDS:
            if writing or not KINDS[exc.errno].on_write_only:
                return exc
        exc = exc.__cause__ or exc.__context__
    return None


def fault_at(exc: BaseException, where: Path, setting: str) -> MachineFault | None:
    """``exc`` as a fault of ``where`` (written to through the setting ``setting``)."""
    if isinstance(exc, MachineFault):
        return exc
    found = os_fault(exc)
    if found is None:
        return None
    return MachineFault(found.errno, where, setting, _name(found.filename))


def fault_in(exc: BaseException, places: dict[str, Path], default: str) -> MachineFault | None:
    """``exc`` as a fault of the place (setting -> folder or file) holding the file it
    names, else of ``places[default]``. Reading from ``input_dir``, a permission error is
    not the machine's (the day file's own permissions: the input's problem)."""
    if isinstance(exc, MachineFault):
        return exc
    found = os_fault(exc)
    if found is None:
        return None
    setting = _place_of(_name(found.filename), places) or default
    if setting == "input_dir" and os_fault(found, writing=False) is None:
        return None
    return MachineFault(found.errno, places[setting], setting, _name(found.filename))


def _name(filename) -> str | None:
    return None if filename is None else os.fsdecode(filename)


def _place_of(filename: str | None, places: dict[str, Path]) -> str | None:
    """The setting whose place holds ``filename``, the most specific one (the telemetry
    file often lives in the input folder)."""
    if filename is None:
        return None
    path = Path(filename).absolute()
    holding = [
        (len(Path(place).absolute().parts), setting)
        for setting, place in places.items()
        if path == Path(place).absolute() or Path(place).absolute() in path.parents
    ]
    return max(holding)[1] if holding else None


def places(settings) -> dict[str, Path]:
    """The places a day's stages read and write, by setting (a ``Settings``)."""
    return {
        "input_dir": settings.input_dir,
        "output_dir": settings.output_dir,
        "telemetry_path": settings.telemetry_path,
    }
