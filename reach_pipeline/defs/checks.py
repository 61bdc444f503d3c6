"""The asset checks, evaluated per day inside ``reach_day`` (so a ranged run records one
result per day): ``cdf_is_valid`` and ``geomap_is_valid`` (the validation each product
passes in its staging folder before it is placed: a product that fails it is never placed,
its upload never tried) and ``availability`` (records against a full day's, a warning).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date

from dagster import AssetCheckSeverity, AssetCheckSpec, AssetKey, PreviewWarning

from reach_pipeline.settings import Settings
from reach_pipeline.stages import REACH_CDF, STAGES, StageId
from reach_pipeline.steps.outcome import DayOutcome

from .partitions import daily_partitions

# Partitioned asset checks are "preview" in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings(
    "ignore", message=".*partitions_def on an AssetCheckSpec", category=PreviewWarning
)

AVAILABILITY = "availability"
# The stages with a validity check, in the table's order.
VALIDATED = [s for s in STAGES if s.validity is not None]

CHECK_SPECS = [
    *(
        AssetCheckSpec(
            s.validity.check,
            asset=s.asset,
            blocking=True,
            partitions_def=daily_partitions,
            description=s.validity.description,
        )
        for s in VALIDATED
    ),
    AssetCheckSpec(
        AVAILABILITY,
        asset=REACH_CDF,
        partitions_def=daily_partitions,
        description="Records after dedupe against the expected 1,105,920 a day (34,560 for one "
        "sensor); warns below REACH_AVAILABILITY_WARN_PCT (default 90 %).",
    ),
]


@dataclass(frozen=True)
class CheckOutcome:
    asset_key: AssetKey
    name: str
    day: date
    passed: bool
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR
    metadata: dict = field(default_factory=dict)


def day_checks(settings: Settings, outcomes: dict[StageId, DayOutcome]) -> list[CheckOutcome]:
    """The check results a day's outcomes give (none for a stage that did not get as far
    as validating a product)."""
    results = []
    for s in VALIDATED:
        outcome = outcomes.get(s.id)
        if outcome is None:
            continue
        asset, name = AssetKey(s.asset), s.validity.check
        if outcome.ok:
            metadata = {"path": outcome.facts.path, "problems": "none"}
            results.append(CheckOutcome(asset, name, outcome.day, True, metadata=metadata))
        elif outcome.failure is not None and outcome.failure.error_type == s.validity.refused:
            metadata = {"problems": outcome.failure.message}
            results.append(CheckOutcome(asset, name, outcome.day, False, metadata=metadata))
    l1c = outcomes.get(StageId.L1C)
    if l1c is not None and l1c.ok:
        pct, threshold = l1c.facts.availability_pct, settings.availability_warn_pct
        results.append(
            CheckOutcome(
                AssetKey(REACH_CDF),
                AVAILABILITY,
                l1c.day,
                pct >= threshold,
                AssetCheckSeverity.WARN,
                {"availability_pct": pct, "threshold_pct": threshold},
            )
        )
    return results
