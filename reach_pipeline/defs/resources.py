"""Settings, as a typed resource. Each field: run config if given, else its environment
variable read at run time (the operators' interface), else a default that works from a
fresh clone (the bundled sample days)."""

from dataclasses import dataclass
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from reach_pipeline.legacy.isolation import DEFAULT_PROCESSOR
from reach_pipeline.legacy.rows import DayContext
from reach_pipeline.legacy.telemetry import TelemetryLog

DEFAULTS = {
    "REACH_INPUT_DIR": "examples/udl",
    "REACH_OUTPUT_DIR": "out",
    "REACH_TELEMETRY_PATH": "",  # blank: <input_dir>/download_telemetry.csv
    "REACH_SENSOR_ID": "ALL",
    "REACH_DESCRIPTOR": "QUICKLOOK",
    "REACH_OUTPUT_FORMAT": "csv",
    "REACH_PROCESSOR": DEFAULT_PROCESSOR,
    "REACH_PROCESS_TIMEOUT_S": "3600",
    "REACH_AVAILABILITY_WARN_PCT": "90",
    "REACH_SCHEDULE_LAG_DAYS": "2",
}


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    input_dir: Path
    output_dir: Path
    telemetry_path: Path
    sensor_id: str
    descriptor: str
    output_format: str
    processor: str
    process_timeout_s: float
    availability_warn_pct: float
    schedule_lag_days: int

    def telemetry(self) -> TelemetryLog:
        return TelemetryLog(self.telemetry_path)

    def day_context(self, run_id: str) -> DayContext:
        return DayContext(
            self.telemetry(), run_id, self.sensor_id, self.descriptor, self.output_format
        )


def _setting(value: str | None, env: str) -> str:
    if value not in (None, ""):
        return str(value)
    return EnvVar(env).get_value(DEFAULTS[env]) or DEFAULTS[env]


class ReachSettings(ConfigurableResource):
    """Where the day files are, where CDFs go, which processor runs, and its limits."""

    input_dir: str | None = Field(None, description="UDL day files. Env REACH_INPUT_DIR.")
    output_dir: str | None = Field(None, description="CDF layout root. Env REACH_OUTPUT_DIR.")
    telemetry_path: str | None = Field(
        None,
        description="Legacy telemetry CSV. Env REACH_TELEMETRY_PATH; "
        "default <input_dir>/download_telemetry.csv.",
    )
    sensor_id: str | None = Field(None, description="ALL or one sensor. Env REACH_SENSOR_ID.")
    descriptor: str | None = Field(None, description="Env REACH_DESCRIPTOR.")
    output_format: str | None = Field(None, description="csv or json. Env REACH_OUTPUT_FORMAT.")
    processor: str | None = Field(
        None, description="'module:function' processor. Env REACH_PROCESSOR."
    )
    process_timeout_s: float | None = Field(
        None, description="Kill the processor after this. Env REACH_PROCESS_TIMEOUT_S."
    )
    availability_warn_pct: float | None = Field(
        None, description="Warn below this availability. Env REACH_AVAILABILITY_WARN_PCT."
    )
    schedule_lag_days: int | None = Field(
        None, description="The schedule runs the day this many days ago. REACH_SCHEDULE_LAG_DAYS."
    )

    def resolve(self) -> Settings:
        """Read the settings now (at run time), never when the code location loads."""
        input_dir = Path(_setting(self.input_dir, "REACH_INPUT_DIR"))
        telemetry = _setting(self.telemetry_path, "REACH_TELEMETRY_PATH")
        output_format = _setting(self.output_format, "REACH_OUTPUT_FORMAT").lower()
        if output_format not in ("csv", "json"):
            raise ValueError(f"REACH_OUTPUT_FORMAT must be csv or json, got {output_format!r}")
        return Settings(
            input_dir=input_dir,
            output_dir=Path(_setting(self.output_dir, "REACH_OUTPUT_DIR")),
            telemetry_path=Path(telemetry) if telemetry else input_dir / "download_telemetry.csv",
            sensor_id=_setting(self.sensor_id, "REACH_SENSOR_ID"),
            descriptor=_setting(self.descriptor, "REACH_DESCRIPTOR"),
            output_format=output_format,
            processor=_setting(self.processor, "REACH_PROCESSOR"),
            process_timeout_s=float(_setting(self.process_timeout_s, "REACH_PROCESS_TIMEOUT_S")),
            availability_warn_pct=float(
                _setting(self.availability_warn_pct, "REACH_AVAILABILITY_WARN_PCT")
            ),
            schedule_lag_days=int(_setting(self.schedule_lag_days, "REACH_SCHEDULE_LAG_DAYS")),
        )


class ReachS3(ConfigurableResource):
    """Where reach_cdf_s3 uploads. Credentials and region come from the normal AWS chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE / AWS_REGION), never from here,
    so they never show in the UI, the logs or the telemetry file."""

    bucket: str | None = Field(None, description="Destination bucket. Env REACH_S3_BUCKET.")
    endpoint_url: str | None = Field(
        None, description="For S3-compatible stores. Env REACH_S3_ENDPOINT_URL."
    )
    region_name: str | None = Field(None, description="Default: AWS_REGION / the AWS chain.")
    max_attempts: int = Field(
        2, description="boto3's own attempts per call; Dagster's RetryPolicy retries the step."
    )

    def configured(self) -> bool:
        """Whether uploads are on: a bucket is set."""
        return bool(self.bucket or EnvVar("REACH_S3_BUCKET").get_value())

    def bucket_name(self) -> str:
        bucket = self.bucket or EnvVar("REACH_S3_BUCKET").get_value()
        if not bucket:
            raise ValueError(
                "no S3 bucket configured: set REACH_S3_BUCKET (and REACH_S3_ENDPOINT_URL for "
                "an S3-compatible store) to upload CDFs"
            )
        return bucket

    def client(self):
        """A boto3 S3 client from dagster-aws's S3Resource, configured at run time."""
        from dagster_aws.s3 import S3Resource  # loads boto3 and dagster-aws's components

        return S3Resource(
            endpoint_url=self.endpoint_url or EnvVar("REACH_S3_ENDPOINT_URL").get_value() or None,
            region_name=self.region_name or EnvVar("AWS_REGION").get_value() or None,
            max_attempts=self.max_attempts,
        ).get_client()
