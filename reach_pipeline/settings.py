"""Settings: one table (``settings.toml``), one resolution, for the command line and the
Dagster layer alike.

Each setting is taken from an explicit value (a CLI flag, Dagster run config), else its
``REACH_*`` environment variable (read when a run or a sensor tick starts, never when the
code location loads: ``LOAD_TIME_VARS`` and the table's ``load`` settings are the
exceptions), else a default that works
from a fresh clone (the bundled sample days). A value that does not parse raises
``SettingsError`` naming the variable (or flag) and the form it expects: an operator's
mistake, reported in one line, never a day's failure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

QUICKLOOK_MODES = ("default", "all")


class SettingsError(ValueError):
    """An operator's mistake in a setting: the message names it and says the fix."""


RUN = "run"  # resolved into ``Settings`` (every asset, check and sensor of a run)
ALERTS = "alerts"  # resolved into ``AlertSettings`` by the alert sensors only
LOAD = "load"  # read when the code location loads, by its own function below


@dataclass(frozen=True)
class Setting:
    field: str
    env: str
    default: str
    parse: Callable[[str], object]
    help: str
    flag: str | None = None
    scope: str = RUN
    secret: bool = False  # its value never shows in an error message or a repr


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


def _bounded(
    accept: Callable[[float], bool], form: str, refused: str | None = None
) -> Callable[[str], float]:
    """A parser of a number: not a number is told ``form``; one ``accept`` refuses is told
    ``refused`` (default: ``form``)."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(form) from None
        if not accept(number):
            raise ValueError(refused or form)
        return number

    return parse


_positive_float = _bounded(
    lambda n: 0 < n < float("inf"),
    "a number of seconds, e.g. 3600",
    "a positive number of seconds, e.g. 3600",
)
_factor = _bounded(lambda n: 1 < n < float("inf"), "a number greater than 1, e.g. 10")
_percent = _bounded(lambda n: 0 <= n <= 100, "a percentage from 0 to 100, e.g. 90")


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


def _base_url(value: str) -> str:
    return _url(value).rstrip("/")


def _blank_or(pattern: str, form: str) -> Callable[[str], str]:
    """A parser taking blank (unset) or a value matching ``pattern`` whole."""
    regex = re.compile(pattern)

    def parse(value: str) -> str:
        if value and not regex.fullmatch(value):
            raise ValueError(form)
        return value

    return parse


_webhook_url = _blank_or(
    r"https?://[^/\s]+/\S*", "an incoming-webhook URL like https://hooks.slack.com/services/..."
)
_slack_channel = _blank_or(
    r"#?[\w.-]{1,80}", "a Slack channel name like #reach-alerts, or a channel id"
)


def _utc_time(value: str) -> dt.time:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if not match:
        raise ValueError("a UTC time of day HH:MM, e.g. 08:00")
    return dt.time(int(match[1]), int(match[2]))


PARSERS: dict[str, Callable[[str], object]] = {
    "text": _text,
    "path": _path,
    "sensor": _sensor,
    "output_format": _choice("csv", "json"),
    "processor": _processor,
    "positive_float": _positive_float,
    "percent": _percent,
    "factor": _factor,
    "days": _days,
    "quicklooks": _choice(*QUICKLOOK_MODES),
    "count": _count,
    "url": _url,
    "base_url": _base_url,
    "webhook_url": _webhook_url,
    "slack_channel": _slack_channel,
    "utc_time": _utc_time,
}


TABLE = Path(__file__).with_name("settings.toml")


def load_table(path: Path = TABLE) -> tuple[Setting, ...]:
    """The settings table (``settings.toml``, in its order): a setting's field is its
    variable's name without ``REACH_``, in lower case."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Setting(
            env.removeprefix("REACH_").lower(),
            env,
            entry["default"],
            PARSERS[entry["parse"]],
            entry["help"],
            entry.get("flag"),
            entry.get("scope", RUN),
            entry.get("secret", False),
        )
        for env, entry in table.items()
    )


SETTINGS: tuple[Setting, ...] = load_table()
BY_FIELD: dict[str, Setting] = {s.field: s for s in SETTINGS}
LOAD_TIME_VARS: tuple[str, ...] = (
    "REACH_PARTITIONS_START",
    "REACH_INPUT_SENSOR_INTERVAL_S",
    "REACH_OWNERS",
)
"""The variables read when the code location loads (they shape the definitions), besides
the table's ``load`` settings."""
ENV_VARS: tuple[str, ...] = (*(s.env for s in SETTINGS), *LOAD_TIME_VARS)
OTHER_VARS: tuple[str, ...] = (
    # the instance files in deploy/ (PostgreSQL, the Celery broker and backend)
    *(f"REACH_PG_{name}" for name in ("HOST", "PORT", "USER", "PASSWORD", "DB")),
    *(f"REACH_CELERY_{name}" for name in ("BROKER", "BACKEND", "QUEUE", "CONFIG")),
    # deploy/workers.sh
    "REACH_WORKER_SLOTS",
    "REACH_WORKER_PREFIX",
    "REACH_WORKER_DIR",
    # the test suite
    "REACH_REQUIRE_SERVICES",
    "REACH_UPDATE_SNAPSHOT",
    "REACH_OUTAGE_TEST_DAYS",
)
"""``REACH_*`` variables read elsewhere than in this module: not settings, not misspellings."""


