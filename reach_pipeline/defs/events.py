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

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetObservation,
    MaterializeResult,
    MetadataValue,
)

from reach_pipeline.alerts.redact import environment_secrets, redact
from reach_pipeline.settings import Settings
from reach_pipeline.stages import REACH_CSV, StageId, stage
from reach_pipeline.steps.outcome import DayFailure, DayOutcome, NoInput, Status

from .checks import day_checks
from .metadata import to_dagster

NOT_RUN_HERE = "not_run_here"  # observation metadata: why another process had the day


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
            metadata = to_dagster(s.metadata(outcome))
            if ranged:
                yield AssetMaterialization(asset_key=key, partition=day, metadata=metadata)
            else:
                yield MaterializeResult(asset_key=key, metadata=metadata)
        elif outcome.status == Status.NO_INPUT:
            context.log.info(f"{day} {s.asset}: not made (no input file)")
            yield no_input_observation(outcome)
        elif outcome.status in (Status.SKIPPED, Status.NOT_CONFIGURED):
            context.log.info(f"{day} {s.asset}: not made ({outcome.reason})")
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


def failures(outcomes: dict[StageId, DayOutcome]) -> list[DayFailure]:
    """The day's failures, one per failed stage, in the table's order."""
    return [o.failure for o in outcomes.values() if o.failure is not None]


def failure_text(failed: list[DayFailure]) -> str:
    """One line per failed day and asset: ``YYYY-MM-DD reach_cdf: ErrorType: message``
    (the message on one line: the failure alerts read these lines back), with no secret."""
    lines = (f"{f.day} {f.asset}: {f.error_type}: {' '.join(f.message.split())}" for f in failed)
    return redact("\n".join(lines), environment_secrets(os.environ))


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
