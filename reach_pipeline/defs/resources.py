"""Settings as typed resources, resolved at run time by ``reach_pipeline.settings``.

Each field left unset (the default) is read from its ``REACH_*`` environment variable when
a run starts, else the fresh-clone default; the command line sets fields from its flags.
"""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import Field

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.settings import (
    BY_FIELD,
    Settings,
    SettingsError,
    resolve_settings,
    setting_value,
)


def _env_help(field: str, text: str) -> str:
    return f"{text}. Unset: env {BY_FIELD[field].env}, default {BY_FIELD[field].default!r}."


class ReachSettings(ConfigurableResource):
    """Where the day files are, where products go, which processor runs, and its limits."""

    input_dir: str | None = Field(None, description=_env_help("input_dir", "UDL day files"))
    output_dir: str | None = Field(None, description=_env_help("output_dir", "Products"))
    telemetry_path: str | None = Field(
        None, description=_env_help("telemetry_path", "Legacy telemetry CSV")
    )
    sensor_id: str | None = Field(None, description=_env_help("sensor_id", "ALL or one sensor"))
    descriptor: str | None = Field(None, description=_env_help("descriptor", "UDL descriptor"))
    output_format: str | None = Field(None, description=_env_help("output_format", "csv or json"))
    processor: str | None = Field(
        None, description=_env_help("processor", "'module:function' L1C processor")
    )
    process_timeout_s: float | None = Field(
        None, description=_env_help("process_timeout_s", "Kill the processor after this")
    )
    availability_warn_pct: float | None = Field(
        None, description=_env_help("availability_warn_pct", "Warn below this availability")
    )
    schedule_lag_days: int | None = Field(
        None, description=_env_help("schedule_lag_days", "The schedule's lag in days")
    )
    quicklooks: str | None = Field(
        None, description=_env_help("quicklooks", "Quicklook images: default or all")
    )

    def resolve(self) -> Settings:
        """Read the settings now (at run time), never when the code location loads."""
        return resolve_settings(self.model_dump())


def day_log(settings: Settings, run_id: str) -> DayLog:
    """The telemetry writer of one run."""
    return DayLog(
        TelemetryLog(settings.telemetry_path),
        run_id,
        sensor_id=settings.sensor_id,
        descriptor=settings.descriptor,
        output_format=settings.output_format,
    )


class ReachS3(ConfigurableResource):
    """Where uploads go. Credentials and region come from the normal AWS chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE / AWS_REGION), never from here,
    so they never show in the UI, the logs or the telemetry file."""

    bucket: str | None = Field(None, description=_env_help("s3_bucket", "Destination bucket"))
    endpoint_url: str | None = Field(
        None, description=_env_help("s3_endpoint_url", "For S3-compatible stores")
    )
    region_name: str | None = Field(None, description="Default: AWS_REGION / the AWS chain.")
    max_attempts: int = Field(
        2, description="boto3's own attempts per call; the upload step retries transient errors."
    )

    def configured(self) -> bool:
        """Whether uploads are on: a bucket is set."""
        return bool(setting_value("s3_bucket", self.bucket))

    def bucket_name(self) -> str:
        bucket = setting_value("s3_bucket", self.bucket)
        if not bucket:
            raise SettingsError(
                "no S3 bucket configured: set REACH_S3_BUCKET (and REACH_S3_ENDPOINT_URL for "
                "an S3-compatible store) to upload"
            )
        return str(bucket)

    def client(self):
        """A boto3 S3 client from dagster-aws's S3Resource, configured at run time."""
        from dagster_aws.s3 import S3Resource  # loads boto3 and dagster-aws's components

        return S3Resource(
            endpoint_url=setting_value("s3_endpoint_url", self.endpoint_url) or None,
            region_name=self.region_name or os.environ.get("AWS_REGION") or None,
            max_attempts=self.max_attempts,
        ).get_client()
