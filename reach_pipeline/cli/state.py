"""``reach-pipeline status`` and ``reach-pipeline import-telemetry``: what the telemetry and
the disk say about each day, and the legacy tool's finished days into the instance."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

from reach_pipeline.contract.layout import day_dir
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.settings import Settings

from .args import UsageError
from .process import instance, resources


def cmd_status(args: argparse.Namespace, settings: Settings, explicit: dict) -> int:
    latest = TelemetryLog(settings.telemetry_path).latest_by_day()
    client = resources(args, explicit)["reach_s3"].client() if settings.s3_bucket else None
    print(f"{'day':<12}{'status':<18}{'cdf':<6}{'s3':<6}")
    day = args.start_date
    while day <= args.end_date:
        row = latest.get(day)
        cdf = locate_cdf(
            day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
        )
        s3 = "-"
        if client is not None and cdf is not None:
            key = str(day_dir("l1c", day) / cdf.name)
            s3 = "yes" if s3_has(client, settings.s3_bucket, key) else "no"
        elif client is not None:
            s3 = "no"
        print(
            f"{day.isoformat():<12}{(row.status if row else '-'):<18}"
            f"{'yes' if cdf else 'no':<6}{s3:<6}"
        )
        day += timedelta(days=1)
    return 0


def s3_has(client, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False


def cmd_import(args: argparse.Namespace, settings: Settings, explicit: dict) -> int:
    if not os.environ.get("DAGSTER_HOME"):
        raise UsageError("import-telemetry needs DAGSTER_HOME: it records into that instance")
    from reach_pipeline.defs.legacy_import import legacy_import_events

    dagster_instance = instance()
    events = legacy_import_events(dagster_instance, settings)
    for event in events:
        dagster_instance.report_runless_asset_event(event)
    print(
        f"imported {len(events)} day(s) finished by the legacy tool from {settings.telemetry_path}"
    )
    return 0
