"""Input and output naming: a day's input file, its CDF's name, relative path and S3 key.

The one place these rules live.  Nothing user-controlled reaches a path or an S3 key
without being parsed here first.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath

from reach_pipeline.processing.product import cdf_file_stem

logger = logging.getLogger(__name__)

OUTPUT_FORMATS: frozenset[str] = frozenset({"csv", "json"})
LEVELS = ("l1c", "l2")

_CDF_NAME = re.compile(
    r"reach_[a-z0-9]+_[a-z0-9]+_[a-z0-9]+_([0-9]{8})T([0-9]{6})_v[0-9]+\.[0-9]+\.[0-9]+\.cdf"
)


def input_prefix(sensor_id: str) -> str:
    """The file name prefix of a sensor's day files: ``REACH-ALL`` for ``ALL``."""
    if not isinstance(sensor_id, str) or not sensor_id:
        raise ValueError(f"invalid sensor id {sensor_id!r}")
    return "REACH-ALL" if sensor_id == "ALL" else sensor_id


class InputProblem(ValueError):
    """The day's input cannot be taken as it is: a folder or a link named like it, or
    several files that the naming rule cannot tell apart. The message names every path
    involved and says what to do; ``error_type`` is the telemetry's."""

    def __init__(self, error_type: str, message: str, paths: tuple[Path, ...]):
        self.error_type = error_type
        self.paths = paths
        super().__init__(message)


@dataclass(frozen=True)
class _Candidate:
    """An entry named like a day's input: its path, the window end its name gives
    (``None``: the name gives none) and, when it cannot be read as a file, why."""

    path: Path
    end: datetime | None
    unusable: str | None


_END_STAMP = re.compile(r"(\d{8})T(\d{6})")


def input_window_end(rest: str) -> datetime | None:
    """The window end an input name gives after its start stamp (``20250911T000000`` in
    ``REACH-ALL_20250910T000000_20250911T000000.csv``), or ``None`` when that part is not
    exactly one real ``YYYYMMDDTHHMMSS`` stamp."""
    match = _END_STAMP.fullmatch(rest)
    if match is None:
        return None
    try:
        return datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def window_rank(day: date, end: datetime | None) -> tuple[int, float] | None:
    """How well a file whose window runs from ``day``'s midnight to ``end`` covers the day;
    greater is better, ``None`` when the window is unknown.

    A window covering the whole day ranks first (the one ending exactly at the next
    midnight before longer ones), then partial windows, widest first; an empty window
    (ending at or before its start) ranks last.
    """
    if end is None:
        return None
    start = datetime.combine(day, time())
    length = (end - start).total_seconds()
    if length <= 0:
        return (0, length)
    overshoot = (end - (start + timedelta(days=1))).total_seconds()
    if overshoot >= 0:
        return (2, -overshoot)
    return (1, length)


def _unusable(entry: os.DirEntry, root: Path) -> str | None:
    """Why an entry named like an input cannot be read as the day's file, or ``None``."""
    path = Path(entry.path)
    if entry.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a broken symbolic link"
        if not target.is_relative_to(root):
            return f"a symbolic link leading outside the input folder (to {target})"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a regular file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a socket or a device)"
    return None


def _choose(day: date, candidates: list[_Candidate]) -> Path | None:
    """The day's input among the entries named like it (the one rule; see ``find_input``)."""
    if not candidates:
        return None
    candidates = sorted(candidates, key=lambda c: c.path.name)
    if len(candidates) == 1:
        best = candidates[0]
    else:
        unknown = [c for c in candidates if c.end is None]
        if unknown:
            others = [c for c in candidates if c is not unknown[0]]
            raise InputProblem(
                "AmbiguousInput",
                f"several input files for {day} and the window of {unknown[0].path} cannot "
                f"be read from its name, so it cannot be told apart from "
                f"{', '.join(str(c.path) for c in others)}: keep one file for the day",
                tuple(c.path for c in candidates),
            )
        best = max(candidates, key=lambda c: window_rank(day, c.end))
        logger.info(  # the rule decided: nothing is wrong, so no warning on every run
            "several input files for %s; using %s (widest window), ignoring %s",
            day,
            best.path,
            ", ".join(c.path.name for c in candidates if c is not best),
        )
    if best.unusable:
        raise InputProblem(
            "InputNotAFile",
            f"{best.path} is named like the input of {day} but is {best.unusable}",
            (best.path,),
        )
    rank = window_rank(day, best.end)
    if rank is not None and rank[0] == 0:
        raise InputProblem(
            "EmptyInputWindow",
            f"{best.path}: its name says its window ends at {best.end:%Y-%m-%dT%H:%M:%S}, "
            f"not after it starts ({day}T00:00:00): an empty download",
            (best.path,),
        )
    return best.path


