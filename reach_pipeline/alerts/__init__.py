"""Alerts without Dagster: what a message says (``message``), how it reaches people
(``destinations``, ``dispatch``), what must never appear in it (``redact``), and the facts
it is built from (``facts``). The Dagster sensors that use them: ``reach_pipeline.defs.alerts``.
"""
