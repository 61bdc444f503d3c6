"""The registered Dagster resources for a workspace, uploading to the session's S3 server."""

from __future__ import annotations

from pathlib import Path

from reach_pipeline.defs.registry import resources
from reach_pipeline.defs.resources import ReachS3, ReachSettings
from reach_pipeline_tests.support.data import S3_BUCKET

BUCKET = S3_BUCKET


def resources_for(workdir: Path, s3: ReachS3) -> dict:
    settings = ReachSettings(input_dir=str(workdir / "in"), output_dir=str(workdir / "out"))
    return resources(settings, s3)
