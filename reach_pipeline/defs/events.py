"""Day outcomes -> Dagster events, the same for a one-day run and a ranged (backfill) run.

Every day keeps its own outcome: a good day is materialized with its own metadata, a day
with no input is left unmaterialized (and, with ``on_skipped``, leaves a record such as
``no_input_observation``), a bad day fails alone (the step raises ``Failure`` naming the
bad days after the good days' materializations, so only those show failed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetObservation,
    Failure,
    MaterializeResult,
    MetadataValue,
)

from reach_pipeline.alerts.redact import environment_secrets, redact
from reach_pipeline.steps.outcome import FAILED, SKIPPED, DayOutcome

MetadataOf = Callable[[DayOutcome], dict]
EventOf = Callable[[DayOutcome], AssetObservation]


def outcome_events(
    context: AssetExecutionContext,
    outcomes: list[DayOutcome],
    metadata_of: MetadataOf,
    on_skipped: EventOf | None = None,
) -> Iterator[MaterializeResult | AssetMaterialization | AssetObservation]:
    good = [o for o in outcomes if o.ok]
    for outcome in outcomes:
        if outcome.status == SKIPPED:
            context.log.warning(f"{outcome.day}: no input file; nothing materialized")
            if on_skipped is not None:
                yield on_skipped(outcome)
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
            metadata={
                "asset": context.asset_key.to_user_string(),
                "failed_days": ", ".join(o.day.isoformat() for o in bad),
            },
            allow_retries=False,
        )


def failure_text(bad: list[DayOutcome]) -> str:
    """One line per failed day: the day, the error type, the message (on one line; the
    failure alerts read these lines back), with no secret in it."""
    lines = (f"{o.day}: {o.error_type}: {' '.join(o.message.split())}" for o in bad)
    return redact("\n".join(lines), environment_secrets(os.environ))


def no_input_observation(outcome: DayOutcome) -> AssetObservation:
    """A day with no input file, recorded on reach_csv's partition: its page then says
    "no input (looked in …)" where it would otherwise say nothing at all."""
    folder = outcome.facts.get("input_dir", "")
    return AssetObservation(
        asset_key="reach_csv",
        partition=outcome.day.isoformat(),
        description=f"No input file for {outcome.day} in {folder}",
        metadata={"present": False, "looked_in": MetadataValue.path(folder)},
    )
