"""The code location: wiring only."""

from dagster import Definitions, in_process_executor

from reach_pipeline.defs.assets import reach_cdf, reach_cdf_s3, reach_csv
from reach_pipeline.defs.checks import availability, cdf_is_valid
from reach_pipeline.defs.io_manager import ReachIOManager
from reach_pipeline.defs.jobs import reach_daily_job
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline.defs.schedules import reach_daily_schedule
from reach_pipeline.defs.sensors import reach_input_sensor, reach_legacy_import_sensor

settings = ReachSettings()

defs = Definitions(
    assets=[reach_csv, reach_cdf, reach_cdf_s3],
    asset_checks=[cdf_is_valid, availability],
    jobs=[reach_daily_job],
    schedules=[reach_daily_schedule],
    sensors=[reach_input_sensor, reach_legacy_import_sensor],
    resources={
        "reach": settings,
        "reach_s3": ReachS3(),
        "reach_io_manager": ReachIOManager(reach=settings),
    },
    # One process per run: the processor already runs in its own child process, so a
    # subprocess per step would only add start-up time to every day of a backfill.
    executor=in_process_executor,
)