def _input_name(sensor_id: str, output_format: str) -> re.Pattern[str]:
    """``{prefix}_{YYYYMMDD}T000000_{rest}.{format}``: groups day and rest."""
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(
            f"output_format must be one of {sorted(OUTPUT_FORMATS)}, got {output_format!r}"
        )
    return re.compile(
        re.escape(f"{input_prefix(sensor_id)}_")
        + r"([0-9]{8})T000000_(.*)"
        + re.escape(f".{output_format}"),
        re.DOTALL,
    )


def _candidates(
    input_dir: str | os.PathLike[str], sensor_id: str, output_format: str
) -> dict[date, list[_Candidate]]:
    """Every entry of ``input_dir`` named like a day's input, by day (one directory read)."""
    pattern = _input_name(sensor_id, output_format)
    directory = Path(input_dir)
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    root = directory.resolve()
    found: dict[date, list[_Candidate]] = {}
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            day = datetime.strptime(match[1], "%Y%m%d").date()
        except ValueError:
            continue
        candidate = _Candidate(
            directory / entry.name, input_window_end(match[2]), _unusable(entry, root)
        )
        found.setdefault(day, []).append(candidate)
    return found


def find_input(
    input_dir: str | os.PathLike[str], day: date, sensor_id: str, output_format: str
) -> Path | None:
    """The day's input file in ``input_dir``, or ``None`` when nothing is named like it.

    Names match ``{prefix}_{YYYYMMDD}T000000_{end}.{output_format}`` (see
    ``input_prefix``; the sensor id is matched literally, never as a glob pattern), where
    ``{end}`` is the window's end stamp ``YYYYMMDDTHHMMSS``. With several matches, the one
    covering the whole day wins, else the widest window (``window_rank``); a name whose
    end is not one stamp (``…_retry.csv``) is taken only when it is the day's one match,
    since its window cannot be compared. Raises ``InputProblem`` when the matches cannot be
    told apart, or when the chosen one is a folder, a FIFO, a broken link, a symbolic link
    leading outside ``input_dir``, or names an empty window. ``output_format`` must be
    ``csv`` or ``json``.
    """
    return _choose(day, _candidates(input_dir, sensor_id, output_format).get(day, []))


def scan_inputs(
    input_dir: str | os.PathLike[str], sensor_id: str, output_format: str
) -> dict[date, Path]:
    """Every day with an input file in ``input_dir``, with the file ``find_input`` picks.

    A day whose input is a problem (``InputProblem``) is left out with a warning: a run of
    that day reports it as FAILED.
    """
    found = {}
    for day, candidates in sorted(_candidates(input_dir, sensor_id, output_format).items()):
        try:
            found[day] = _choose(day, candidates)
        except InputProblem as exc:
            logger.warning("%s", exc)
    return found


def cdf_file_name(day: date) -> str:
    """The CDF file name for a UTC day: ``reach_all_l1c_prelim_YYYYMMDDT000000_v1.0.0.cdf``.

    The processor names the files it writes; this asks it, so the rule lives once.
    """
    return f"{cdf_file_stem(day)}.cdf"


def day_dir(level: str, day: date) -> PurePosixPath:
    """A day's product folder below the output folder: ``<level>/prelim/YYYY/MM/DD``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    return PurePosixPath(level, "prelim", f"{day:%Y}", f"{day:%m}", f"{day:%d}")


def cdf_day(cdf_name: str) -> date:
    """The day a REACH CDF file name is for, from its timestamp.

    The name must be ``reach_<mode>_<level>_<descriptor>_<YYYYMMDDTHHMMSS>_v<X.Y.Z>.cdf``
    (lowercase ASCII letters and digits, a real date and time); anything else, including
    path separators or ``..``, raises ``ValueError``.
    """
    match = _CDF_NAME.fullmatch(cdf_name) if isinstance(cdf_name, str) else None
    if match is None:
        raise ValueError(f"not a REACH CDF file name: {cdf_name!r}")
    ymd, hms = match[1], match[2]
    try:
        stamp = datetime(
            int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]), int(hms[:2]), int(hms[2:4]), int(hms[4:])
        )
    except ValueError:
        raise ValueError(f"invalid timestamp in CDF file name: {cdf_name!r}") from None
    return stamp.date()


def cdf_relative_path(cdf_name: str) -> PurePosixPath:
    """``l1c/prelim/YYYY/MM/DD/<cdf_name>``, the date taken from the name (``cdf_day``)."""
    return day_dir("l1c", cdf_day(cdf_name)) / cdf_name


def s3_key(relative_path: str | PurePosixPath) -> str:
    """The S3 key of a product: its path below the output folder."""
    key = PurePosixPath(relative_path)
    if key.is_absolute() or ".." in key.parts or key.parts[:1] not in (("l1c",), ("l2",)):
        raise ValueError(f"not a product path below the output folder: {relative_path!r}")
    return str(key)
