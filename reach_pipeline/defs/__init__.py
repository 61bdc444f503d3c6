"""Dagster glue: thin wrappers that call ``reach_pipeline.legacy`` and ``.processing``."""
