"""L1C CDF -> Level-2 geomap CDF + quicklook maps. No Dagster here.

The heavy modules (numpy, cdflib, matplotlib) load on first use of these names; the
``product`` submodule (names, flavors, statistics) is light.
"""

from importlib import import_module

# Each public name and the submodule that defines it.
_WHERE = {
    "GeomapFacts": ".api",
    "GeomapInputError": ".errors",
    "geomap_problems": ".verify",
    "make_geomap": ".api",
    "process_file": ".api",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
