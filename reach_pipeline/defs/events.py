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
from reach_pipeline.steps.day import L1C, L1C_UPLOAD, L2, L2_UPLOAD
from reach_pipeline.steps.outcome import LOCKED, NOT_CONFIGURED, SKIPPED, DayOutcome

from .change import change_metadata
from .checks import day_checks
from .metadata import geomap_metadata, geomap_upload_metadata, l1c_metadata, upload_metadata

NOT_RUN_HERE = "not_run_here"  # observation metadata: why another process had the day
ASSET_OF = {
    L1C: AssetKey("reach_cdf"),
    L1C_UPLOAD: AssetKey("reach_cdf_s3"),
    L2: AssetKey("reach_geomap"),
    L2_UPLOAD: AssetKey("reach_geomap_s3"),
}
METADATA_OF = {
    L1C: l1c_metadata,
    L1C_UPLOAD: upload_metadata,
    L2: geomap_metadata,
    L2_UPLOAD: geomap_upload_metadata,
}


def day_events(
    context: AssetExecutionContext,
    settings: Settings,
    outcomes: dict[str, DayOutcome],
    *,
    ranged: bool,
) -> Iterator:
    for stage, outcome in outcomes.items():
        key, day = ASSET_OF[stage], outcome.day.isoformat()
        if outcome.ok:
            metadata = METADATA_OF[stage](outcome) | change_metadata(outcome.facts.get("change"))
            if ranged:
                yield AssetMaterialization(asset_key=key, partition=day, metadata=metadata)
            else:
                yield MaterializeResult(asset_key=key, metadata=metadata)
        elif outcome.status == SKIPPED:
            context.log.info(f"{day} {key.to_user_string()}: not made ({_reason(outcome)})")
            if stage == L1C and "input_dir" in outcome.facts:
                yield no_input_observation(outcome)
        elif outcome.status == NOT_CONFIGURED:
            name = key.to_user_string()
            context.log.info(f"{day} {name}: not configured, skipped ({_reason(outcome)})")
        elif outcome.status == LOCKED:
            context.log.warning(f"{key.to_user_string()}: {outcome.message}")
            yield AssetObservation(
                asset_key=key, partition=day, metadata={NOT_RUN_HERE: outcome.message}
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


def _reason(outcome: DayOutcome) -> str:
    return outcome.facts.get("reason") or "no input file"


def failure_text(failed: list[tuple[AssetKey, DayOutcome]]) -> str:
    """One line per failed day and asset: ``YYYY-MM-DD reach_cdf: ErrorType: message``
    (the message on one line: the failure alerts read these lines back), with no secret."""
    lines = (
        f"{o.day} {key.to_user_string()}: {o.error_type}: {' '.join(o.message.split())}"
        for key, o in failed
    )
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
