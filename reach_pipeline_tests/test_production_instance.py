"""The shipped production instance config (deploy/dagster-postgres.yaml) on real PostgreSQL.

Skips where PostgreSQL is not on 127.0.0.1:5432; with REACH_REQUIRE_SERVICES=1 (CI) the
skip becomes a failure.
"""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from reach_pipeline.defs.registry import ASSETS, resources
from reach_pipeline.defs.resources import ReachSettings

ROOT = Path(__file__).resolve().parents[1]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}

pytestmark = pytest.mark.integration


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


@pytest.fixture
def postgres_db():
    """A fresh database for one test, dropped afterwards."""
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


def test_runs_and_materializations_persist_in_postgres(tmp_path, monkeypatch, postgres_db):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    for key, value in {
        "REACH_PG_HOST": PG["host"],
        "REACH_PG_PORT": str(PG["port"]),
        "REACH_PG_USER": PG["user"],
        "REACH_PG_PASSWORD": "",
        "REACH_PG_DB": postgres_db,
    }.items():
        monkeypatch.setenv(key, value)
    inp = tmp_path / "in"
    shutil.copytree(ROOT / "examples" / "udl", inp)
    settings = ReachSettings(input_dir=str(inp), output_dir=str(tmp_path / "out"))

    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = materialize(
            [*ASSETS],
            selection=[AssetKey("reach_cdf")],
            partition_key="2025-09-02",
            resources=resources(settings),
            instance=instance,
        )
        assert result.success
        run_id = result.run_id

    # A new process-level instance sees what the first one wrote: it is in PostgreSQL.
    with DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(run_id).is_success
        assert "2025-09-02" in instance.get_materialized_partitions(AssetKey("reach_cdf"))
