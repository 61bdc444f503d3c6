"""Before any work: can the folders and the telemetry file that the settings name be used?

A wrong one is an operator's mistake, not a day's failure: ``check_paths`` raises
``SettingsError`` with one line naming the setting, the path and the fix, before any
telemetry row is written or any day touched. Both entry points call it: the command line
before it plans, the Dagster assets at the start of a run. A missing input folder in
particular is not "no data": it is a mount that failed or a setting that is wrong.
"""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from reach_pipeline.contract.telemetry import SCHEMA
from reach_pipeline.settings import BY_FIELD, Settings, SettingsError

# The columns that make a CSV the telemetry file (the legacy tool's first header fields).
TELEMETRY_KEY_COLUMNS = ("run_id", "chunk_date_utc", "status")
_HEADER_PROBE_BYTES = 64 * 1024


def check_paths(settings: Settings, *, writing: bool = True) -> None:
    """Raise ``SettingsError`` unless the input folder exists, the output folder is (or
    can be made) a folder, and the telemetry path is a telemetry CSV or does not exist
    yet. With ``writing``, the output folder and the telemetry file must be writable too.
    Nothing is created."""
    check_input_dir(settings.input_dir)
    check_output_dir(settings.output_dir, writing=writing)
    check_telemetry(settings.telemetry_path, writing=writing)


def setting_names(field: str) -> str:
    """How an operator sets a field: ``--input-dir / REACH_INPUT_DIR``."""
    setting = BY_FIELD[field]
    return f"{setting.flag} / {setting.env}" if setting.flag else setting.env


def shown(path: Path) -> str:
    """A path as given, with its absolute form when it is relative (the current folder
    of a daemon is not the operator's)."""
    return str(path) if path.is_absolute() else f"{path} ({path.absolute()})"


def _mistake(field: str, path: Path, problem: str, fix: str) -> SettingsError:
    return SettingsError(f"{setting_names(field)}: {shown(path)} {problem}: {fix}")


def check_input_dir(path: Path) -> None:
    if not path.exists():
        raise _mistake(
            "input_dir",
            path,
            "does not exist",
            "mount it, or point the setting at the folder of the day files",
        )
    if not path.is_dir():
        raise _mistake(
            "input_dir", path, "is not a folder", "point the setting at the folder of day files"
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise _mistake("input_dir", path, "cannot be read", "fix its permissions")


def check_output_dir(path: Path, *, writing: bool) -> None:
    check_folder("output_dir", path, path, writing=writing)


def check_folder(field: str, path: Path, folder: Path, *, writing: bool) -> None:
    """``folder`` (the setting's ``path`` or the folder it lives in) is a folder, or can
    be made as one: its nearest existing ancestor is a folder (writable, when
    ``writing``)."""
    existing = _nearest_existing(folder)
    if existing is None:
        raise _mistake(field, path, "cannot be made (a broken link)", "fix the setting")
    if not existing.is_dir():
        problem = "is a file" if existing == path else f"cannot be made: {existing} is a file"
        raise _mistake(field, path, problem, "point the setting at a folder")
    if writing and _read_only(existing):
        problem = "is" if existing == path else f"cannot be made: {existing} is"
        raise _mistake(field, path, f"{problem} on a read-only file system", _REMOUNT)
    if writing and not os.access(existing, os.W_OK | os.X_OK):
        problem = "is not writable" if existing == path else f"cannot be made in {existing}"
        raise _mistake(field, path, problem, "fix the permissions or choose a writable folder")


_REMOUNT = "remount it read-write, or choose a writable folder"


def _read_only(path: Path) -> bool:
    """``path`` is on a file system mounted read-only (no permission makes it writable)."""
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)


def check_telemetry(path: Path, *, writing: bool) -> None:
    field = "telemetry_path"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        check_folder(field, path, path.parent, writing=writing)
        return  # created with the first row
    except NotADirectoryError:  # a file where a folder of the path should be
        check_folder(field, path, path.parent, writing=writing)
        raise
    if stat.S_ISDIR(mode):
        raise _mistake(field, path, "is a folder", "name the telemetry CSV file instead")
    if not stat.S_ISREG(mode):
        raise _mistake(field, path, "is not a regular file", "name the telemetry CSV file")
    if writing and _read_only(path):
        raise _mistake(field, path, "is on a read-only file system", _REMOUNT)
    wanted = os.R_OK | (os.W_OK if writing else 0)
    if not os.access(path, wanted) or (writing and not os.access(path.parent, os.W_OK)):
        raise _mistake(
            field,
            path,
            "cannot be " + ("read and appended to" if writing else "read"),
            "fix its permissions (and its folder's: appends lock a file beside it)",
        )
    problem = telemetry_header_problem(path)
    if problem:
        raise _mistake(
            field,
            path,
            f"is not a telemetry CSV ({problem})",
            "restore it from a backup, or name the telemetry file",
        )


def telemetry_header_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a telemetry CSV, from its first line; ``None`` when
    it is one (or is empty, or holds only the start of a header being written)."""
    with open(path, "rb") as handle:
        head = handle.read(_HEADER_PROBE_BYTES)
    if not head:
        return None
    line, newline, _ = head.partition(b"\n")
    if b"\x00" in line:  # after the header, a NUL-filled tail is a torn append (telemetry)
        return "it holds NUL bytes: binary data"
    try:
        text = line.decode("utf-8").lstrip("\ufeff").rstrip("\r")
    except UnicodeDecodeError:
        return "its first line is not UTF-8 text"
    if not newline and ",".join(SCHEMA).startswith(text):
        return None  # a header still being written
    fields = [f.strip() for f in next(csv.reader([text]), [])]
    if tuple(fields) == SCHEMA[: len(fields)]:
        return None  # the legacy header, or an older shorter one (migrated on append)
    missing = [name for name in TELEMETRY_KEY_COLUMNS if name not in fields]
    if missing:
        return f"its header lacks {', '.join(missing)}"
    return None


def _nearest_existing(path: Path) -> Path | None:
    """``path`` or its nearest ancestor that exists (a link is followed)."""
    for candidate in (path, *path.absolute().parents):
        if candidate.exists():
            return candidate
        if candidate.is_symlink():
            return None  # a broken link: nothing can be made through it
    return None
