"""``reach-pipeline``: the legacy command line, running every day through Dagster.

``process`` takes the legacy ``process`` flags one for one, plans the range with
``legacy.planning`` and materializes each chosen day in-process (``reach_cdf``, plus
``reach_cdf_s3`` when uploading) against the instance in ``DAGSTER_HOME`` when set, so
the runs show in the UI, and an ephemeral one otherwise.
"""

import argparse
import logging
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reach_pipeline.legacy import planning
from reach_pipeline.legacy.layout import cdf_file_name, cdf_relative_path, find_input
from reach_pipeline.legacy.rows import resolve_cdf_path
from reach_pipeline.legacy.telemetry import (
    FAILED,
    PROCESSED,
    SKIPPED_NO_INPUT,
    UPLOADED,
    TelemetryLog,
)

log = logging.getLogger("reach_pipeline.cli")


class UsageError(Exception):
    """Bad arguments: exit code 2 with a one-line reason."""


@dataclass
class Summary:
    planned: int = 0
    processed: int = 0
    uploaded: int = 0
    skipped_existing: int = 0
    skipped_no_input: int = 0
    failed: int = 0

    def line(self, invocation: str) -> str:
        return (
            f"summary invocation={invocation} planned={self.planned} "
            f"processed={self.processed} uploaded={self.uploaded} "
            f"skipped_existing={self.skipped_existing} "
            f"skipped_no_input={self.skipped_no_input} failed={self.failed}"
        )


# ------------------------------------------------------------------------------ args


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the legacy tool
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reach-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, *, dates_required: bool) -> None:
        p.add_argument("--start-date", type=_date, required=dates_required, help="YYYY-MM-DD")
        p.add_argument("--end-date", type=_date, required=dates_required, help="inclusive")
        p.add_argument("--input-dir", default=os.environ.get("REACH_INPUT_DIR", "examples/udl"))
        p.add_argument("--output-dir", default=os.environ.get("REACH_OUTPUT_DIR", "out"))
        p.add_argument(
            "--telemetry-file", default=None, help="default: <input-dir>/download_telemetry.csv"
        )
        p.add_argument("--sensor-id", default="ALL")
        p.add_argument("--descriptor", default="QUICKLOOK")
        p.add_argument("--output-format", default="csv", choices=["csv", "json"])
        p.add_argument("-v", "--verbose", action="count", default=0)

    proc = sub.add_parser("process", help="process (and upload) a range of days")
    common(proc, dates_required=True)
    proc.add_argument(
        "--retry-failed", action="store_true", help="retry days whose last try FAILED"
    )
    proc.add_argument("--limit-days", type=int, default=None, help="cap on days that need work")
    proc.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    proc.add_argument("--upload-to-s3", action="store_true", help="upload each CDF to S3")
    proc.add_argument("--s3-bucket", default=None, help="required with --upload-to-s3")
    proc.add_argument("--aws-region", default=None)

    imp = sub.add_parser("import-telemetry", help="mark legacy-finished days materialized")
    common(imp, dates_required=False)

    status = sub.add_parser("status", help="per-day telemetry status, CDF and S3 object")
    common(status, dates_required=True)
    status.add_argument("--s3-bucket", default=None, help="also check the S3 objects")
    status.add_argument("--aws-region", default=None)
    return parser


def _validate(args: argparse.Namespace) -> None:
    if args.start_date and args.end_date and args.end_date < args.start_date:
        raise UsageError(f"--end-date {args.end_date} is before --start-date {args.start_date}")
    if getattr(args, "upload_to_s3", False) and not (
        args.s3_bucket or os.environ.get("REACH_S3_BUCKET")
    ):
        raise UsageError("--upload-to-s3 needs --s3-bucket (or REACH_S3_BUCKET)")
    if getattr(args, "limit_days", None) is not None and args.limit_days <= 0:
        raise UsageError(f"--limit-days must be positive, got {args.limit_days}")
    if args.telemetry_file is None:
        args.telemetry_file = str(Path(args.input_dir) / "download_telemetry.csv")


