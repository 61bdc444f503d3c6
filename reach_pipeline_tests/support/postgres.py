"""A fresh PostgreSQL database per test, and a Dagster home that keeps its instance there.

PostgreSQL on 127.0.0.1:5432 (trust auth). Where it is not reachable the test skips; with
REACH_REQUIRE_SERVICES=1 (CI) the skip becomes a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_CONFIG = REPO / "deploy" / "dagster-postgres.yaml"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _admin_connection():
    import psycopg2

    try:
        conn = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    except psycopg2.OperationalError as exc:
        reason = f"PostgreSQL is not reachable on {PG['host']}:{PG['port']}: {exc}".strip()
        if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    conn.autocommit = True
    return conn


@contextmanager
def fresh_database() -> Iterator[str]:
    """A fresh database, dropped afterwards (a test module's ``postgres_db`` fixture:
    ``with fresh_database() as name: yield name``)."""
    conn = _admin_connection()
    name = f"reach_test_{uuid.uuid4().hex[:10]}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()


def postgres_env(db_name: str) -> dict[str, str]:
    """The REACH_PG_* variables deploy/dagster-postgres.yaml reads, for ``db_name``."""
    return {
        "REACH_PG_HOST": PG["host"],
        "REACH_PG_PORT": str(PG["port"]),
        "REACH_PG_USER": PG["user"],
        "REACH_PG_PASSWORD": "",
        "REACH_PG_DB": db_name,
    }


def production_home(home: Path, pools: dict | None = None) -> Path:
    """``home`` with the shipped production config (its pools replaced by ``pools``)."""
    home.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(PRODUCTION_CONFIG.read_text())
    if pools is not None:
        config["concurrency"]["pools"] = pools
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home
