"""The failure hook: a FAILED telemetry row with the error, for a failed day."""

from dagster import HookContext, failure_hook

from reach_pipeline.legacy.rows import append_day_row, started_at_of_run
from reach_pipeline.legacy.telemetry import FAILED, utc_now_iso

from .partitions import partition_day

_MAX_MESSAGE = 500


def error_fields(exc: BaseException | None) -> dict[str, str]:
    """error_type and a one-line error_message for a telemetry row."""
    if exc is None:
        return {"error_type": "UnknownError", "error_message": "the step failed"}
    # A Failure raised on purpose carries the original error as its cause.
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    error_type = getattr(cause, "error_type", None) or type(cause).__name__
    message = " | ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return {"error_type": error_type, "error_message": message or error_type}


@failure_hook(required_resource_keys={"reach"})
def telemetry_failure_hook(context: HookContext) -> None:
    run = context.instance.get_run_by_id(context.run_id)
    partition = run.tags.get("dagster/partition") if run else None
    if partition is None:
        context.log.warning("failure hook: run has no partition; no telemetry row written")
        return
    day = partition_day(partition)
    settings = context.resources.reach.resolve()
    day_ctx = settings.day_context(context.run_id)
    started = started_at_of_run(day_ctx, day)
    fields = error_fields(context.op_exception)
    extra = upload_failure_fields(day_ctx, day) if context.op.name == "reach_cdf_s3" else {}
    append_day_row(
        day_ctx,
        day,
        FAILED,
        started_at_utc=started,
        finished_at_utc=utc_now_iso(),
        **fields,
        **extra,
    )


def upload_failure_fields(day_ctx, day) -> dict[str, str]:
    """An upload failure keeps the CDF's columns, so a retry can upload only."""
    latest = day_ctx.log.latest_by_day().get(day)
    if latest is None:
        return {}
    return {
        "process_seconds": latest.process_seconds,
        "cdf_size_mb": latest.cdf_size_mb,
        "cdf_path": latest.cdf_path,
        "upload_seconds": "0.000",
    }
