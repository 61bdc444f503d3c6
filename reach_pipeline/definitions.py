"""The code location: wiring only (what is registered lives in ``defs.registry``)."""

from reach_pipeline.defs.registry import build_definitions
from reach_pipeline.settings import warn_unknown_variables

warn_unknown_variables()  # a misspelled REACH_* variable is named, not silently ignored
defs = build_definitions()
