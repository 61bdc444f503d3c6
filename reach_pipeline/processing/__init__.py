"""UDL day file -> Level-1C CDF. No Dagster here: the Dagster layer and the CLI call this.

The heavy modules (pyarrow, pandas, cdflib) load on first use of these names, so code
that only needs a light submodule (``product``, ``pods``) does not pay for them.
"""

from importlib import import_module

__all__ = ["DayFacts", "ReachInputError", "process_day", "process_file"]
_WHERE = {
    "DayFacts": ".api",
    "process_day": ".api",
    "process_file": ".api",
    "ReachInputError": ".errors",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
