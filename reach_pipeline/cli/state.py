"""``reach-pipeline status`` and ``reach-pipeline import-telemetry``: what the telemetry and
the disk say about each day (its status, its L1C, its S3 object, its L2), and the legacy
tool's finished days into the instance."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from reach_pipeline.contract.layout import day_dir
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.settings import Settings
from reach_pipeline.steps.geomap import day_l2

from .args import UsageError
from .process import instance, resources


def cmd_status(args: argparse.Namespace, settings: Settings, explicit: dict) -> int:
    latest = TelemetryLog(settings.telemetry_path).latest_by_day()
    span = (args.end_date - args.start_date).days + 1
    days = [args.start_date + timedelta(days=n) for n in range(span)]
    uploaded_somewhere = any(latest[d].s3_bucket for d in days if d in latest)
    client = None
    if settings.s3_bucket or uploaded_somewhere:
        client = resources(args, explicit)["reach_s3"].client()
    s3 = S3Column(client, settings.s3_bucket)
    current = current_processor(settings)
    print(f"{'day':<12}{'status':<18}{'cdf':<6}{'s3':<6}{'l2':<6}made_by")
    for day in days:
        row = latest.get(day)
        cdf = locate_cdf(
            day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
        )
        print(
            f"{day.isoformat():<12}{(row.status if row else '-'):<18}"
            f"{'yes' if cdf else 'no':<6}{s3.cell(day, row, cdf):<6}"
            f"{'yes' if day_l2(settings, day).is_file() else 'no':<6}"
            f"{made_by_cell(cdf, current)}"
        )
    if s3.error:
        print(f"reach-pipeline: s3 column '?': {s3.error}", file=sys.stderr)
    print(f"current processor: {current}")
    return 0


def current_processor(settings: Settings) -> str:
    """``module:function@version`` of REACH_PROCESSOR now (``@unknown`` if not found)."""
    from reach_pipeline.provenance.versions import processor_version

    try:
        return processor_version(settings.processor).code_version
    except ValueError:
        return f"{settings.processor}@unknown"


def made_by_cell(cdf, current: str) -> str:
    """The processor version the day's L1C records (its provenance attributes), with
    ``(stale)`` when it is not the current one; ``-`` without an L1C."""
    if cdf is None:
        return "-"
    from reach_pipeline.provenance.staleness import made_by

    made = made_by(cdf)
    spec, version = made.processor, made.version
    name = version if spec == current.rpartition("@")[0] else f"{spec}@{version}"
    return name if made.code_version == current else f"{name} (stale)"


class S3Column:
    """Whether the day's object is in S3: the key its telemetry row names (as uploaded,
    the legacy tool's ``…T000010…`` names included), else the key of its CDF on disk; in
    ``--s3-bucket`` (or REACH_S3_BUCKET) when set, else in the row's bucket. ``-`` when
    no bucket is known, ``?`` when S3 cannot say."""

    def __init__(self, client, bucket: str):
        self.client, self.bucket, self.error = client, bucket, ""

    def cell(self, day, row, cdf) -> str:
        bucket = self.bucket or (row.s3_bucket if row is not None else "")
        if not bucket:
            return "-"
        if row is not None and row.s3_key:
            return self.has(bucket, row.s3_key)
        if cdf is None:
            return "no"
        return self.has(bucket, str(day_dir("l1c", day) / cdf.name))

    def has(self, bucket: str, key: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=bucket, Key=key)
            return "yes"
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return "no"
            self.error = f"s3://{bucket}/{key}: {exc}"
        except BotoCoreError as exc:
            self.error = f"s3://{bucket}/{key}: {exc}"
        return "?"


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
