"""The shipped production instance config (deploy/dagster-postgres.yaml) on real PostgreSQL.

Skips where PostgreSQL is not on 127.0.0.1:5432; with REACH_REQUIRE_SERVICES=1 (CI) the
skip becomes a failure.
"""

import shutil
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from reach_pipeline.defs.registry import ASSETS, resources
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.support.postgres import fresh_database, postgres_env, production_home

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.integration


@pytest.fixture
def postgres_db():
    with fresh_database() as name:
        yield name


def test_runs_and_materializations_persist_in_postgres(tmp_path, monkeypatch, postgres_db):
    home = production_home(tmp_path / "dagster_home")
    for key, value in postgres_env(postgres_db).items():
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
