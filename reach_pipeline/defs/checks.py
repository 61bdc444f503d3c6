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
from reach_pipeline.steps.day import L1C, L2
from reach_pipeline.steps.outcome import DayOutcome

from .partitions import daily_partitions

# Partitioned asset checks are "preview" in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings(
    "ignore", message=".*partitions_def on an AssetCheckSpec", category=PreviewWarning
)

REACH_CDF, REACH_GEOMAP = AssetKey("reach_cdf"), AssetKey("reach_geomap")

CHECK_SPECS = [
    AssetCheckSpec(
        "cdf_is_valid",
        asset=REACH_CDF,
        blocking=True,
        partitions_def=daily_partitions,
        description="The CDF reopens with cdflib, has the 14 variables and the required ISTP "
        "global attributes, and its Epoch increases strictly inside the partition's day. "
        "Checked in staging: a CDF that fails is not placed and not uploaded.",
    ),
    AssetCheckSpec(
        "availability",
        asset=REACH_CDF,
        partitions_def=daily_partitions,
        description="Records after dedupe against the expected 1,105,920 a day (34,560 for one "
        "sensor); warns below REACH_AVAILABILITY_WARN_PCT (default 90 %).",
    ),
    AssetCheckSpec(
        "geomap_is_valid",
        asset=REACH_GEOMAP,
        blocking=True,
        partitions_def=daily_partitions,
        description="The L2 CDF reopens, its shapes and labels are consistent, and its counts "
        "sum to the number of finite (time, sensor, flavor) points of the day's L1C. Checked "
        "in staging: a geomap that fails is not placed and not uploaded.",
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


# A stage's validity check, and the error type of a product refused by that validation.
VALIDITY = {
    L1C: (REACH_CDF, "cdf_is_valid", "CdfCheckFailed"),
    L2: (REACH_GEOMAP, "geomap_is_valid", "GeomapCheckFailed"),
}


def day_checks(settings: Settings, outcomes: dict[str, DayOutcome]) -> list[CheckOutcome]:
    """The check results a day's outcomes give (none for a stage that did not get as far
    as validating a product)."""
    results = []
    for stage, (asset, name, refused) in VALIDITY.items():
        outcome = outcomes.get(stage)
        if outcome is None:
            continue
        if outcome.ok:
            path = outcome.facts.get("cdf_path") or outcome.facts.get("l2_path", "")
            results.append(
                CheckOutcome(
                    asset, name, outcome.day, True, metadata={"path": path, "problems": "none"}
                )
            )
        elif outcome.error_type == refused:
            results.append(
                CheckOutcome(
                    asset, name, outcome.day, False, metadata={"problems": outcome.message}
                )
            )
    l1c = outcomes.get(L1C)
    if l1c is not None and l1c.ok:
        pct, threshold = l1c.facts["availability_pct"], settings.availability_warn_pct
        results.append(
            CheckOutcome(
                REACH_CDF,
                "availability",
                l1c.day,
                pct >= threshold,
                AssetCheckSeverity.WARN,
                {"availability_pct": pct, "threshold_pct": threshold},
            )
        )
    return results