# ------------------------------------------------------------------------- dagster


def _instance():
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def _resources(args: argparse.Namespace) -> dict:
    from reach_pipeline.defs.io_manager import ReachIOManager
    from reach_pipeline.defs.resources import ReachS3, ReachSettings

    settings = ReachSettings(
        input_dir=args.input_dir,
        output_dir=args.output_dir,
        telemetry_path=args.telemetry_file,
        sensor_id=args.sensor_id,
        descriptor=args.descriptor,
        output_format=args.output_format,
    )
    return {
        "reach": settings,
        "reach_s3": ReachS3(
            bucket=getattr(args, "s3_bucket", None), region_name=getattr(args, "aws_region", None)
        ),
        "reach_io_manager": ReachIOManager(reach=settings),
    }


def _materialize_day(day: date, action: str, upload: bool, resources, instance, tags) -> str:
    """Run the day through Dagster; return the run id."""
    from dagster import materialize

    from reach_pipeline.defs.assets import reach_cdf, reach_cdf_s3, reach_csv
    from reach_pipeline.defs.checks import availability, cdf_is_valid

    assets = [reach_csv, reach_cdf, reach_cdf_s3, cdf_is_valid, availability]
    if action == planning.RUN_UPLOAD_ONLY:
        selection = [reach_cdf_s3]
    elif upload:
        selection = [reach_cdf, reach_cdf_s3, cdf_is_valid, availability]
    else:
        selection = [reach_cdf, cdf_is_valid, availability]
    level = logging.getLevelName(log.getEffectiveLevel())
    result = materialize(
        assets,
        selection=selection,
        partition_key=day.isoformat(),
        resources=resources,
        instance=instance,
        tags=tags,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": level}}}},
    )
    return result.run_id


# ------------------------------------------------------------------------- commands


def _plan(args: argparse.Namespace) -> list[planning.DayPlan]:
    state = TelemetryLog(args.telemetry_file).latest_by_day()
    return planning.plan_days(
        args.start_date,
        args.end_date,
        state=state,
        find_input=lambda d: find_input(args.input_dir, d, args.sensor_id, args.output_format),
        upload_to_s3=args.upload_to_s3,
        retry_failed=args.retry_failed,
        limit_days=args.limit_days,
        cdf_exists=lambda p: bool(p) and resolve_cdf_path(p, Path.cwd()).is_file(),
    )


def _print_plan(plans: list[planning.DayPlan], out) -> None:
    out.write(f"{'day':<12}{'action':<18}{'last status':<18}input\n")
    for p in plans:
        status = p.prior.status if p.prior else "-"
        name = p.input_path.name if p.input_path else "-"
        out.write(f"{p.day.isoformat():<12}{p.action:<18}{status:<18}{name}\n")


