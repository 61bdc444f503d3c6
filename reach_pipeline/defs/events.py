"""A day's stage outcomes -> Dagster events, the same in a one-day run and a ranged run.

Every day keeps its own outcome: a good day is materialized at once with its own metadata
(``MaterializeResult`` in a one-day run, ``AssetMaterialization`` of its partition in a
ranged one), a day with no input is left unmaterialized (and recorded on reach_csv by
``no_input_observation``), a bad day's assets are left for the step's final ``Failure``
to mark failed, and a day another process had (LOCKED) is neither: it is logged, and
recorded as an observation carrying ``NOT_RUN_HERE`` (the command line reads it). The
checks' results are recorded per day too
(``AssetCheckResult`` in a one-day run; ``AssetCheckEvaluation`` of the day's partition in
a ranged run, where an ``AssetCheckResult`` would carry no partition).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetObservation,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from reach_pipeline.alerts.redact import environment_secrets, redact
from reach_pipeline.machine import MachineFault
from reach_pipeline.settings import Settings
from reach_pipeline.stages import REACH_CSV, StageId, stage
from reach_pipeline.steps.outcome import DayFailure, DayOutcome, NoInput, Status

from .change import change_metadata
from .checks import day_checks
from .metadata import to_dagster
from .versions import CODE_VERSIONS, version_tags

NOT_RUN_HERE = "not_run_here"  # observation metadata: why another process had the day
DAY_FAILURES = "day_failures"  # the step Failure's metadata: its failed days, as records
# The step Failure's metadata when a fault of the machine stopped the run (the command line
# reads them): what happened and where, and what the operator does.
MACHINE_FAULT = "machine_fault"
MACHINE_FAULT_FIX = "machine_fault_fix"


def day_events(
    context: AssetExecutionContext,
    settings: Settings,
    outcomes: dict[StageId, DayOutcome],
    *,
    ranged: bool,
) -> Iterator:
    for stage_id, outcome in outcomes.items():
        s = stage(stage_id)
        key, day = AssetKey(s.asset), outcome.day.isoformat()
        if outcome.ok:
            change = getattr(outcome.facts, "change", None)
            metadata = to_dagster(s.metadata(outcome)) | change_metadata(change)
            tags = day_version_tags(context, s.id, key, day)
            if ranged:
                yield AssetMaterialization(
                    asset_key=key, partition=day, metadata=metadata, tags=tags
                )
            else:
                yield MaterializeResult(asset_key=key, metadata=metadata, tags=tags)
        elif outcome.status == Status.NO_INPUT:
            context.log.info(f"{day} {s.asset}: not made (no input file)")
            yield no_input_observation(outcome)
        elif outcome.status == Status.SKIPPED:
            context.log.info(f"{day} {s.asset}: not made ({outcome.reason})")
        elif outcome.status == Status.NOT_CONFIGURED:
            context.log.info(f"{day} {s.asset}: not configured, skipped ({outcome.reason})")
        elif outcome.status == Status.LOCKED:
            context.log.warning(f"{s.asset}: {outcome.reason}")
            yield AssetObservation(
                asset_key=key, partition=day, metadata={NOT_RUN_HERE: outcome.reason}
            )
    selected = context.selected_asset_check_keys
    for check in day_checks(settings, outcomes):
        if AssetCheckKey(check.asset_key, check.name) not in selected:
            continue
        if ranged:
            yield AssetCheckEvaluation(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=check.passed,
                partition=check.day.isoformat(),
                metadata=check.metadata,
                severity=check.severity,
            )
        else:
            yield AssetCheckResult(
                asset_key=check.asset_key,
                check_name=check.name,
                passed=check.passed,
                metadata=check.metadata,
                severity=check.severity,
            )


def day_version_tags(context: AssetExecutionContext, stage_id: StageId, key: AssetKey, day: str):
    """The day's code and data version tags (``versions``): an asset without a code
    version of its own gets the run's id, as Dagster gives it."""
    code = CODE_VERSIONS.get(stage_id) or context.run_id
    deps = list(context.assets_def.asset_deps[key])
    return version_tags(context.instance, code, deps, day)


def failures(outcomes: dict[StageId, DayOutcome]) -> list[DayFailure]:
    """The day's failures, one per failed stage, in the table's order."""
    return [o.failure for o in outcomes.values() if o.failure is not None]


def days_failure(failed: list[DayFailure], stopped: dict | None = None) -> Failure:
    """The step's Failure for its failed days: one line per day and asset in its
    description (``YYYY-MM-DD reach_cdf: ErrorType: message``), and the same days as
    records under ``DAY_FAILURES`` (what the alerts read); each message on one line, and
    no secret in either."""
    secrets = environment_secrets(os.environ)
    shown = [
        replace(
            f,
            message=redact(" ".join(f.message.split()), secrets),
            input_file=redact(f.input_file, secrets),
        )
        for f in failed
    ]
    lines = [f"{f.day} {f.asset}: {f.error_type}: {f.message}" for f in shown]
    return Failure(
        description="\n".join(lines),
        metadata={
            "failed_days": ", ".join(sorted({f.day.isoformat() for f in shown})),
            DAY_FAILURES: MetadataValue.json([f.as_record() for f in shown]),
            **(stopped or {}),
        },
        allow_retries=False,
    )


def stop_metadata(fault: MachineFault, not_started: list) -> dict:
    """The Failure's metadata when a fault of the machine stopped the run (``stopped`` of
    ``days_failure``)."""
    return {
        MACHINE_FAULT: fault.cause(),
        MACHINE_FAULT_FIX: fault.fix(),
        "not_started": ", ".join(day.isoformat() for day in not_started) or "-",
    }


def no_input_observation(outcome: DayOutcome) -> AssetObservation:
    """A day with no input file, recorded on reach_csv's partition: its page then says
    "no input (looked in …)" where it would otherwise say nothing at all."""
    looked: NoInput = outcome.facts
    return AssetObservation(
        asset_key=REACH_CSV,
        partition=outcome.day.isoformat(),
        description=f"No input file for {outcome.day} in {looked.input_dir}",
        metadata={"present": False, "looked_in": MetadataValue.path(looked.input_dir)},
    )
