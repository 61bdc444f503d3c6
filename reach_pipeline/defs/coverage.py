"""reach_coverage: the last 90 days as a sensor x day picture (inline in the UI) and a CSV,
refreshed by its own automation sensor once days are made.

The per-day numbers come from reach_cdf's materializations (``sensor_days``), not from the
CDFs: one query for the 90 days. The product (``reach_pipeline.coverage``) goes to
``output_dir/coverage/``.
"""

import base64
import datetime as dt

from dagster import (
    AssetExecutionContext,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    asset,
)

from reach_pipeline.coverage import POD_SENSORS, coverage, write_coverage
from reach_pipeline.stages import REACH_CDF, REACH_COVERAGE

from .assets import GROUP, OWNERS
from .preflight import run_settings
from .resources import ReachSettings
from .sensor_days import day_history, newest_made_day

COVERAGE_DAYS = 90

# After days are made (once a run that made some has ended: not during it), whatever
# their partition: eager() would look at the latest partition only.
REFRESHED_AFTER_DAYS = (
    AutomationCondition.any_deps_updated().since_last_handled()
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("refreshed after days are made")


@asset(
    name=REACH_COVERAGE,
    group_name=GROUP,
    owners=OWNERS,
    deps=[REACH_CDF],
    kinds={"csv", "png"},
    automation_condition=REFRESHED_AFTER_DAYS,
    description=f"Each sensor's availability over the {COVERAGE_DAYS} days up to the newest "
    "day with an L1C: a sensor x day picture (availability as colour, days without an L1C "
    "grey, a sensor with no records that day red) and the same numbers in "
    "output_dir/coverage/reach_coverage.csv. Refreshed after days are made.",
)
def reach_coverage(context: AssetExecutionContext, reach: ReachSettings) -> MaterializeResult:
    settings = run_settings(reach)
    last = newest_made_day(context.instance)
    if last is None:
        last = dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=COVERAGE_DAYS - 1)
    # every pod when the day files hold them all, else the one sensor they are of
    pods = POD_SENSORS if settings.sensor_id.upper() == "ALL" else (settings.sensor_id,)
    cov = coverage(day_history(context.instance, first, last), last, COVERAGE_DAYS, pods)
    csv_path, png_path, png = write_coverage(cov, settings.output_dir)
    picture = base64.b64encode(png).decode()
    return MaterializeResult(
        metadata={
            "coverage": MetadataValue.md(
                f"![sensor coverage {first} .. {last}](data:image/png;base64,{picture})"
            ),
            "csv_path": MetadataValue.path(str(csv_path)),
            "png_path": MetadataValue.path(str(png_path)),
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "days_with_l1c": len(cov.made_days),
            "sensors_with_data": len({s for (_, s), v in cov.cells.items() if v.records}),
        }
    )


reach_coverage_automation = AutomationConditionSensorDefinition(
    "reach_coverage_automation",
    target=[reach_coverage],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Requests reach_coverage after days are made (its automation condition).",
)