class _Progress:
    """A progress bar on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, stream):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()
        self.started = time.monotonic()

    def step(self, day: date, outcome: str | None = None) -> None:
        if outcome is not None:
            self.done += 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        if self.tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r[{bar}] {self.done}/{self.total} {day} elapsed {elapsed:5.1f}s eta {eta:5.1f}s "
            )
            if self.done == self.total and outcome is not None:
                self.stream.write("\n")
        elif outcome is not None:
            self.stream.write(
                f"{day} {outcome} ({self.done}/{self.total}, elapsed {elapsed:.1f}s, "
                f"eta {eta:.1f}s)\n"
            )
        self.stream.flush()


def _check_partitions(args: argparse.Namespace) -> None:
    """Every day of the range must be a partition, or Dagster refuses the run mid-range."""
    from reach_pipeline.defs.partitions import daily_partitions

    first = daily_partitions.get_first_partition_key()
    last = daily_partitions.get_last_partition_key()
    for flag, day in (("--start-date", args.start_date), ("--end-date", args.end_date)):
        if not daily_partitions.has_partition_key(day.isoformat()):
            raise UsageError(
                f"{flag} {day} is outside the daily partitions {first} .. {last} (a day is "
                "processed once it has ended; REACH_PARTITIONS_START sets the first)"
            )


def cmd_process(args: argparse.Namespace) -> int:
    _check_partitions(args)
    plans = _plan(args)
    if args.dry_run:
        _print_plan(plans, sys.stdout)
        return 0
    summary = Summary(planned=len(plans))
    to_run = [p for p in plans if p.action in (*planning.WORK_ACTIONS, planning.SKIP_NO_INPUT)]
    invocation = uuid.uuid4().hex[:12]
    tags = {"reach/invocation": invocation, "reach/source": "cli"}
    counted: Counter[str] = Counter()
    for p in plans:
        if p.action == planning.SKIP_EXISTING:
            counted["skipped_existing"] += 1
        elif p.action == planning.SKIP_TERMINAL:
            counted["skipped_no_input"] += 1
        elif p.action == planning.SKIP_FAILED:
            counted["failed"] += 1  # as the legacy tool: a skipped FAILED day still failed
    progress = _Progress(len(to_run), sys.stderr)
    if to_run:
        resources = _resources(args)
        instance = _instance()
        telemetry = TelemetryLog(args.telemetry_file)
        for p in to_run:
            progress.step(p.day)
            run_id = _materialize_day(p.day, p.action, args.upload_to_s3, resources, instance, tags)
            statuses = {r.status for r in telemetry.rows() if r.run_id == run_id}
            outcome = _outcome(statuses)
            for key in _count_keys(statuses):
                counted[key] += 1
            progress.step(p.day, outcome)
    for key, value in counted.items():
        setattr(summary, key, getattr(summary, key) + value)
    print(summary.line(invocation))
    return 1 if summary.failed else 0


def _count_keys(statuses: set[str]) -> list[str]:
    """What one day's run adds to the summary, from the rows it wrote (as the legacy tool
    counts: a day processed and then failed at the upload counts in both)."""
    keys = [key for status, key in _COUNTED.items() if status in statuses]
    if FAILED in statuses or not keys:
        keys.append("failed")
    return keys


_COUNTED = {PROCESSED: "processed", UPLOADED: "uploaded", SKIPPED_NO_INPUT: "skipped_no_input"}


def _outcome(statuses: set[str]) -> str:
    for status in (FAILED, UPLOADED, PROCESSED, SKIPPED_NO_INPUT):
        if status in statuses:
            return status
    return FAILED


def cmd_import(args: argparse.Namespace) -> int:
    if not os.environ.get("DAGSTER_HOME"):
        raise UsageError("import-telemetry needs DAGSTER_HOME: it records into that instance")
    from reach_pipeline.defs.sensors import legacy_import_events

    instance = _instance()
    settings = _resources(args)["reach"].resolve()
    events = legacy_import_events(instance, settings)
    for event in events:
        instance.report_runless_asset_event(event)
    print(f"imported {len(events)} day(s) finished by the legacy tool from {args.telemetry_file}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    latest = TelemetryLog(args.telemetry_file).latest_by_day()
    client = None
    bucket = args.s3_bucket or os.environ.get("REACH_S3_BUCKET")
    if bucket:
        client = _resources(args)["reach_s3"].client()
    print(f"{'day':<12}{'status':<18}{'cdf':<6}{'s3':<6}")
    day = args.start_date
    while day <= args.end_date:
        row = latest.get(day)
        rel = cdf_relative_path(cdf_file_name(day))
        cdf = (Path(args.output_dir) / rel).is_file() or bool(
            row and row.cdf_path and resolve_cdf_path(row.cdf_path, Path.cwd()).is_file()
        )
        s3 = "-" if client is None else ("yes" if _s3_has(client, bucket, str(rel)) else "no")
        print(
            f"{day.isoformat():<12}{(row.status if row else '-'):<18}"
            f"{'yes' if cdf else 'no':<6}{s3:<6}"
        )
        day = day.fromordinal(day.toordinal() + 1)
    return 0


def _s3_has(client, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False


COMMANDS = {"process": cmd_process, "import-telemetry": cmd_import, "status": cmd_status}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _validate(args)
    except UsageError as exc:
        print(f"reach-pipeline: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"reach-pipeline: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
