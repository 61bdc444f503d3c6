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
    and returns an ``UploadResult``; its ``UploadError`` is this day's failure."""
    from reach_pipeline.processing.verify import cdf_problems  # cdflib: at run time only

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
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure, logged as such
        outcome = failed(day, exc)
        log.failed(day, outcome.error_type, outcome.message, cdf=columns, upload_seconds=0.0)
        return outcome
    log.uploaded(
        day, columns, bucket=result.bucket, key=result.key, upload_seconds=result.upload_seconds
    )
    return DayOutcome(day, MATERIALIZED, facts={**result.as_dict(), "cdf_path": str(cdf)})


def run_l2_upload(settings: Settings, day: date, uploader) -> DayOutcome:
    """Upload ``day``'s L2 CDF (validated against its L1C first) and its PNGs under the
    same relative keys. No telemetry row: the legacy schema has no L2 columns."""
    from reach_pipeline.geomap.product import l2_file_name
    from reach_pipeline.geomap.verify import geomap_problems

    from .geomap import day_l1c

    folder = settings.output_dir / day_dir("l2", day)
    l2 = folder / l2_file_name(day)
    try:
        if not l2.is_file():
            raise CdfUnusable(
                "CdfMissing", f"no L2 CDF on disk for {day}: materialize reach_geomap"
            )
        l1c = day_l1c(settings, day)
        problems = ["its L1C is gone"] if l1c is None else geomap_problems(l2, l1c)
        if problems:
            raise CdfUnusable(
                "GeomapCheckFailed", f"{l2} is not a sound geomap, not sent: " + "; ".join(problems)
            )
        files = [l2, *sorted(folder.glob("*.png"))]
        results = [uploader(path, s3_key(day_dir("l2", day) / path.name)) for path in files]
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure
        return failed(day, exc)
    return DayOutcome(
        day,
        MATERIALIZED,
        facts={
            "bucket": results[0].bucket,
            "keys": [r.key for r in results],
            "size_bytes": sum(r.size_bytes for r in results),
            "sent": sum(not r.skipped_existing for r in results),
            "upload_seconds": round(sum(r.upload_seconds for r in results), 3),
        },
    )
