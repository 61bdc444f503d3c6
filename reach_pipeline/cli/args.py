"""The command line's arguments: the legacy ``process`` flags one for one, and friends.

Flags that name a setting default to unset, so the setting's ``REACH_*`` variable and
then its default apply (``reach_pipeline.settings``), exactly as in the Dagster layer.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime

from reach_pipeline.settings import BY_FIELD, RUN, SETTINGS, Setting

from .selection import Asked, parse_stages


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


def _plain(text: str) -> str:
    """Help text shown as written: argparse %-formats help strings."""
    return text.replace("%", "%%")


# Defaults that are not a value of their own.
_DEFAULT_TEXT = {
    "telemetry_path": "<input dir>/download_telemetry.csv",
    "s3_bucket": "none: no upload",
    "s3_endpoint_url": "AWS S3",
}


def default_text(setting: Setting) -> str:
    return _DEFAULT_TEXT.get(setting.field) or setting.default


def _setting_flag(parser: argparse.ArgumentParser, field: str, **kwargs) -> None:
    setting = BY_FIELD[field]
    parser.add_argument(
        setting.flag,
        dest=field,
        default=None,
        metavar=setting.flag.removeprefix("--").split("-")[-1].upper(),
        help=_plain(f"{setting.help} (default: {default_text(setting)}; env {setting.env})"),
        **kwargs,
    )


def environment_only_epilog() -> str:
    """The settings a command takes from the environment only (no flag)."""
    lines = ["settings without a flag, from the environment:"]
    for setting in SETTINGS:
        if setting.scope == RUN and setting.flag is None:
            lines.append(f"  {setting.env:<30} {setting.help} (default: {default_text(setting)})")
    return "\n".join(lines)


# The settings every command takes as flags.
SETTING_FLAGS = (
    "input_dir",
    "output_dir",
    "telemetry_path",
    "sensor_id",
    "descriptor",
    "output_format",
)


AWS_REGION_HELP = "AWS region of the bucket (default: the AWS chain; env AWS_REGION)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="reach-pipeline",
        description="REACH day files -> L1C CDFs (-> S3), through Dagster, with the legacy "
        "telemetry contract.",
        epilog="Run 'reach-pipeline COMMAND --help' for the options of a command.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, title="commands", metavar="COMMAND"
    )

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=environment_only_epilog(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def common(p: argparse.ArgumentParser, *, dates_required: bool) -> None:
        # import-telemetry takes them (the commands share their flags) but imports every
        # finished day whatever they say.
        need = "required" if dates_required else "not used: every finished day is imported"
        p.add_argument(
            "--start-date",
            type=_date,
            required=dates_required,
            metavar="DAY",
            help=f"first day, YYYY-MM-DD ({need})",
        )
        p.add_argument(
            "--end-date",
            type=_date,
            required=dates_required,
            metavar="DAY",
            help=f"last day, included, YYYY-MM-DD ({need})",
        )
        for field in SETTING_FLAGS:
            _setting_flag(p, field)
        p.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=0,
            help="more log lines: -v info, -vv debug (default: warnings only)",
        )

    proc = command("process", "process (and upload) a range of days")
    common(proc, dates_required=True)
    proc.add_argument(
        "--retry-failed",
        action="store_true",
        help="retry days whose last try FAILED (default: off, they are skipped)",
    )
    proc.add_argument(
        "--stale",
        action="store_true",
        help="also make again the days done with a stale product: its L1C was made by "
        "another processor or processor version than REACH_PROCESSOR's now, or from "
        "another input than the day's file now (read from the product's provenance "
        "attributes; a product without them counts as stale); their L2 is made again too "
        "unless --no-geomap (default: off)",
    )
    proc.add_argument(
        "--limit-days",
        type=int,
        default=None,
        metavar="N",
        help="process at most N days that need work (default: no limit)",
    )
    proc.add_argument(
        "--dry-run", action="store_true", help="print the plan; write nothing (default: off)"
    )
    proc.add_argument(
        "--upload-to-s3",
        action="store_true",
        help="upload each CDF to S3; needs a bucket (default: off)",
    )
    proc.add_argument(
        "--no-geomap",
        action="store_true",
        help="make the L1C only, not the L2 geomap (default: off, both are made)",
    )
    proc.add_argument(
        "--stages",
        type=parse_stages,
        default=None,
        metavar="LIST",
        help="the stages to make, comma-separated: l1c, l2, upload; each day's missing ones "
        "are made, done ones skipped (default: as the telemetry plans the day: the L1C, with "
        "the L2 unless --no-geomap, the uploads with --upload-to-s3)",
    )
    proc.add_argument(
        "--force",
        action="store_true",
        help="make the chosen stages again even when done, and say what changed (default: off)",
    )
    _setting_flag(proc, "s3_bucket")
    proc.add_argument("--aws-region", default=None, metavar="REGION", help=AWS_REGION_HELP)

    imp = command("import-telemetry", "mark the days the legacy tool finished materialized")
    common(imp, dates_required=False)

    status = command("status", "per-day telemetry status, CDF and S3 object")
    common(status, dates_required=True)
    _setting_flag(status, "s3_bucket")
    status.add_argument("--aws-region", default=None, metavar="REGION", help=AWS_REGION_HELP)
    return parser


def validate(args: argparse.Namespace) -> None:
    if args.start_date and args.end_date and args.end_date < args.start_date:
        raise UsageError(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    if getattr(args, "limit_days", None) is not None and args.limit_days <= 0:
        raise UsageError(f"--limit-days must be positive, got {args.limit_days}")
    stages = getattr(args, "stages", None)
    if stages is not None and Asked.L2 in stages and args.no_geomap:
        raise UsageError("--no-geomap contradicts --stages with l2: give one of them")


def explicit_settings(args: argparse.Namespace) -> dict:
    """The settings given as flags (None where a flag was not given)."""
    fields = (*SETTING_FLAGS, "s3_bucket")
    return {field: getattr(args, field, None) for field in fields}
