"""The upload stage of one day: validate the day's CDF, send it, verify it."""

from __future__ import annotations

from datetime import date

from reach_pipeline.contract.daylog import CdfColumns, DayLog, recorded_process_seconds
from reach_pipeline.contract.layout import day_dir, s3_key
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.settings import Settings

from .outcome import MATERIALIZED, DayOutcome, failed


class CdfUnusable(RuntimeError):
    def __init__(self, error_type: str, message: str):
        self.error_type = error_type
        super().__init__(message)


def run_upload(settings: Settings, day: date, log: DayLog, uploader) -> DayOutcome:
    """Upload ``day``'s CDF: UPLOAD_PENDING then UPLOADED, or FAILED (with the CDF's
    columns, so ``--retry-failed`` uploads only). ``uploader(path, key)`` sends one file
    and returns an ``UploadResult``; its ``UploadError`` is this day's failure, except
    ``UploadNotTried`` (the endpoint was found unreachable earlier in the run): the day is
    a failure of the run but stays UPLOAD_PENDING, so a plain rerun uploads it."""
    from reach_pipeline.processing.verify import cdf_problems  # cdflib: at run time only
    from reach_pipeline.s3upload import UploadNotTried  # boto3: at run time only

    row = log.latest(day)
    cdf = locate_cdf(
        day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )
    try:
        if cdf is None:
            raise CdfUnusable(
                "CdfMissing", f"no CDF on disk for {day}: materialize reach_cdf first"
            )
        problems = cdf_problems(cdf, day)
        if problems:
            raise CdfUnusable(
                "CdfCheckFailed",
                f"{cdf} is not a valid CDF for {day}, not sent: " + "; ".join(problems),
            )
    except CdfUnusable as exc:
        outcome = failed(day, exc)
        log.failed(day, outcome.error_type, outcome.message)
        return outcome
    columns = CdfColumns(str(cdf), cdf.stat().st_size, recorded_process_seconds(row))
    key = s3_key(day_dir("l1c", day) / cdf.name)
    log.upload_pending(day, columns)
    try:
        result = uploader(cdf, key)
    except UploadNotTried as exc:
        return failed(day, exc)
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure, logged as such
        outcome = failed(day, exc)
        log.failed(day, outcome.error_type, outcome.message, cdf=columns, upload_seconds=0.0)
        return outcome
    log.uploaded(
        day, columns, bucket=result.bucket, key=result.key, upload_seconds=result.upload_seconds
    )
    return DayOutcome(day, MATERIALIZED, facts={**result.as_dict(), "cdf_path": str(cdf)})
