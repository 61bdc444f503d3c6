"""Stores each stage's output and writes the stage's closing telemetry row.

reach_cdf's output is the CDF (already in the layout) plus its facts: stored as a small
JSON record under ``<output_dir>/.reach_state/``, handed to reach_cdf_s3, and logged as
``PROCESSED``. A day that the legacy tool processed has no record: its CDF is found by
the layout rule instead.
"""

import datetime as dt
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dagster import ConfigurableIOManager, InputContext, OutputContext

from reach_pipeline.legacy.layout import cdf_file_name, cdf_relative_path
from reach_pipeline.legacy.rows import append_day_row, megabytes, seconds
from reach_pipeline.legacy.telemetry import PROCESSED, UPLOADED, utc_now_iso

from .partitions import partition_day
from .resources import ReachSettings

STATE_DIR = ".reach_state"


@dataclass(frozen=True)
class CdfOutput:
    """reach_cdf's output: where the day's CDF is and what processing found."""

    day: str
    cdf_path: str
    relative_path: str
    size_bytes: int
    process_seconds: float
    started_at_utc: str
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UploadOutput:
    """reach_cdf_s3's output: the verified object and the CDF it came from."""

    day: str
    cdf: CdfOutput
    bucket: str
    key: str
    size_bytes: int
    md5: str
    upload_seconds: float
    skipped_existing: bool
    started_at_utc: str


class ReachIOManager(ConfigurableIOManager):
    reach: ReachSettings

    def _state_path(self, asset: str, day: dt.date) -> Path:
        return self.reach.resolve().output_dir / STATE_DIR / asset / f"{day.isoformat()}.json"

    def handle_output(self, context: OutputContext, obj) -> None:
        if obj is None:
            return
        day = partition_day(context.asset_partition_key)
        settings = self.reach.resolve()
        if isinstance(obj, CdfOutput):
            _write_json(self._state_path("reach_cdf", day), asdict(obj))
            append_day_row(
                settings.day_context(context.run_id),
                day,
                PROCESSED,
                started_at_utc=obj.started_at_utc,
                finished_at_utc=utc_now_iso(),
                **cdf_columns(obj),
            )
        elif isinstance(obj, UploadOutput):
            _write_json(self._state_path("reach_cdf_s3", day), asdict(obj))
            append_day_row(
                settings.day_context(context.run_id),
                day,
                UPLOADED,
                started_at_utc=obj.started_at_utc,
                finished_at_utc=utc_now_iso(),
                upload_seconds=seconds(obj.upload_seconds),
                s3_bucket=obj.bucket,
                s3_key=obj.key,
                **cdf_columns(obj.cdf),
            )
        else:
            raise TypeError(f"ReachIOManager cannot store {type(obj).__name__}")

    def load_input(self, context: InputContext) -> CdfOutput:
        day = partition_day(context.asset_partition_key)
        state = self._state_path("reach_cdf", day)
        if state.is_file():
            return CdfOutput(**json.loads(state.read_text()))
        # Processed by the legacy tool (imported state): the layout says where it is.
        settings = self.reach.resolve()
        relative = cdf_relative_path(cdf_file_name(day))
        path = settings.output_dir / relative
        if not path.is_file():
            raise FileNotFoundError(f"no CDF for {day}: expected {path}; materialize reach_cdf")
        return CdfOutput(
            day=day.isoformat(),
            cdf_path=str(path),
            relative_path=str(relative),
            size_bytes=path.stat().st_size,
            process_seconds=0.0,
            started_at_utc="",
            facts={},
        )


def cdf_columns(cdf: CdfOutput) -> dict[str, str]:
    """The CDF's telemetry columns, repeated on every later row of the day."""
    return {
        "process_seconds": seconds(cdf.process_seconds),
        "cdf_size_mb": megabytes(cdf.size_bytes),
        "cdf_path": cdf.cdf_path,
    }


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)
