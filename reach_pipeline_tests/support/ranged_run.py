"""``python -m reach_pipeline_tests.support.ranged_run FIRST LAST``: one ranged run of
reach_cdf over FIRST..LAST, as the backfill daemon launches it (``materialize`` tagged with
the range), against the instance in ``DAGSTER_HOME`` with the ``REACH_*`` settings of the
environment. For a test that must run it in another process (in a private mount
namespace, ``private_mounts``); it prints the run's id and reads the rest from the
instance."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, materialize

from reach_pipeline.defs.registry import ASSETS, resources
from reach_pipeline.stages import REACH_CDF


def ranged_run(first: str, last: str, keys: Sequence[str] = (REACH_CDF,)) -> ExecuteInProcessResult:
    """One run of the assets ``keys`` over ``first``..``last``, tagged with the range as the
    backfill daemon tags it, with the code location's registered assets and resources
    (settings from the ``REACH_*`` environment) on the instance in ``DAGSTER_HOME``."""
    return materialize(
        [*ASSETS],
        selection=[AssetKey(key) for key in keys],
        resources=resources(),
        instance=DagsterInstance.get(),
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        raise_on_error=False,
    )


if __name__ == "__main__":
    print(ranged_run(sys.argv[1], sys.argv[2]).run_id)
