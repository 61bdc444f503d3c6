"""Whether a day's product is stale: made by another processor (or version) than the
current one, or from another input than the day's file now. Read from the product's own
provenance attributes, so it holds for days the command line made without a Dagster
instance, and for days made before provenance existed (stale: made by an unknown
processor)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .attributes import INPUT_FILE, INPUT_SHA256, INPUT_SIZE, PROCESSOR, PROCESSOR_VERSION
from .cdf_attrs import global_attributes
from .inputs import input_facts
from .versions import ProcessorVersion

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Made:
    """What a product says made it (``UNKNOWN`` where it says nothing)."""

    processor: str
    version: str
    input_name: str
    input_size: str
    input_sha256: str

    @property
    def code_version(self) -> str:
        return f"{self.processor}@{self.version}"


def made_by(product: Path) -> Made:
    """The provenance a product carries (``UNKNOWN`` fields for a product without it)."""
    attrs = global_attributes(product)
    names = (PROCESSOR, PROCESSOR_VERSION, INPUT_FILE, INPUT_SIZE, INPUT_SHA256)
    return Made(*(attrs.get(name, "").strip() or UNKNOWN for name in names))


def stale_reason(made: Made, current: ProcessorVersion, product: Path, source: Path | None):
    """Why the product is stale, or ``None`` when it is not. The input counts as changed
    when its name or size differs from what the product records, or when it was written
    after the product and its sha256 differs (only then is it read)."""
    if made.code_version != current.code_version:
        return f"made by {made.code_version}, now {current.code_version}"
    if source is None:
        return None
    stat = source.stat()
    if made.input_name != source.name or made.input_size != str(stat.st_size):
        return f"its input is now {source.name} ({stat.st_size} bytes)"
    if stat.st_mtime_ns > product.stat().st_mtime_ns:
        if input_facts(source, "").sha256 != made.input_sha256:
            return f"its input {source.name} changed since it was made"
    return None
