"""Input and output naming: a day's input file, its CDF's name, relative path and S3 key.

The one place these rules live.  Nothing user-controlled reaches a path or an S3 key
without being parsed here first.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date, datetime
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


def find_input(
    input_dir: str | os.PathLike[str], day: date, sensor_id: str, output_format: str
) -> Path | None:
    """The day's input file in ``input_dir``, or ``None`` when there is none.

    Matches ``{prefix}_{YYYYMMDD}T000000_*.{output_format}`` (see ``input_prefix``), as the
    legacy tool globs; the sensor id is matched literally, never as a glob pattern.  Only
    regular files count.  A symlink whose target lies outside ``input_dir`` is not
    followed (skipped with a warning).  With several matches the first in sorted order
    wins and a warning names the others.  ``output_format`` must be ``csv`` or ``json``.
    """
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(
            f"output_format must be one of {sorted(OUTPUT_FORMATS)}, got {output_format!r}"
        )
    pattern = re.compile(
        re.escape(f"{input_prefix(sensor_id)}_{day:%Y%m%d}T000000_")
        + r".*"
        + re.escape(f".{output_format}"),
        re.DOTALL,
    )
    directory = Path(input_dir)
    try:
        entries = [e for e in os.scandir(directory) if pattern.fullmatch(e.name)]
    except (FileNotFoundError, NotADirectoryError):
        return None
    root = directory.resolve()
    matches = []
    for entry in entries:
        if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
            logger.warning("not following %s: it points outside %s", entry.path, directory)
            continue
        if entry.is_file():
            matches.append(entry.name)
    if not matches:
        return None
    matches.sort()
    if len(matches) > 1:
        logger.warning(
            "several input files for %s in %s; using %s, ignoring %s",
            day,
            directory,
            matches[0],
            ", ".join(matches[1:]),
        )
    return directory / matches[0]


_DAY_FILE = re.compile(r"(\d{8})T000000_.*", re.DOTALL)


def scan_inputs(
    input_dir: str | os.PathLike[str], sensor_id: str, output_format: str
) -> dict[date, Path]:
    """Every day that has an input file in ``input_dir``, with the file ``find_input`` picks."""
    prefix = f"{input_prefix(sensor_id)}_"
    suffix = f".{output_format}"
    days: set[date] = set()
    try:
        names = [e.name for e in os.scandir(input_dir)]
    except (FileNotFoundError, NotADirectoryError):
        return {}
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        match = _DAY_FILE.fullmatch(name[len(prefix) :])
        if match is None:
            continue
        try:
            days.add(datetime.strptime(match[1], "%Y%m%d").date())
        except ValueError:
            continue
    found = {}
    for day in sorted(days):
        path = find_input(input_dir, day, sensor_id, output_format)
        if path is not None:
            found[day] = path
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
