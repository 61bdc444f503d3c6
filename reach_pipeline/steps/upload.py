"""The upload stage of one day: validate the day's CDF, send it, verify it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reach_pipeline.contract.daylog import CdfColumns, DayLog, recorded_process_seconds
from reach_pipeline.contract.layout import day_dir, s3_key
from reach_pipeline.contract.state import locate_cdf, replaced_object
from reach_pipeline.machine import fault_in, places
from reach_pipeline.runner.processor import ProcessingFailed, refuse_if
from reach_pipeline.settings import Settings

from .claim import claim_day
from .geomap import GEOMAP_REFUSED, day_l2
from .l1c import CDF_REFUSED
from .latency import upload_latency
from .outcome import DayOutcome, GeomapUploadFacts, L1cUploadFacts, failed, materialized

NO_BUCKET = "no S3 bucket set: set REACH_S3_BUCKET to upload"


def run_upload(
    settings: Settings,
    day: date,
    log: DayLog,
    uploader,
    remover=None,
    baseline: int | None = None,
) -> DayOutcome:
    """``upload_l1c`` while holding the day (``claim.claim_day``; LOCKED if another
    process has it)."""
    with claim_day(settings.output_dir, day, log, baseline) as elsewhere:
        return elsewhere or upload_l1c(settings, day, log, uploader, remover)


def upload_l1c(
    settings: Settings, day: date, log: DayLog, uploader, remover=None, cdf: Path | None = None
) -> DayOutcome:
    """The L1C upload stage, unclaimed (``run_upload`` and ``day.run_day`` hold the day):
    upload ``day``'s CDF (``cdf``: the one this run just placed; else found through the
    day's telemetry row): UPLOAD_PENDING then UPLOADED, or FAILED (with the CDF's
    columns, so ``--retry-failed`` uploads only). ``uploader(path, key)`` sends one file
    and returns an ``UploadResult``; its ``UploadError`` is this day's failure, except
    ``UploadNotTried`` (the endpoint was found unreachable earlier in the run): the day is
    a failure of the run but stays UPLOAD_PENDING, so a plain rerun uploads it.

    A day has one object: when the new one is verified and an earlier upload of the day
    went to another key (``state.replaced_object``: the legacy ``…T000010…`` name),
    ``remover(key)`` deletes the old one before the UPLOADED row is written, so a failure
    to delete it leaves the day FAILED at the upload stage and a retry deletes it."""
    from reach_pipeline.processing.verify import (  # cdflib: at run time only
        cdf_problems,
        last_observation,
    )
    from reach_pipeline.s3upload import UploadNotTried  # boto3: at run time only

    row = log.latest(day)
    cdf = cdf or locate_cdf(
        day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )
    try:
        if cdf is None:
            raise ProcessingFailed(
                "CdfMissing", f"no CDF on disk for {day}: materialize reach_cdf first"
            )
        refuse_if(
            cdf_problems(cdf, day),
            CDF_REFUSED,
            f"{cdf} is not a valid CDF for {day}, not sent",
        )
    except ProcessingFailed as exc:
        outcome = failed(day, exc, cdf)
        log.failed(day, outcome.failure.error_type, outcome.failure.message)
        return outcome
    columns = CdfColumns(str(cdf), cdf.stat().st_size, recorded_process_seconds(row))
    key = s3_key(day_dir("l1c", day) / cdf.name)
    log.upload_pending(day, columns)
    try:
        result = uploader(cdf, key)
        last = log.view.last_uploaded(day)
        replaced = replaced_object(
            day, [last] if last else [], bucket=result.bucket, new_key=result.key
        )
        if replaced and remover is not None:
            remove_replaced(remover, result, replaced)
    except UploadNotTried as exc:
        return failed(day, exc, cdf)
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure, logged as such
        outcome = failed(day, fault_in(exc, places(settings), "output_dir") or exc, cdf)
        log.failed(
            day,
            outcome.failure.error_type,
            outcome.failure.message,
            cdf=columns,
            upload_seconds=0.0,
        )
        return outcome
    log.uploaded(
        day, columns, bucket=result.bucket, key=result.key, upload_seconds=result.upload_seconds
    )
    latency = upload_latency(last_observation(cdf))
    facts = L1cUploadFacts(str(cdf), result, replaced_key=replaced or "", **latency)
    return materialized(day, facts)


def remove_replaced(remover, result, old_key: str) -> None:
    """Delete the day's replaced object; its failure names both objects."""
    try:
        remover(old_key)
    except Exception as exc:
        raise ProcessingFailed(
            "ReplacedObjectNotDeleted",
            f"s3://{result.bucket}/{result.key} is uploaded and verified, but the object "
            f"it replaces, s3://{result.bucket}/{old_key}, could not be deleted "
            f"({type(exc).__name__}: {exc}): allow s3:DeleteObject, then retry the day",
        ) from exc


def run_l2_upload(settings: Settings, day: date, uploader, l1c: Path | None) -> DayOutcome:
    """Upload ``day``'s L2 CDF (validated against its L1C ``l1c`` first) and its PNGs under
    the same relative keys. No telemetry row: the legacy schema has no L2 columns."""
    from reach_pipeline.geomap.verify import geomap_problems

    l2 = day_l2(settings, day)
    try:
        if not l2.is_file():
            raise ProcessingFailed(
                "CdfMissing", f"no L2 CDF on disk for {day}: materialize reach_geomap"
            )
        problems = ["its L1C is gone"] if l1c is None else geomap_problems(l2, l1c)
        refuse_if(problems, GEOMAP_REFUSED, f"{l2} is not a sound geomap, not sent")
        files = [l2, *sorted(l2.parent.glob("*.png"))]
        results = [uploader(path, s3_key(day_dir("l2", day) / path.name)) for path in files]
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure
        return failed(day, fault_in(exc, places(settings), "output_dir") or exc, l2)
    facts = GeomapUploadFacts(
        bucket=results[0].bucket,
        keys=tuple(r.key for r in results),
        size_bytes=sum(r.size_bytes for r in results),
        sent=sum(not r.skipped_existing for r in results),
        upload_seconds=round(sum(r.upload_seconds for r in results), 3),
    )
    return materialized(day, facts)
