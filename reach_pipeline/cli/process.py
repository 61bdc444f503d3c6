"""``reach-pipeline process``: plan the range with the legacy resume rules, then materialize
each chosen day in-process through the registered assets and checks, against the instance
in ``DAGSTER_HOME`` when set (so the runs show in the UI), an ephemeral one otherwise."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

from reach_pipeline.contract import planning
from reach_pipeline.contract.layout import find_input
from reach_pipeline.contract.state import cdf_on_disk
from reach_pipeline.contract.telemetry import (
    FAILED,
    PROCESSED,
    SKIPPED_NO_INPUT,
    UPLOADED,
    TelemetryLog,
)
from reach_pipeline.settings import Settings

from .args import UsageError

log = logging.getLogger("reach_pipeline.cli")


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


def instance():
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def resources(args: argparse.Namespace, explicit: dict) -> dict:
    from reach_pipeline.defs.registry import resources as registered
    from reach_pipeline.defs.resources import ReachS3, ReachSettings

    fields = set(ReachSettings.model_fields)
    settings = ReachSettings(**{k: v for k, v in explicit.items() if k in fields})
    s3 = ReachS3(bucket=explicit.get("s3_bucket"), region_name=getattr(args, "aws_region", None))
    return registered(settings, s3)


def day_selection(action: str, *, upload: bool, geomap: bool) -> list:
    """The assets a CLI run of one day materializes (their checks come with them)."""
    from dagster import AssetKey

    keys = [] if action == planning.RUN_UPLOAD_ONLY else ["reach_cdf"]
    if upload or action == planning.RUN_UPLOAD_ONLY:
        keys.append("reach_cdf_s3")
    if geomap:
        keys += ["reach_geomap", "reach_geomap_s3"] if upload else ["reach_geomap"]
    return [AssetKey(k) for k in keys]


def materialize_day(day: date, selection: list, resources, instance, tags) -> str:
    """Run the day through Dagster; return the run id."""
    from dagster import materialize

    from reach_pipeline.defs.registry import ASSETS

    level = logging.getLevelName(log.getEffectiveLevel())
    result = materialize(
        [*ASSETS],
        selection=selection,
        partition_key=day.isoformat(),
        resources=resources,
        instance=instance,
        tags=tags,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": level}}}},
    )
    return result.run_id


def plan(args: argparse.Namespace, settings: Settings) -> list[planning.DayPlan]:
    state = TelemetryLog(settings.telemetry_path).latest_by_day()
    return planning.plan_days(
        args.start_date,
        args.end_date,
        state=state,
        find_input=lambda d: find_input(
            settings.input_dir, d, settings.sensor_id, settings.output_format
        ),
        upload_to_s3=args.upload_to_s3,
        retry_failed=args.retry_failed,
        limit_days=args.limit_days,
        cdf_exists=lambda path: (
            cdf_on_disk(
                path, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
            )
            is not None
        ),
    )


def print_plan(plans: list[planning.DayPlan], out) -> None:
    out.write(f"{'day':<12}{'action':<18}{'last status':<18}input\n")
    for p in plans:
        status = p.prior.status if p.prior else "-"
        name = p.input_path.name if p.input_path else "-"
        out.write(f"{p.day.isoformat():<12}{p.action:<18}{status:<18}{name}\n")


class Progress:
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


def check_partitions(args: argparse.Namespace) -> None:
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


def cmd_process(args: argparse.Namespace, settings: Settings, explicit: dict) -> int:
    if args.upload_to_s3 and not settings.s3_bucket:
        raise UsageError("--upload-to-s3 needs --s3-bucket (or REACH_S3_BUCKET)")
    check_partitions(args)
    plans = plan(args, settings)
    if args.dry_run:
        print_plan(plans, sys.stdout)
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
    progress = Progress(len(to_run), sys.stderr)
    if to_run:
        run_resources = resources(args, explicit)
        dagster_instance = instance()
        telemetry = TelemetryLog(settings.telemetry_path)
        for p in to_run:
            progress.step(p.day)
            selection = day_selection(p.action, upload=args.upload_to_s3, geomap=not args.no_geomap)
            run_id = materialize_day(p.day, selection, run_resources, dagster_instance, tags)
            statuses = {r.status for r in telemetry.rows() if r.run_id == run_id}
            for key in count_keys(statuses):
                counted[key] += 1
            progress.step(p.day, outcome_of(statuses))
    for key, value in counted.items():
        setattr(summary, key, getattr(summary, key) + value)
    print(summary.line(invocation))
    return 1 if summary.failed else 0


_COUNTED = {PROCESSED: "processed", UPLOADED: "uploaded", SKIPPED_NO_INPUT: "skipped_no_input"}


def count_keys(statuses: set[str]) -> list[str]:
    """What one day's run adds to the summary, from the rows it wrote (as the legacy tool
    counts: a day processed and then failed at the upload counts in both)."""
    keys = [key for status, key in _COUNTED.items() if status in statuses]
    if FAILED in statuses or not keys:
        keys.append("failed")
    return keys


def outcome_of(statuses: set[str]) -> str:
    for status in (FAILED, UPLOADED, PROCESSED, SKIPPED_NO_INPUT):
        if status in statuses:
            return status
    return FAILED
