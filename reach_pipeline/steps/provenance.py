"""A day's provenance, written into its product while the product is still in staging
(before validation and placement), whatever processor made it.

The input's sha256 is read in a thread while the processor's child runs (hashlib releases
the GIL), so it adds little to a day's wall time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

from reach_pipeline.contract.telemetry import TelemetryRow
from reach_pipeline.provenance.attributes import l1c_attributes, l2_attributes
from reach_pipeline.provenance.cdf_attrs import CdfAttributeError, set_global_attributes
from reach_pipeline.provenance.inputs import InputFacts, download_window, input_facts
from reach_pipeline.provenance.versions import processor_version
from reach_pipeline.runner.processor import ProcessingFailed
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


def hash_input(path: Path, day: date, prior: TelemetryRow | None) -> Future[InputFacts]:
    """The input's facts, computed in a thread from now on."""
    start = prior.window_start_utc if prior is not None else ""
    end = prior.window_end_utc if prior is not None else ""
    window = download_window(start, end, Path(path).name, day)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reach-input-sha256")
    future = pool.submit(input_facts, path, window)
    pool.shutdown(wait=False)
    return future


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
