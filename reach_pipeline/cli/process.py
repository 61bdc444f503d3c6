"""``reach-pipeline process``: plan the range with the legacy resume rules, then materialize
each chosen day in-process through the registered assets and checks, against the instance
in ``DAGSTER_HOME`` when set (so the runs show in the UI), an ephemeral one otherwise."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date

from reach_pipeline.contract import planning
from reach_pipeline.contract.layout import InputProblem, find_input
from reach_pipeline.contract.state import cdf_on_disk, locate_cdf
from reach_pipeline.contract.telemetry import (
    FAILED,
    PROCESSED,
    SKIPPED_NO_INPUT,
    UPLOAD_PENDING,
    UPLOADED,
)
from reach_pipeline.contract.telemetry_view import TelemetryView
from reach_pipeline.settings import Settings
from reach_pipeline.stages import StageId, stage
from reach_pipeline.steps.claim import BASELINE_TAG
from reach_pipeline.steps.geomap import day_l2

from . import selection
from .args import UsageError
from .interrupts import StopSignals, exit_code, interrupted_line
from .report import (
    change_note,
    console_log_level,
    day_changes,
    failure_detail,
    run_error,
    skipped_failed_note,
)

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


def day_selection(stages: tuple[StageId, ...]) -> list:
    """The assets a CLI run of one day materializes (their checks come with them)."""
    from dagster import AssetKey

    return [AssetKey(stage(s).asset) for s in stages]


def day_stages(args, settings: Settings, p: planning.DayPlan) -> tuple[StageId, ...]:
    """The stages of ``p``'s day this run makes (``selection``)."""
    wanted = selection.asked(args.stages, upload=args.upload_to_s3, geomap=not args.no_geomap)
    if args.stages is None:
        return selection.legacy_stages(p.action, wanted)
    l1c = locate_cdf(
        p.day, p.prior, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )
    return selection.missing_stages(
        p.action,
        wanted,
        l1c_on_disk=l1c is not None,
        l2_on_disk=day_l2(settings, p.day).is_file(),
        force=args.force,
    )


def materialize_day(day: date, selection: list, resources, instance, tags):
    """Run the day through Dagster; return its ``ExecuteInProcessResult``."""
    from dagster import materialize

    from reach_pipeline.defs.registry import ASSETS

    level = console_log_level(log)
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
    return result


def plan(
    args: argparse.Namespace, settings: Settings, telemetry: TelemetryView
) -> list[planning.DayPlan]:
    return planning.plan_days(
        args.start_date,
        args.end_date,
        state=telemetry.latest_by_day(),
        find_input=lambda d: planned_input(settings, d),
        upload_to_s3=args.upload_to_s3,
        retry_failed=args.retry_failed,
        limit_days=args.limit_days,
        stale=stale_check(settings) if getattr(args, "stale", False) else None,
        force=args.force,
        cdf_exists=lambda path: (
            cdf_on_disk(
                path, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
            )
            is not None
        ),
    )


def stale_check(settings: Settings):
    """``stale(day, prior, input_path)`` for the planner: the day's L1C on disk was made by
    another processor version than the current one, or from another input."""
    from reach_pipeline.provenance.staleness import made_by, stale_reason
    from reach_pipeline.provenance.versions import processor_version

    try:
        current = processor_version(settings.processor)
    except ValueError as exc:
        raise UsageError(f"REACH_PROCESSOR: {exc}") from None

    def stale(day: date, prior, input_path) -> bool:
        cdf = locate_cdf(
            day, prior, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
        )
        return cdf is not None and stale_reason(made_by(cdf), current, cdf, input_path) is not None

    return stale


def planned_input(settings: Settings, day: date):
    """The day's input for planning. A day whose input is a problem (a folder, files that
    cannot be told apart) is planned with the first path the problem names: it is run,
    and FAILED saying what is wrong."""
    try:
        return find_input(settings.input_dir, day, settings.sensor_id, settings.output_format)
    except InputProblem as exc:
        return exc.paths[0]


def input_label(settings: Settings, p: planning.DayPlan) -> str:
    """The dry run's input column: the file's name, ``-``, or the input's problem."""
    if p.input_path is None:
        return "-"
    try:
        find_input(settings.input_dir, p.day, settings.sensor_id, settings.output_format)
    except InputProblem as exc:
        return f"problem:{exc.error_type}"
    return p.input_path.name


def print_plan(
    plans: list[planning.DayPlan], out, settings: Settings, stages: dict | None = None
) -> None:
    """The plan, as the legacy tool prints it; with ``stages`` (``--stages``, ``--force``)
    a column of each day's stages before the input."""
    made = "" if stages is None else f"{'stages':<32}"
    out.write(f"{'day':<12}{'action':<18}{'last status':<18}{made}input\n")
    for p in plans:
        status = p.prior.status if p.prior else "-"
        name = input_label(settings, p)
        if stages is not None:
            made = f"{','.join(stages[p.day]) or '-':<32}"
        out.write(f"{p.day.isoformat():<12}{p.action:<18}{status:<18}{made}{name}\n")


