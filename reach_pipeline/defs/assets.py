"""reach_csv (the day's input file, external) → reach_cdf (its Level-1C CDF) → reach_cdf_s3."""

from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetSpec,
    Backoff,
    Failure,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
)

from reach_pipeline.legacy.isolation import run_isolated
from reach_pipeline.legacy.layout import find_input, s3_key
from reach_pipeline.legacy.rows import append_day_row
from reach_pipeline.legacy.telemetry import (
    PROCESS_PENDING,
    SKIPPED_NO_INPUT,
    UPLOAD_PENDING,
    utc_now_iso,
)
from reach_pipeline.processing.pods import expected_records

from .hooks import telemetry_failure_hook
from .io_manager import CdfOutput, UploadOutput, cdf_columns
from .partitions import daily_partitions, partition_day
from .resources import ReachS3, ReachSettings

GROUP = "reach"

reach_csv = AssetSpec(
    "reach_csv",
    group_name=GROUP,
    partitions_def=daily_partitions,
    description="The day's UDL download in the input folder "
    "({prefix}_{YYYYMMDD}T000000_*.csv), written by the download tool. Observed by "
    "reach_input_sensor with a data version, so a re-downloaded day shows reach_cdf stale.",
)


@asset(
    key="reach_cdf",
    deps=[reach_csv],
    partitions_def=daily_partitions,
    group_name=GROUP,
    io_manager_key="reach_io_manager",
    pool="reach_cdf",
    output_required=False,
    hooks={telemetry_failure_hook},
    description="The day's ISTP Level-1C CDF in output_dir/l1c/prelim/YYYY/MM/DD/, made by "
    "the processor in an isolated child process. No input file: nothing is materialized "
    "and the day is logged SKIPPED_NO_INPUT.",
)
def reach_cdf(context: AssetExecutionContext, reach: ReachSettings):
    day = partition_day(context.partition_key)
    settings = reach.resolve()
    day_ctx = settings.day_context(context.run_id)
    started = utc_now_iso()
    input_path = find_input(settings.input_dir, day, settings.sensor_id, settings.output_format)
    if input_path is None:
        append_day_row(
            day_ctx, day, SKIPPED_NO_INPUT, started_at_utc=started, finished_at_utc=utc_now_iso()
        )
        context.log.warning(f"no input file for {day} in {settings.input_dir}; skipped")
        return
    append_day_row(day_ctx, day, PROCESS_PENDING, started_at_utc=started)
    product = run_isolated(
        input_path,
        settings.output_dir,
        processor=settings.processor,
        timeout_s=settings.process_timeout_s,
        tag=f"{day:%Y%m%d}",
        day=day,
    )
    if product.facts is None:  # a plugged-in processor: read what it wrote
        from reach_pipeline.processing.verify import facts_from_cdf

        facts = facts_from_cdf(product.cdf_path)
    else:
        facts = product.facts
    expected = expected_records(settings.sensor_id)
    availability = round(100.0 * facts["after_dedupe"] / expected, 2)
    output = CdfOutput(
        day=day.isoformat(),
        cdf_path=str(product.cdf_path),
        relative_path=str(product.relative_path),
        size_bytes=product.size_bytes,
        process_seconds=product.process_seconds,
        started_at_utc=started,
        facts={**facts, "input_path": str(input_path), "availability_pct": availability},
    )
    yield Output(output, metadata=cdf_metadata(output, expected))


def cdf_metadata(output: CdfOutput, expected: int) -> dict:
    facts = output.facts
    metadata = {
        "path": MetadataValue.path(output.cdf_path),
        "input_path": MetadataValue.path(facts["input_path"]),
        "size_mb": round(output.size_bytes / 1048576, 4),
        "process_seconds": output.process_seconds,
        "expected_records": expected,
        "availability_pct": facts["availability_pct"],
        "sensors": MetadataValue.text(", ".join(facts["sensors"])),
        "sensor_count": len(facts["sensors"]),
        "descriptor": facts["descriptor"],
        "dagster/row_count": facts["after_dedupe"],
    }
    for key in (
        "records_read",
        "after_dedupe",
        "duplicates_dropped",
        "ids_imputed",
        "rows_dropped",
        "epoch_count",
        "first_time",
        "last_time",
    ):
        if facts.get(key) is not None:
            metadata[key] = facts[key]
    return metadata


@asset(
    key="reach_cdf_s3",
    ins={"reach_cdf": AssetIn("reach_cdf")},
    partitions_def=daily_partitions,
    group_name=GROUP,
    io_manager_key="reach_io_manager",
    pool="reach_cdf_s3",
    hooks={telemetry_failure_hook},
    retry_policy=RetryPolicy(max_retries=4, delay=2, backoff=Backoff.EXPONENTIAL),
    description="The day's CDF in s3://{REACH_S3_BUCKET}/l1c/prelim/YYYY/MM/DD/, verified by "
    "size and MD5; an object already there with the same content is not sent again.",
)
def reach_cdf_s3(
    context: AssetExecutionContext, reach_cdf: CdfOutput, reach: ReachSettings, reach_s3: ReachS3
) -> Output[UploadOutput]:
    # boto3 loads here, not when the code location loads (every run worker loads it).
    from reach_pipeline.legacy.upload import UploadError, upload_cdf

    day = partition_day(context.partition_key)
    day_ctx = reach.resolve().day_context(context.run_id)
    try:
        bucket = reach_s3.bucket_name()
    except ValueError as exc:  # a setting to fix: retrying cannot help
        raise Failure(description=str(exc), allow_retries=False) from exc
    key = s3_key(Path(reach_cdf.cdf_path).name)
    started = utc_now_iso()
    append_day_row(day_ctx, day, UPLOAD_PENDING, started_at_utc=started, **cdf_columns(reach_cdf))
    try:
        result = upload_cdf(reach_s3.client(), Path(reach_cdf.cdf_path), bucket, key)
    except UploadError as exc:
        if exc.transient:
            raise  # the RetryPolicy tries again, with backoff
        raise Failure(description=str(exc), allow_retries=False) from exc
    if result.skipped_existing:
        context.log.info(f"{result.uri} already holds this CDF (same MD5); not sent again")
    output = UploadOutput(
        day=day.isoformat(),
        cdf=reach_cdf,
        bucket=bucket,
        key=key,
        size_bytes=result.size_bytes,
        md5=result.md5,
        upload_seconds=result.upload_seconds,
        skipped_existing=result.skipped_existing,
        started_at_utc=started,
    )
    return Output(
        output,
        metadata={
            "bucket": bucket,
            "key": key,
            "uri": MetadataValue.url(result.uri),
            "size_bytes": result.size_bytes,
            "md5": result.md5,
            "upload_seconds": result.upload_seconds,
            "skipped_existing": result.skipped_existing,
            "multipart": result.multipart,
        },
    )
