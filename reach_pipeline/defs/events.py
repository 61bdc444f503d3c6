"""Day outcomes -> Dagster events, the same for a one-day run and a ranged (backfill) run.

Every day keeps its own outcome: a good day is materialized with its own metadata, a day
with no input is left unmaterialized, a bad day fails alone (the step raises ``Failure``
naming the bad days after the good days' materializations, so only those show failed).
A day another process had (LOCKED) is neither: it is logged, and recorded as an
observation of the day carrying ``NOT_RUN_HERE`` (the command line reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetObservation,
    Failure,
    MaterializeResult,
)

from reach_pipeline.steps.outcome import FAILED, LOCKED, SKIPPED, DayOutcome

MetadataOf = Callable[[DayOutcome], dict]
NOT_RUN_HERE = "not_run_here"  # observation metadata: why another process had the day


def outcome_events(
    context: AssetExecutionContext, outcomes: list[DayOutcome], metadata_of: MetadataOf
) -> Iterator[MaterializeResult | AssetMaterialization | AssetObservation]:
    good = [o for o in outcomes if o.ok]
    for outcome in outcomes:
        if outcome.status == SKIPPED:
            context.log.warning(f"{outcome.day}: no input file; nothing materialized")
        elif outcome.status == LOCKED:
            context.log.warning(outcome.message)
            yield AssetObservation(
                asset_key=context.asset_key,
                partition=outcome.day.isoformat(),
                metadata={NOT_RUN_HERE: outcome.message},
            )
    if len(good) == len(outcomes):
        # Every day materialized: one result, so assets downstream in this run go on.
        if len(good) == 1:
            yield MaterializeResult(metadata=metadata_of(good[0]))
            return
        for outcome in good:
            context.add_asset_metadata(metadata_of(outcome), partition_key=outcome.day.isoformat())
        yield MaterializeResult()
        return
    for outcome in good:
        yield AssetMaterialization(
            asset_key=context.asset_key,
            partition=outcome.day.isoformat(),
            metadata=metadata_of(outcome),
        )
    bad = [o for o in outcomes if o.status == FAILED]
    if bad:
        raise Failure(
            description=failure_text(bad),
            metadata={"failed_days": ", ".join(o.day.isoformat() for o in bad)},
            allow_retries=False,
        )


def failure_text(bad: list[DayOutcome]) -> str:
    """One line per failed day: the day, the error type, the message."""
    return "\n".join(f"{o.day}: {o.error_type}: {o.message}" for o in bad)
