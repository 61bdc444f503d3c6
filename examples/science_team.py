"""A science team's own daily asset built on reach_pipeline's L1C product.

The code location's Definitions merged with one asset of ours: ``l1c_record_count`` takes
``reach_cdf`` as an input and gets the day's L1C CDF as a ``Path`` (the reach_products IO
manager finds it through the day's telemetry row, so days the legacy tool processed load
too). Load it as its own code location, e.g.::

    dagster dev -f examples/science_team.py
    dagster asset materialize -f examples/science_team.py --select l1c_record_count \\
        --partition 2025-09-01
"""

from pathlib import Path

import cdflib
from dagster import Definitions, MaterializeResult, MetadataValue, asset

import reach_pipeline.definitions as reach  # the module: one Definitions at module scope
from reach_pipeline.defs.partitions import daily_partitions


@asset(partitions_def=daily_partitions, group_name="science_team")
def l1c_record_count(reach_cdf: Path) -> MaterializeResult:
    """How many records the day's L1C CDF holds (its Epoch values)."""
    records = len(cdflib.CDF(str(reach_cdf)).varget("Epoch"))
    return MaterializeResult(
        metadata={"l1c_path": MetadataValue.path(str(reach_cdf)), "records": records}
    )


defs = Definitions.merge(reach.defs, Definitions(assets=[l1c_record_count]))
