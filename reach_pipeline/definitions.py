"""The code location: wiring only (what is registered lives in ``defs.registry``)."""

from reach_pipeline.defs.registry import build_definitions

defs = build_definitions()
