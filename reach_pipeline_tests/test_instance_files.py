"""The pools the shipped instance files and READMEs name are the code location's pools (the
shipped dagster.yaml once named a pool that no longer existed)."""

from __future__ import annotations

import re

import yaml

from reach_pipeline.definitions import defs
from reach_pipeline_tests.support.data import REPO

INSTANCE_FILES = ("dagster.yaml", "deploy/dagster-postgres.yaml", "deploy/dagster-celery.yaml")
DOCS = ("README.md", "deploy/README.md", "deploy/workers.sh")


def pools_block(text: str) -> str:
    """The ``pools:`` block of an instance file, its comments included."""
    match = re.search(r"^( *)pools:\n((?:\1 +.*\n|\n)*)", text, re.MULTILINE)
    return match[2] if match else ""


def named_pools(name: str) -> set[str]:
    """In an instance file's pools block every ``reach_…`` word is a pool; anywhere, so is
    the pool of a ``concurrency set`` command or of the words "pool `…`"."""
    text = (REPO / name).read_text()
    named = set(re.findall(r"pool\s+`(\w+)`|concurrency set (\w+)", text))
    found = {a or b for a, b in named}
    if name in INSTANCE_FILES:
        found |= set(re.findall(r"\breach_\w+", pools_block(text)))
    return found


def test_every_pool_named_is_a_pool_of_the_code_location():
    graph = defs.resolve_asset_graph()
    pools = {
        defs.resolve_assets_def(key).op.pool
        for key in graph.get_all_asset_keys()
        if not graph.get(key).is_external
    }
    named = {(n, pool) for n in (*INSTANCE_FILES, *DOCS) for pool in named_pools(n)}
    assert ("dagster.yaml", "reach_cdf") in named
    assert {(n, pool) for n, pool in named if pool not in pools} == set()


def test_no_run_is_launched_to_wait_for_a_pool_slot():
    """A step waiting for a pool slot busy-waits a core in Dagster 1.13 (dagster#20367), and a
    run launched ahead would go before the live day's: every instance file launches a run
    only when its slot is free, the steps still claiming it themselves. The single-machine
    ones run a backfill's runs one at a time; the Celery one lets a campaign use every
    worker's slot."""
    for name in ("dagster.yaml", "deploy/dagster-postgres.yaml", "deploy/dagster-celery.yaml"):
        concurrency = yaml.safe_load((REPO / name).read_text())["concurrency"]
        pools, runs = concurrency["pools"], concurrency["runs"]
        assert (pools["granularity"], pools["op_granularity_run_buffer"]) == ("op", 0), name
        one_at_a_time = {"key": "dagster/backfill", "limit": 1}
        assert (one_at_a_time in runs.get("tag_concurrency_limits", [])) == (
            name != "deploy/dagster-celery.yaml"
        ), name
