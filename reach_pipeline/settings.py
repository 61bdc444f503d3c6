"""Settings: one table, one resolution, for the command line and the Dagster layer alike.

Each setting is taken from an explicit value (a CLI flag, Dagster run config), else its
``REACH_*`` environment variable (read when a run or a sensor tick starts, never when the
code location loads: ``LOAD_TIME_VARS`` are the exceptions), else a default that works
from a fresh clone (the bundled sample days). A value that does not parse raises
``SettingsError`` naming the variable (or flag) and the form it expects: an operator's
mistake, reported in one line, never a day's failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reach_pipeline.runner.processor import DEFAULT_PROCESSOR

QUICKLOOK_MODES = ("default", "all")


class SettingsError(ValueError):
    """An operator's mistake in a setting: the message names it and says the fix."""


@dataclass(frozen=True)
class Setting:
    field: str
    env: str
    default: str
    parse: Callable[[str], object]
    help: str
    flag: str | None = None


def _text(value: str) -> str:
    return value


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value.lower()

    return parse


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("a number of seconds, e.g. 3600") from None
    if not number > 0 or number == float("inf"):
        raise ValueError("a positive number of seconds, e.g. 3600")
    return number


def _percent(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("a percentage from 0 to 100, e.g. 90") from None
    if not 0 <= number <= 100:
        raise ValueError("a percentage from 0 to 100, e.g. 90")
    return number


def _days(value: str) -> int:
    if not re.fullmatch(r"\d{1,4}", value.strip()):
        raise ValueError("a whole number of days, e.g. 2")
    return int(value)


def _count(value: str) -> int:
    if not re.fullmatch(r"[1-9]\d{0,3}", value.strip()):
        raise ValueError("a whole number from 1 to 9999, e.g. 5")
    return int(value)


def _sensor(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", value.strip()):
        raise ValueError("ALL or a sensor id like REACH-101")
    return value.strip()


def _processor(value: str) -> str:
    module, sep, attr = value.partition(":")
    if not (sep and re.fullmatch(r"[\w.]+", module) and attr.isidentifier()):
        raise ValueError("'package.module:function'")
    return value


def _url(value: str) -> str:
    if value and not re.match(r"https?://[^/\s]+", value):
        raise ValueError("a URL like http://127.0.0.1:8333")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("input_dir", "REACH_INPUT_DIR", "examples/udl", _path, "UDL day files", "--input-dir"),
    Setting("output_dir", "REACH_OUTPUT_DIR", "out", _path, "products", "--output-dir"),
    Setting(
        "telemetry_path",
        "REACH_TELEMETRY_PATH",
        "",
        _text,
        "legacy telemetry CSV (blank: <input dir>/download_telemetry.csv)",
        "--telemetry-file",
    ),
    Setting("sensor_id", "REACH_SENSOR_ID", "ALL", _sensor, "ALL or one sensor", "--sensor-id"),
    Setting("descriptor", "REACH_DESCRIPTOR", "QUICKLOOK", _text, "UDL descriptor", "--descriptor"),
    Setting(
        "output_format",
        "REACH_OUTPUT_FORMAT",
        "csv",
        _choice("csv", "json"),
        "format of the day files",
        "--output-format",
    ),
    Setting("processor", "REACH_PROCESSOR", DEFAULT_PROCESSOR, _processor, "L1C processor"),
    Setting(
        "process_timeout_s",
        "REACH_PROCESS_TIMEOUT_S",
        "3600",
        _positive_float,
        "kill a day's processor after this many seconds",
    ),
    Setting(
        "availability_warn_pct",
        "REACH_AVAILABILITY_WARN_PCT",
        "90",
        _percent,
        "the availability check warns below this",
    ),
    Setting(
        "schedule_lag_days",
        "REACH_SCHEDULE_LAG_DAYS",
        "2",
        _days,
        "the schedule processes the day this many days ago",
    ),
    Setting(
        "quicklooks",
        "REACH_QUICKLOOKS",
        "default",
        _choice(*QUICKLOOK_MODES),
        "quicklook images: the overview and six median maps, or all (the legacy set too)",
    ),
    Setting(
        "input_sensor_max_runs",
        "REACH_INPUT_SENSOR_MAX_RUNS",
        "5",
        _count,
        "the input sensor requests at most this many runs a tick, fewer while its earlier "
        "runs still wait in the queue",
    ),
    Setting(
        "s3_bucket", "REACH_S3_BUCKET", "", _text, "S3 bucket (unset: no upload)", "--s3-bucket"
    ),
    Setting(
        "s3_endpoint_url",
        "REACH_S3_ENDPOINT_URL",
        "",
        _url,
        "endpoint of an S3-compatible store",
    ),
)
BY_FIELD: dict[str, Setting] = {s.field: s for s in SETTINGS}
LOAD_TIME_VARS: tuple[str, ...] = ("REACH_PARTITIONS_START", "REACH_INPUT_SENSOR_INTERVAL_S")
"""The variables read when the code location loads (they shape the definitions)."""
ENV_VARS: tuple[str, ...] = (*(s.env for s in SETTINGS), *LOAD_TIME_VARS)


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    input_dir: Path
    output_dir: Path
    telemetry_path: Path
    sensor_id: str
    descriptor: str
    output_format: str
    processor: str
    process_timeout_s: float
    availability_warn_pct: float
    schedule_lag_days: int
    quicklooks: str
    input_sensor_max_runs: int
    s3_bucket: str
    s3_endpoint_url: str


def setting_value(
    field: str, explicit: object = None, environ: Mapping[str, str] | None = None
) -> object:
    """One setting: ``explicit`` if given, else its variable, else its default; parsed."""
    setting = BY_FIELD[field]
    environ = os.environ if environ is None else environ
    if explicit not in (None, ""):
        raw, source = str(explicit), setting.flag or field
    else:
        raw, source = environ.get(setting.env, "").strip(), setting.env
        if not raw:
            raw, source = setting.default, None
    try:
        return setting.parse(raw)
    except ValueError as exc:
        name = source or setting.env
        raise SettingsError(f"{name} must be {exc}, got {raw!r}") from None


def resolve_settings(
    explicit: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Every setting, resolved now. ``explicit`` maps field names to values (None: unset)."""
    explicit = explicit or {}
    unknown = set(explicit) - set(BY_FIELD)
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {s.field: setting_value(s.field, explicit.get(s.field), environ) for s in SETTINGS}
    if not values["telemetry_path"]:
        values["telemetry_path"] = values["input_dir"] / "download_telemetry.csv"
    else:
        values["telemetry_path"] = _path(values["telemetry_path"])
    return Settings(**values)


DEFAULT_PARTITIONS_START = "2019-01-01"


def partitions_start(environ: Mapping[str, str] | None = None) -> str:
    """First partition day: ``REACH_PARTITIONS_START`` (YYYY-MM-DD), default 2019-01-01.

    Read when the code location loads: partitions are part of the definitions.
    """
    environ = os.environ if environ is None else environ
    value = environ.get("REACH_PARTITIONS_START", "").strip() or DEFAULT_PARTITIONS_START
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise SettingsError(
            f"REACH_PARTITIONS_START must be a date YYYY-MM-DD, got {value!r}"
        ) from None
    return value


DEFAULT_INPUT_SENSOR_INTERVAL_S = 60


def input_sensor_interval_s(environ: Mapping[str, str] | None = None) -> int:
    """Seconds between two ticks of the input sensor: ``REACH_INPUT_SENSOR_INTERVAL_S``,
    default 60. Read when the code location loads: the interval is part of the sensor's
    definition."""
    environ = os.environ if environ is None else environ
    value = environ.get("REACH_INPUT_SENSOR_INTERVAL_S", "").strip()
    if not value:
        return DEFAULT_INPUT_SENSOR_INTERVAL_S
    if not re.fullmatch(r"[1-9]\d{0,5}", value):
        raise SettingsError(
            f"REACH_INPUT_SENSOR_INTERVAL_S must be a whole number of seconds, e.g. 60, got "
            f"{value!r}"
        )
    return int(value)
