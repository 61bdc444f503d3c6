"""A processor's version: its installed distribution's version, or a hash of its source.

The version is computed without running the processor's module: its file is found with
``importlib.util.find_spec`` (only its parent packages are imported) and, when no installed
distribution provides its top-level package, the module's source is hashed (every ``.py``
file of the package when the module is a package). A change of an operator's own module
therefore changes the version; a release of an installed package changes it too.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

PIPELINE_DISTRIBUTION = "reach-pipeline"
SOURCE_PREFIX = "src-"  # a version made from a hash of the source, not a release


@dataclass(frozen=True)
class ProcessorVersion:
    """``spec`` (``module:function``) and ``version`` (a release, or ``src-<sha256/12>``)."""

    spec: str
    version: str

    @property
    def code_version(self) -> str:
        """What Dagster records as the asset's code version: the spec and its version."""
        return f"{self.spec}@{self.version}"


def pipeline_version() -> str:
    """reach_pipeline's installed version (``unknown`` when it is not installed)."""
    try:
        return importlib.metadata.version(PIPELINE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def _distributions() -> dict[str, list[str]]:
    """Top-level import name -> distributions providing it (read once per process)."""
    return importlib.metadata.packages_distributions()


def processor_version(spec: str) -> ProcessorVersion:
    """The version of the processor ``spec``; ``ValueError`` if its module is not found."""
    module = spec.partition(":")[0]
    dists = _distributions().get(module.split(".")[0], [])
    if dists:
        return ProcessorVersion(spec, importlib.metadata.version(dists[0]))
    return ProcessorVersion(spec, SOURCE_PREFIX + source_hash(module))


def source_hash(module: str) -> str:
    """The first 12 hex digits of the sha256 of ``module``'s source (a package: of every
    ``.py`` file below its folder, with their relative paths, in sorted order)."""
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise ValueError(f"cannot find the processor module {module!r}: {exc}") from None
    if found is None or not found.origin or not Path(found.origin).is_file():
        raise ValueError(f"cannot find the source of the processor module {module!r}")
    origin = Path(found.origin)
    if found.submodule_search_locations:
        root = origin.parent
        files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    else:
        root, files = origin.parent, [origin]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
