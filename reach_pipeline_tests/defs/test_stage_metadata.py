"""A stage's metadata builder (plain typed values) as Dagster metadata: tested directly."""

from __future__ import annotations

import datetime as dt

from dagster import MetadataValue

from reach_pipeline.defs.metadata import to_dagster
from reach_pipeline.s3upload import UploadResult
from reach_pipeline.stages import StageId, stage
from reach_pipeline.steps.outcome import L1cUploadFacts, materialized

DAY = dt.date(2025, 9, 1)


def test_the_l1c_uploads_metadata():
    sent = UploadResult("bucket", "l1c/prelim/x.cdf", 12, "ab" * 16, 0.5, False, False)
    outcome = materialized(DAY, L1cUploadFacts("/out/x.cdf", sent))
    metadata = to_dagster(stage(StageId.L1C_UPLOAD).metadata(outcome))
    assert metadata == {
        "bucket": "bucket",
        "key": "l1c/prelim/x.cdf",
        "uri": MetadataValue.url("s3://bucket/l1c/prelim/x.cdf"),
        "size_bytes": 12,
        "md5": "ab" * 16,
        "upload_seconds": 0.5,
        "skipped_existing": False,
        "multipart": False,
    }
