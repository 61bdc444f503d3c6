"""The products as inputs of other assets: a day's ``reach_cdf`` is its L1C path, its
``reach_geomap`` its L2 path.

A science team's own daily asset that takes ``reach_cdf`` as an input gets the day's L1C
``Path``, found through the day's telemetry row, so a day the legacy tool processed (its
CDF named after the day's first record, ``…T000010…``, known only from its row) loads as
well as one made here. An input of several days (a ranged run of the downstream asset, a
partition mapping) gets ``{partition key: Path}``, as Dagster's own IO managers give
several partitions. A day with no product is an error naming the day and what to
materialize, unless the input's metadata says ``allow_missing_partitions`` (that day is
then left out, or ``None`` for a one-day input).

Writing is not this IO manager's: ``reach_day`` yields materializations, not values, so
Dagster never hands it an output, and the telemetry rows are appended by the steps as
each day of a run ends (``contract.daylog``): a Dagster ``Output`` in a ranged run is one
value for the whole range, stored once the step has done every day (README, "Assets and
lineage"), so rows written from ``handle_output`` would come all at once or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from dagster import ConfigurableIOManager, InputContext, OutputContext

from reach_pipeline.contract.telemetry_view import TelemetryView
from reach_pipeline.settings import Settings
from reach_pipeline.stages import REACH_CDF, REACH_GEOMAP
from reach_pipeline.steps.geomap import day_l1c, day_l2

from .partitions import partition_day
from .resources import ReachSettings

IO_MANAGER_KEY = "reach_products"


def _l2(settings: Settings, day: dt.date, telemetry: TelemetryView) -> Path | None:
    path = day_l2(settings, day)
    return path if path.is_file() else None


# The products other assets can load, by asset key: how to find the day's file.
FIND: dict[str, Callable[[Settings, dt.date, TelemetryView], Path | None]] = {
    REACH_CDF: day_l1c,
    REACH_GEOMAP: _l2,
}


class MissingProduct(LookupError):
    """A day asked for as an input has no product on disk."""


class ReachProductsIOManager(ConfigurableIOManager):
    """Loads the day's product path of ``reach_cdf`` (L1C) or ``reach_geomap`` (L2)."""

    reach: ReachSettings

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if obj is not None:  # reach_day yields no values; a value would be lost here
            raise TypeError(
                f"{context.asset_key.to_user_string()}: the products are files placed by "
                f"their stage, not values to store (got a {type(obj).__name__})"
            )

    def load_input(self, context: InputContext) -> Path | dict[str, Path] | None:
        asset = context.asset_key.to_user_string()
        find = FIND.get(asset)
        if find is None:
            raise MissingProduct(f"{asset} is not a product this IO manager loads")
        settings = self.reach.resolve()
        telemetry = TelemetryView.of(settings.telemetry_path)
        allow_missing = bool((context.definition_metadata or {}).get("allow_missing_partitions"))
        found: dict[str, Path] = {}
        for key in context.asset_partition_keys:
            path = find(settings, partition_day(key), telemetry)
            if path is not None:
                found[key] = path
            elif allow_missing:
                context.log.warning(f"{asset} {key}: no product, left out")
            else:
                raise MissingProduct(
                    f"{asset} has no product for {key} (in {settings.output_dir}, or named "
                    f"by the day's row in {settings.telemetry_path}): materialize {asset} "
                    f"for {key} first"
                )
        if len(context.asset_partition_keys) == 1:
            return found.get(context.asset_partition_keys[0])
        return found
