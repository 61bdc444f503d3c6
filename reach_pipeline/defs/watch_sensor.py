"""The sensor watch: one alert when a sensor goes silent or its median dose jumps, one when
it is back (``reach_pipeline.alerts.watch`` decides; its open episodes live in the cursor).

It looks again only when reach_cdf has a new materialization, and judges the newest day
with an L1C against the days before it, so a backfill of old days tells nothing new.
"""

from __future__ import annotations

import datetime as dt
import json

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from reach_pipeline.alerts.compose import sensor_alerts
from reach_pipeline.alerts.watch import Thresholds, episodes_from_json, episodes_json, watch
from reach_pipeline.settings import AlertSettings, resolve_alert_settings

from .alerts import NO_DESTINATION, dispatcher
from .sensor_days import L1C_KEY, day_history, newest_made_day


def thresholds(alerts: AlertSettings) -> Thresholds:
    return Thresholds(
        window_days=alerts.watch_window_days,
        min_days=alerts.watch_min_days,
        silent_pct=alerts.silent_pct,
        dose_factor=alerts.dose_jump_factor,
    )


def latest_l1c_event(instance) -> int:
    """The storage id of reach_cdf's latest materialization (0: none)."""
    records = instance.fetch_materializations(L1C_KEY, limit=1).records
    return records[0].storage_id if records else 0


@sensor(
    name="reach_sensor_watch",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Posts one alert when a REACH sensor goes silent (fewer than REACH_SILENT_PCT "
    "% of its usual records) or its median dose jumps REACH_DOSE_JUMP_FACTOR-fold against "
    "its previous REACH_WATCH_WINDOW_DAYS days, and one when it is back.",
)
def reach_sensor_watch(context: SensorEvaluationContext):
    alerts = resolve_alert_settings()
    if not alerts.destinations:
        return SkipReason(NO_DESTINATION)
    cursor = json.loads(context.cursor) if context.cursor else {"seen": 0, "episodes": ""}
    seen = latest_l1c_event(context.instance)
    if seen == cursor["seen"]:
        return SkipReason("no new reach_cdf materialization")
    newest = newest_made_day(context.instance)
    th = thresholds(alerts)
    history = day_history(context.instance, newest - dt.timedelta(days=th.window_days), newest)
    notices, still_open = watch(history, episodes_from_json(cursor["episodes"]), th)
    if notices:
        sender = dispatcher(alerts, context.log)
        for alert in sensor_alerts(notices, alerts.ui_base_url, th.window_days):
            sender.send(alert)
    context.update_cursor(json.dumps({"seen": seen, "episodes": episodes_json(still_open)}))
    opened = ", ".join(
        f"{e.kind.value} {e.sensor} since {e.first_day}" for e in still_open.values()
    )
    return SkipReason(f"{newest}: {len(notices)} notice(s) posted; open: {opened or 'none'}")