class Progress:
    """A progress bar on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, stream):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()
        self.started = time.monotonic()

    def note(self, text: str) -> None:
        """A line of its own (on a terminal, over the bar, which the next step redraws)."""
        self.stream.write(f"\r{text}\x1b[K\n" if self.tty else f"{text}\n")
        self.stream.flush()

    def step(self, day: date, outcome: str | None = None, detail: str | None = None) -> None:
        """Start (no ``outcome``) or end a day; ``detail`` says what went wrong, on the
        day's line (its own line under a progress bar)."""
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
            if detail:
                self.note(f"{day} {outcome}: {detail}")
        elif outcome is not None:
            self.stream.write(
                f"{day} {outcome} ({self.done}/{self.total}, elapsed {elapsed:.1f}s, "
                f"eta {eta:.1f}s){': ' + detail if detail else ''}\n"
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
    if args.stages is not None and selection.Asked.UPLOAD in args.stages:
        args.upload_to_s3 = True
    if args.upload_to_s3 and not settings.s3_bucket:
        flag = "--upload-to-s3" if args.stages is None else "--stages upload"
        raise UsageError(f"{flag} needs --s3-bucket (or REACH_S3_BUCKET)")
    check_partitions(args)
    with StopSignals() as stop:
        batch = Batch(TelemetryView.of(settings.telemetry_path))
        try:
            return batch.run(args, settings, explicit, stop)
        except KeyboardInterrupt:
            pass  # a signal outside Dagster's runs: reported below
        signum = stop.received() or signal.SIGINT
        sys.stderr.write(batch.progress_end())
        day = batch.current.day if batch.current is not None else None
        line = interrupted_line(signum, day, batch.rows_since(), batch.not_started())
        print(line, file=sys.stderr)
        if batch.summary is not None:
            print(batch.summary.line(batch.invocation))
        return exit_code(signum)


class Batch:
    """One invocation's days and what became of them (read again if it is interrupted).

    It holds the process's ``TelemetryView`` for the whole invocation: the plan reads the
    telemetry file once, and the days' stages (in this process) and the rows each day
    wrote are read from what was appended since."""

    def __init__(self, telemetry: TelemetryView):
        self.telemetry = telemetry
        self.invocation = uuid.uuid4().hex[:12]
        self.baseline = 0
        self.to_run: list[planning.DayPlan] = []
        self.current: planning.DayPlan | None = None
        self.finished = False  # the current day has ended (counted)
        self.summary: Summary | None = None
        self.progress: Progress | None = None
        self.locked: list[date] = []

    def run(self, args, settings: Settings, explicit: dict, stop: StopSignals) -> int:
        # The baseline before the plan: a row another process writes after it means that
        # process took the day (steps.claim).
        self.baseline = self.telemetry.refresh()
        plans = plan(args, settings, self.telemetry)
        stages = {p.day: day_stages(args, settings, p) for p in plans}
        if args.dry_run:
            shown = stages if args.stages is not None or args.force else None
            print_plan(plans, sys.stdout, settings, shown)
            return 0
        summary = self.summary = Summary(planned=len(plans))
        self.to_run = [p for p in plans if stages[p.day]]
        tags = {
            "reach/invocation": self.invocation,
            "reach/source": "cli",
            BASELINE_TAG: str(self.baseline),
        }
        for p in plans:
            if stages[p.day]:
                continue
            if p.action == planning.SKIP_EXISTING:
                summary.skipped_existing += 1
            elif p.action == planning.SKIP_TERMINAL:
                summary.skipped_no_input += 1
            elif p.action == planning.SKIP_FAILED:
                summary.failed += 1  # as the legacy tool: a skipped FAILED day still failed
        progress = self.progress = Progress(len(self.to_run), sys.stderr)
        if self.to_run:
            run_resources = resources(args, explicit)
            dagster_instance = instance()
            for p in self.to_run:
                if stop.received():
                    raise KeyboardInterrupt
                self.current, self.finished = p, False
                progress.step(p.day)
                with stop.quiet():
                    result = materialize_day(
                        p.day, day_selection(stages[p.day]), run_resources, dagster_instance, tags
                    )
                rows = [
                    r for r in self.telemetry.rows_since(self.baseline) if r.run_id == result.run_id
                ]
                statuses = {r.status for r in rows}
                elsewhere = not_run_here(result)
                if stop.received() and not (statuses & CLOSING_STATUSES or elsewhere):
                    raise KeyboardInterrupt  # the day was interrupted: not counted
                if elsewhere:
                    self.locked.append(p.day)
                # A stage without telemetry (the L2 geomap) fails the run, not a row.
                run_failed = not result.success and not elsewhere
                untracked = not {StageId.L1C, StageId.L1C_UPLOAD} & set(stages[p.day])
                keys = count_keys(
                    statuses, elsewhere=bool(elsewhere), run_failed=run_failed, untracked=untracked
                )
                for key in keys:
                    setattr(summary, key, getattr(summary, key) + 1)
                self.finished = True
                outcome = FAILED if run_failed else outcome_of(statuses, elsewhere, untracked)
                fault = machine_fault(result)
                detail = change_note(day_changes(result))
                if outcome == FAILED and fault is None:
                    detail = failure_detail(rows, run_error(result), p.input_path)
                progress.step(p.day, outcome, detail)
                if fault is not None:  # the machine's fault: said once, and the run stops
                    print(self.stopped_line(*fault), file=sys.stderr)
                    print(summary.line(self.invocation))
                    return 2
                if stop.received():
                    raise KeyboardInterrupt
        skipped_failed = [p.day for p in plans if p.action == planning.SKIP_FAILED]
        if skipped_failed:
            progress.note(skipped_failed_note(skipped_failed))
        if self.locked:
            print("skipped_locked days=" + ",".join(d.isoformat() for d in self.locked))
        print(summary.line(self.invocation))
        return 1 if summary.failed else 0

    def rows_since(self) -> list:
        """The current day's rows written since the plan (what its interruption left)."""
        if self.current is None:
            return []
        key = self.current.day.isoformat()
        return [r for r in self.telemetry.rows_since(self.baseline) if r.chunk_date_utc == key]

    def not_started(self) -> list[date]:
        """The planned days this invocation did not start (the current one included if it
        had written nothing yet)."""
        if self.current is None:
            return [p.day for p in self.to_run]
        index = self.to_run.index(self.current)
        started = self.finished or bool(self.rows_since())
        return [p.day for p in self.to_run[index + (1 if started else 0) :]]

    def stopped_line(self, cause: str, fix: str) -> str:
        """The operator's line when a fault of the machine stopped the run at the current
        day: what happened and where, the days left, the fix."""
        later = self.not_started()
        return (
            f"reach-pipeline: error: {cause}; stopped at {self.current.day}"
            f" ({len(later)} later day(s) not started): {fix}"
        )

    def progress_end(self) -> str:
        return "\n" if self.progress is not None and self.progress.tty else ""


_COUNTED = {PROCESSED: "processed", UPLOADED: "uploaded", SKIPPED_NO_INPUT: "skipped_no_input"}
CLOSING_STATUSES = frozenset({PROCESSED, UPLOADED, SKIPPED_NO_INPUT, FAILED})
SKIPPED_LOCKED = "SKIPPED_LOCKED"  # progress only: not a telemetry status
L2_MADE = "L2_MADE"  # progress only: a day whose L2 (and its upload) alone was made


def not_run_here(result) -> list[str]:
    """Why another process had this run's day, per asset (``defs.events.NOT_RUN_HERE``)."""
    from reach_pipeline.defs.events import NOT_RUN_HERE

    reasons = []
    for event in result.get_asset_observation_events():
        metadata = event.asset_observation_data.asset_observation.metadata
        if NOT_RUN_HERE in metadata:
            reasons.append(metadata[NOT_RUN_HERE].value)
    return reasons


def machine_fault(result) -> tuple[str, str] | None:
    """What stopped this run's day, and the fix, when it was a fault of the machine
    (``defs.events.MACHINE_FAULT``); ``None`` otherwise."""
    from reach_pipeline.defs.events import MACHINE_FAULT, MACHINE_FAULT_FIX

    for event in result.get_step_failure_events():
        user = event.step_failure_data.user_failure_data
        metadata = user.metadata if user is not None else {}
        if MACHINE_FAULT in metadata:
            return metadata[MACHINE_FAULT].value, metadata[MACHINE_FAULT_FIX].value
    return None


def count_keys(
    statuses: set[str], elsewhere: bool = False, run_failed: bool = False, untracked: bool = False
) -> list[str]:
    """What one day's run adds to the summary, from the rows it wrote (as the legacy tool
    counts: a day processed and then failed at the upload counts in both). A day another
    process had (``elsewhere``) may have no row of this run, and is not a failure; a run
    that failed at a stage without telemetry (``run_failed``: the geomap) is one. A day
    whose stages write no telemetry (``untracked``: its L2 only) counts as processed."""
    keys = [key for status, key in _COUNTED.items() if status in statuses]
    if untracked and not run_failed and not elsewhere:
        keys.append("processed")
    upload_left_pending = UPLOAD_PENDING in statuses and not statuses & {UPLOADED, FAILED}
    if FAILED in statuses or upload_left_pending or run_failed or not (keys or elsewhere):
        keys.append("failed")
    return keys


def outcome_of(statuses: set[str], elsewhere=(), untracked: bool = False) -> str:
    for status in (FAILED, UPLOADED, UPLOAD_PENDING, PROCESSED, SKIPPED_NO_INPUT):
        if status in statuses:
            return status
    if elsewhere:
        return SKIPPED_LOCKED
    return L2_MADE if untracked else FAILED
