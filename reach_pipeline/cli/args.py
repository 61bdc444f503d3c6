"""The command line's arguments: the legacy ``process`` flags one for one, and friends.

Flags that name a setting default to unset, so the setting's ``REACH_*`` variable and
then its default apply (``reach_pipeline.settings``), exactly as in the Dagster layer.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime

from reach_pipeline.settings import BY_FIELD


class UsageError(Exception):
    """Bad arguments or settings: exit code 2 with a one-line reason."""


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the legacy tool
        raise UsageError(message)


def _setting_flag(parser: argparse.ArgumentParser, field: str, **kwargs) -> None:
    setting = BY_FIELD[field]
    default = setting.default or "(see below)"
    parser.add_argument(
        setting.flag,
        dest=field,
        default=None,
        help=f"{setting.help} (env {setting.env}; default {default})",
        **kwargs,
    )


# The settings every command takes as flags.
SETTING_FLAGS = (
    "input_dir",
    "output_dir",
    "telemetry_path",
    "sensor_id",
    "descriptor",
    "output_format",
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reach-pipeline",
        description="REACH day files -> L1C CDFs (-> S3), through Dagster, with the legacy "
        "telemetry contract.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, *, dates_required: bool) -> None:
        p.add_argument("--start-date", type=_date, required=dates_required, help="YYYY-MM-DD")
        p.add_argument("--end-date", type=_date, required=dates_required, help="inclusive")
        for field in SETTING_FLAGS:
            _setting_flag(p, field)
        p.add_argument("-v", "--verbose", action="count", default=0)

    proc = sub.add_parser("process", help="process (and upload) a range of days")
    common(proc, dates_required=True)
    proc.add_argument(
        "--retry-failed", action="store_true", help="retry days whose last try FAILED"
    )
    proc.add_argument("--limit-days", type=int, default=None, help="cap on days that need work")
    proc.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    proc.add_argument("--upload-to-s3", action="store_true", help="upload each CDF to S3")
    proc.add_argument(
        "--no-geomap", action="store_true", help="make the L1C only, not the L2 geomap"
    )
    _setting_flag(proc, "s3_bucket")
    proc.add_argument("--aws-region", default=None)

    imp = sub.add_parser("import-telemetry", help="mark legacy-finished days materialized")
    common(imp, dates_required=False)

    status = sub.add_parser("status", help="per-day telemetry status, CDF and S3 object")
    common(status, dates_required=True)
    _setting_flag(status, "s3_bucket")
    status.add_argument("--aws-region", default=None)
    return parser


def validate(args: argparse.Namespace) -> None:
    if args.start_date and args.end_date and args.end_date < args.start_date:
        raise UsageError(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    if getattr(args, "limit_days", None) is not None and args.limit_days <= 0:
        raise UsageError(f"--limit-days must be positive, got {args.limit_days}")


def explicit_settings(args: argparse.Namespace) -> dict:
    """The settings given as flags (None where a flag was not given)."""
    fields = (*SETTING_FLAGS, "s3_bucket")
    return {field: getattr(args, field, None) for field in fields}
