"""A day's provenance, written into its product while the product is still in staging
(before validation and placement), whatever processor made it.

The input's sha256 is read in a thread while the processor's child runs (hashlib releases
the GIL), so it adds little to a day's wall time; but it is ~0.6 s of CPU for a full day,
so a day made again from the same input (a reprocessing campaign) takes it from the
product it replaces when that product records the same input name and size and was made
after the input was last written (the rule ``process --stale`` applies to call an input
unchanged).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

from reach_pipeline.change.report import ChangeReport
from reach_pipeline.contract.telemetry import TelemetryRow
from reach_pipeline.provenance.attributes import l1c_attributes, l2_attributes
from reach_pipeline.provenance.cdf_attrs import CdfAttributeError, set_global_attributes
from reach_pipeline.provenance.inputs import InputFacts, download_window, input_facts
from reach_pipeline.provenance.staleness import made_by
from reach_pipeline.provenance.versions import processor_version
from reach_pipeline.runner.processor import ProcessingFailed, refuse_if
from reach_pipeline.settings import Settings


class Provenance:
    """A product's provenance attributes, made once when first asked for (the product
    is then in staging and the input's hash is ready)."""

    def __init__(self, make: Callable[[], dict[str, str]]):
        self._make = make

    @functools.cached_property
    def values(self) -> dict[str, str]:
        return self._make()


def l1c_settings(settings: Settings) -> dict[str, object]:
    """The settings that shape an L1C (the processor gets only the input's path)."""
    return {"sensor_id": settings.sensor_id, "output_format": settings.output_format}


def l2_settings(settings: Settings) -> dict[str, object]:
    return {"quicklooks": settings.quicklooks}


def hash_input(
    path: Path, day: date, prior: TelemetryRow | None, previous: Path | None = None
) -> Future[InputFacts]:
    """The input's facts, computed in a thread from now on (or taken from ``previous``,
    the day's product this one replaces, when the input has not changed since)."""
    start = prior.window_start_utc if prior is not None else ""
    end = prior.window_end_utc if prior is not None else ""
    window = download_window(start, end, Path(path).name, day)
    known = recorded_facts(previous, Path(path), window)
    if known is not None:
        future: Future[InputFacts] = Future()
        future.set_result(known)
        return future
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reach-input-sha256")
    future = pool.submit(input_facts, path, window)
    pool.shutdown(wait=False)
    return future


def recorded_facts(previous: Path | None, path: Path, window: str) -> InputFacts | None:
    """The input's facts as ``previous`` records them, if it names this very input and was
    made after the input was last written; else ``None``."""
    if previous is None:
        return None
    try:
        made = made_by(previous)
        stat, made_at = path.stat(), previous.stat().st_mtime_ns
    except Exception:  # noqa: BLE001 - an unreadable old product: hash the input
        return None
    same = (made.input_name, made.input_size) == (path.name, str(stat.st_size))
    if not same or stat.st_mtime_ns >= made_at or len(made.input_sha256) != 64:
        return None
    return InputFacts(path.name, stat.st_size, made.input_sha256, window)


def l1c_provenance(settings: Settings, source: Future[InputFacts]) -> Provenance:
    processor = processor_version(settings.processor)
    return Provenance(lambda: l1c_attributes(source.result(), processor, l1c_settings(settings)))


def l2_provenance(settings: Settings, processor: str, l1c: Path) -> Provenance:
    version = processor_version(processor)
    return Provenance(lambda: l2_attributes(l1c.name, version, l2_settings(settings)))


def stamp(cdf: Path, provenance: Provenance | None) -> None:
    """Write the provenance attributes into ``cdf`` (in staging)."""
    if provenance is None:
        return
    try:
        set_global_attributes(cdf, provenance.values)
    except (CdfAttributeError, OSError) as exc:
        raise ProcessingFailed(
            "ProvenanceFailed", f"cannot write the provenance attributes into {cdf.name}: {exc}"
        ) from None


def stamped_change(
    cdf: Path,
    provenance: Provenance | None,
    problems: Callable[[Path], list[str]],
    refused: tuple[str, str],
    previous: Path | None,
) -> ChangeReport:
    """Stamp ``cdf`` (in staging) with its provenance, then refuse it (``refused``: the
    error type and what to say) if ``problems(cdf)`` finds any; what it changes from
    ``previous``, the product it would replace."""
    from reach_pipeline.change.compare import change_from  # numpy, cdflib

    stamp(cdf, provenance)
    refuse_if(problems(cdf), *refused)
    return change_from(previous, cdf)