class UnknownSettingWarning(UserWarning):
    """A ``REACH_*`` variable that nothing reads (a misspelled setting, most likely)."""


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per ``REACH_*`` variable of ``environ`` that nothing reads, naming the
    closest known name: a misspelled setting is otherwise silently ignored."""
    environ = os.environ if environ is None else environ
    known = {name.removeprefix("REACH_"): name for name in (*ENV_VARS, *OTHER_VARS)}
    lines = []
    for name in sorted(n for n in environ if n.startswith("REACH_")):
        if name.removeprefix("REACH_") in known:
            continue
        # compared without the prefix they all share, which would make anything "close"
        close = difflib.get_close_matches(name.removeprefix("REACH_"), known, n=1, cutoff=0.6)
        hint = f"did you mean {known[close[0]]}?" if close else "see reach-pipeline process --help"
        lines.append(f"{name} is not a reach_pipeline setting and is ignored: {hint}")
    return lines


def warn_unknown_variables(environ: Mapping[str, str] | None = None) -> None:
    """``unknown_variables`` as warnings (when the code location loads)."""
    for line in unknown_variables(environ):
        warnings.warn(line, UnknownSettingWarning, stacklevel=2)


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


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go, resolved when an alert sensor evaluates (never at load)."""

    alert_webhook_url: str = field(repr=False)
    slack_token: str = field(repr=False)
    slack_channel: str
    slack_api_url: str
    ui_base_url: str
    freshness_deadline_utc: dt.time
    watch_window_days: int = 30
    watch_min_days: int = 7
    silent_pct: float = 10.0
    dose_jump_factor: float = 10.0

    @property
    def destinations(self) -> list[str]:
        """The configured destinations, by name (none: no alerts)."""
        names = ["webhook"] if self.alert_webhook_url else []
        return names + (["slack"] if self.slack_token and self.slack_channel else [])

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self.alert_webhook_url, self.slack_token) if v)


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
        got = "the value is not shown: it is a secret" if setting.secret else f"got {raw!r}"
        raise SettingsError(f"{name} must be {exc}, {got}") from None


def resolve_settings(
    explicit: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Every setting, resolved now. ``explicit`` maps field names to values (None: unset)."""
    explicit = explicit or {}
    unknown = set(explicit) - set(BY_FIELD)
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values = {
        s.field: setting_value(s.field, explicit.get(s.field), environ)
        for s in SETTINGS
        if s.scope == RUN
    }
    if not values["telemetry_path"]:
        values["telemetry_path"] = values["input_dir"] / "download_telemetry.csv"
    else:
        values["telemetry_path"] = _path(values["telemetry_path"])
    return Settings(**values)


def resolve_alert_settings(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """The alert destinations and their options, resolved now (at evaluation time)."""
    values = {s.field: setting_value(s.field, None, environ) for s in SETTINGS if s.scope == ALERTS}
    if bool(values["slack_token"]) != bool(values["slack_channel"]):
        raise SettingsError(
            "REACH_SLACK_TOKEN and REACH_SLACK_CHANNEL go together: set both to post alerts "
            "to Slack, or neither"
        )
    return AlertSettings(**values)


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


def backfill_days_per_run(environ: Mapping[str, str] | None = None) -> int:
    """Days per run of a backfill: ``REACH_BACKFILL_DAYS_PER_RUN``, default 25.

    Read when the code location loads: it is reach_day's backfill policy. A bigger run pays
    its run's start-up (a few seconds) less often; the live day waits at most for the
    campaign run in flight (README, "Campaigns and the live day").
    """
    return setting_value("backfill_days_per_run", None, environ)


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


# What Dagster accepts as an owner: an email address, or a team name after "team:".
_OWNER = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,7}|team:\S+")


def asset_owners(environ: Mapping[str, str] | None = None) -> list[str]:
    """Owners of the assets: ``REACH_OWNERS``, comma-separated emails or ``team:name``.

    Read when the code location loads (owners are part of the definitions), like
    ``REACH_PARTITIONS_START``. Unset: no owners.
    """
    environ = os.environ if environ is None else environ
    value = environ.get("REACH_OWNERS", "").strip()
    owners = [item.strip() for item in value.split(",")] if value else []
    bad = [item for item in owners if not _OWNER.fullmatch(item)]
    if bad:
        raise SettingsError(
            "REACH_OWNERS must be comma-separated emails or team:name entries "
            f"(e.g. ops@example.org,team:reach), got {', '.join(repr(b) for b in bad)}"
        )
    return owners


def freshness_deadline(environ: Mapping[str, str] | None = None) -> dt.time:
    """``REACH_FRESHNESS_DEADLINE_UTC`` for reach_cdf's FreshnessPolicy, read when the code
    location loads (the policy is part of the definitions; the missing-day alert reads the
    same variable at each evaluation)."""
    return setting_value("freshness_deadline_utc", None, environ)
