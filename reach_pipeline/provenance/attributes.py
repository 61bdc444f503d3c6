"""The provenance global attributes of the products, by name.

Every value is text (``CDF_CHAR``). The L1C names its input (file, size, sha256, download
window), the processor and its version, reach_pipeline's version and the settings that
shape the product; the L2 names its L1C (ISTP ``Parents``, ``CDF>logical_file_id``) and its
own processor facts. ``VOLATILE_ATTRIBUTES`` are the global attributes that differ from one
making of the same product to the next (dates, library builds): a comparison of two
products ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from .inputs import InputFacts
from .versions import ProcessorVersion, pipeline_version

PARENTS = "Parents"
INPUT_FILE = "Input_file"
INPUT_SIZE = "Input_size_bytes"
INPUT_SHA256 = "Input_sha256"
INPUT_WINDOW = "Input_download_window"
PROCESSOR = "Processor"
PROCESSOR_VERSION = "Processor_version"
PIPELINE_VERSION = "Pipeline_version"
SETTINGS = "Processing_settings"
PROVENANCE_DATE = "Provenance_date"

_MAKING_DATES = ("Generation_date", PROVENANCE_DATE)
_LIBRARY_BUILDS = ("CDF_Lib_version", "SWxSOC_version", "REACH_version", "reach_pipeline_version")
VOLATILE_ATTRIBUTES: frozenset[str] = frozenset((*_MAKING_DATES, *_LIBRARY_BUILDS))
"""Global attributes whose value changes each time a product is made, whatever its data."""


def settings_text(settings: Mapping[str, object]) -> str:
    """``name=value; name=value`` in the given order."""
    return "; ".join(f"{k}={v}" for k, v in settings.items())


def _processor(processor: ProcessorVersion, settings: Mapping[str, object]) -> dict[str, str]:
    return {
        PROCESSOR: processor.spec,
        PROCESSOR_VERSION: processor.version,
        PIPELINE_VERSION: pipeline_version(),
        SETTINGS: settings_text(settings),
        PROVENANCE_DATE: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def l1c_attributes(
    source: InputFacts, processor: ProcessorVersion, settings: Mapping[str, object]
) -> dict[str, str]:
    """The L1C's provenance attributes."""
    return {
        PARENTS: f"{Path(source.name).suffix.lstrip('.').upper() or 'FILE'}>{source.name}",
        INPUT_FILE: source.name,
        INPUT_SIZE: str(source.size_bytes),
        INPUT_SHA256: source.sha256,
        INPUT_WINDOW: source.window or "unknown",
        **_processor(processor, settings),
    }


def l2_attributes(
    l1c_name: str, processor: ProcessorVersion, settings: Mapping[str, object]
) -> dict[str, str]:
    """The L2's provenance attributes: its L1C (``Parents``) and its processor."""
    return {PARENTS: f"CDF>{Path(l1c_name).stem}", **_processor(processor, settings)}
