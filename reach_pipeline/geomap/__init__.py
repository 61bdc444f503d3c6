"""L1C CDF -> Level-2 geomap CDF + quicklook maps. No Dagster here.

The heavy modules (numpy, cdflib, matplotlib) load on first use of these names; the
``product`` submodule (names, flavors, statistics) is light.
"""

from importlib import import_module

__all__ = [
    "GeomapFacts",
    "GeomapInputError",
    "geomap_problems",
    "make_geomap",
    "process_file",
]
_WHERE = {
    "GeomapFacts": ".api",
    "make_geomap": ".api",
    "process_file": ".api",
    "geomap_problems": ".verify",
    "GeomapInputError": ".errors",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
