"""The legacy contract, no Dagster: telemetry log and rows, resume planner, a day's state,
input/output naming and layout."""
