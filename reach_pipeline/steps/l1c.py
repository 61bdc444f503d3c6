"""The L1C stage of one day: find its input, process it in isolation, validate, place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from reach_pipeline.change.report import Verdict
from reach_pipeline.contract.daylog import CdfColumns, DayLog
from reach_pipeline.contract.layout import InputProblem, cdf_day, day_dir, find_input
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.machine import fault_in, places
from reach_pipeline.processing.pods import expected_records
from reach_pipeline.processing.sensor_stats import SensorDay
from reach_pipeline.runner.isolation import Arrangement, run_isolated
from reach_pipeline.runner.processor import ProcessingFailed
from reach_pipeline.settings import Settings

from .claim import claim_day
from .latency import l1c_latency
from .outcome import DayOutcome, L1cFacts, NoInput, Status, failed, materialized
from .provenance import Provenance, hash_input, l1c_provenance, stamped_change

# The error type of a day whose CDF fails validation (the ``cdf_is_valid`` check).
CDF_REFUSED = "CdfCheckFailed"
# What a processor may not report (a plugged-in one reports only paths): None then.
_OPTIONAL_COUNTS = (
    "observations",
    "records_read",
    "duplicates_dropped",
    "ids_imputed",
    "rows_dropped",
)


def l1c_arrangement(
    day: date, input_path: Path, provenance: Provenance | None = None, previous: Path | None = None
):
    """Accept exactly one CDF, named for ``day``, that passes validation in staging, once
    its ``provenance`` attributes are written into it; keep ``previous`` (the day's CDF
    until now) instead when the new one holds the same data and attributes (``change``:
    NO_CHANGE)."""

    def arrange(paths: list[Path], facts: dict | None) -> Arrangement:
        from reach_pipeline.processing.verify import cdf_problems  # cdflib: at run time

        cdfs = [p for p in paths if p.suffix == ".cdf" and p.is_file()]
        if len(cdfs) != 1:
            raise ProcessingFailed(
                "ProcessorOutputError",
                f"processor returned {[str(p) for p in paths]} for {input_path}; "
                "expected exactly one CDF file",
            )
        try:
            named_day = cdf_day(cdfs[0].name)
        except ValueError as exc:
            raise ProcessingFailed("ProcessorOutputError", str(exc)) from None
        if named_day != day:
            raise ProcessingFailed(
                "ProcessorOutputError",
                f"processor wrote {cdfs[0].name} from {input_path}: a CDF for another day "
                f"than {day}; not placed in the layout",
            )
        change = stamped_change(
            cdfs[0],
            provenance,
            lambda cdf: cdf_problems(cdf, day),
            (CDF_REFUSED, f"{input_path}: the CDF it makes is not valid, not placed"),
            previous,
        )
        kept = (previous,) if change.verdict == Verdict.NO_CHANGE else ()
        return Arrangement(day_dir("l1c", day), (cdfs[0],), kept, change)

    return arrange


def run_l1c(settings: Settings, day: date, log: DayLog, baseline: int | None = None) -> DayOutcome:
    """Process ``day`` while holding it (``claim.claim_day``; LOCKED if another process has
    it): SKIPPED_NO_INPUT, or PROCESS_PENDING then PROCESSED or FAILED."""
    with claim_day(settings.output_dir, day, log, baseline) as elsewhere:
        return elsewhere or process_l1c(settings, day, log)


def process_l1c(settings: Settings, day: date, log: DayLog) -> DayOutcome:
    """The L1C stage, unclaimed (``run_l1c`` and ``day.run_day`` hold the day first)."""
    try:
        input_path = find_input(settings.input_dir, day, settings.sensor_id, settings.output_format)
    except InputProblem as exc:  # a folder, a stray link, files that cannot be told apart
        outcome = failed(day, exc)
        log.failed(day, outcome.failure.error_type, outcome.failure.message)
        return outcome
    if input_path is None:
        log.skipped_no_input(day)
        return DayOutcome(day, Status.NO_INPUT, facts=NoInput(str(settings.input_dir)))
    prior = log.latest(day)
    located = locate_cdf(
        day, prior, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )
    source = hash_input(input_path, day, prior, located)
    previous = replaced_cdf(settings, day, located)
    log.process_pending(day)
    try:
        provenance = l1c_provenance(settings, source)
        placed = run_isolated(
            input_path,
            settings.output_dir,
            processor=settings.processor,
            arrange=l1c_arrangement(day, input_path, provenance, previous),
            timeout_s=settings.process_timeout_s,
            tag=f"{day:%Y%m%d}",
        )
        cdf = placed.files[0]
        found = placed.facts if placed.facts is not None else _facts_of(cdf)
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure, logged as such
        # (a full or read-only output disk is the machine's: its own error type, and the
        # run stops)
        outcome = failed(day, fault_in(exc, places(settings), "output_dir") or exc, input_path)
        log.failed(day, outcome.failure.error_type, outcome.failure.message)
        return outcome
    columns = CdfColumns(str(cdf), cdf.stat().st_size, placed.seconds)
    log.processed(day, columns)
    facts = l1c_facts(found, columns, input_path, settings.sensor_id, provenance.values)
    return materialized(day, replace(facts, change=placed.change))


def l1c_facts(
    found: dict,
    columns: CdfColumns,
    input_path: Path,
    sensor_id: str,
    provenance: dict[str, str] | None = None,
) -> L1cFacts:
    """The day's facts: what the processor found in its input, the placed CDF and the
    provenance attributes written into it."""
    expected = expected_records(sensor_id)
    return L1cFacts(
        cdf_path=columns.cdf_path,
        input_path=str(input_path),
        size_bytes=columns.size_bytes,
        process_seconds=columns.process_seconds,
        expected_records=expected,
        availability_pct=round(100.0 * found["after_dedupe"] / expected, 2),
        after_dedupe=found["after_dedupe"],
        epoch_count=found["epoch_count"],
        first_time=found["first_time"],
        last_time=found["last_time"],
        sensors=tuple(found["sensors"]),
        descriptor=found["descriptor"],
        **{name: found.get(name) for name in _OPTIONAL_COUNTS},
        provenance=provenance or {},
        sensor_days=tuple(SensorDay.from_dict(d) for d in found.get("sensor_days", ())),
        **l1c_latency(found["last_time"], input_path),
    )


def replaced_cdf(settings: Settings, day: date, cdf: Path | None) -> Path | None:
    """The day's CDF that a new one replaces: ``cdf`` (the one its telemetry names), when
    it is in the day's folder of this output folder (the folder a new product is swapped
    into)."""
    folder = (settings.output_dir / day_dir("l1c", day)).resolve()
    return cdf if cdf is not None and cdf.parent.resolve() == folder else None


def _facts_of(cdf: Path) -> dict:
    """What a plugged-in processor's CDF holds (it reports only paths)."""
    from reach_pipeline.processing.verify import facts_from_cdf

    return facts_from_cdf(cdf)
