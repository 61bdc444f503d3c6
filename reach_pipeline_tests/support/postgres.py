"""A fresh PostgreSQL database per test, and a Dagster home that keeps its instance there.

PostgreSQL on 127.0.0.1:5432 (trust auth, see ``services``). Where it is not reachable the
test skips; with REACH_REQUIRE_SERVICES=1 (CI) the skip becomes a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from .services import create_database, drop_database, services_required
from .services import postgres_env as postgres_env

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_CONFIG = REPO / "deploy" / "dagster-postgres.yaml"


@contextmanager
def fresh_database() -> Iterator[str]:
    """A fresh database, dropped afterwards (a test module's ``postgres_db`` fixture:
    ``with fresh_database() as name: yield name``)."""
    with services_required():
        name = create_database()
    try:
        yield name
    finally:
        drop_database(name)


def production_home(home: Path, pools: dict | None = None) -> Path:
    """``home`` with the shipped production config (its pools replaced by ``pools``)."""
    home.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(PRODUCTION_CONFIG.read_text())
    if pools is not None:
        config["concurrency"]["pools"] = pools
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home
