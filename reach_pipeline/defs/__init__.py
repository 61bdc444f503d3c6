"""Dagster glue: thin wrappers around ``reach_pipeline.steps``, ``.contract`` and ``.settings``."""
