"""Fixtures for the Dagster layer: temp input/output folders, settings, a real instance
(helpers in ``reach_pipeline_tests.support.dagster_days``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult

from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.support.dagster_days import materialize_day, resources_for
from reach_pipeline_tests.support.data import EXAMPLES, SAMPLE_DAYS


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    """A private copy of the three sample day files."""
    folder = tmp_path / "in"
    folder.mkdir()
    for src in sorted(EXAMPLES.glob("REACH-ALL_*.csv")):
        shutil.copy2(src, folder / src.name)
    assert len(list(folder.iterdir())) == len(SAMPLE_DAYS)
    return folder


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def settings(input_dir: Path, output_dir: Path) -> ReachSettings:
    return ReachSettings(input_dir=str(input_dir), output_dir=str(output_dir))


@pytest.fixture
def telemetry_path(input_dir: Path) -> Path:
    """The default telemetry file: <input_dir>/download_telemetry.csv."""
    return input_dir / "download_telemetry.csv"


@pytest.fixture
def resources(settings: ReachSettings) -> dict:
    return resources_for(settings)


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    """A real instance (runs, event log, asset storage), in memory: fast to create.
    The concurrency tests use persistent ones in a temp DAGSTER_HOME."""
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def run_day(resources: dict, instance: DagsterInstance):
    """``run_day(day, **settings overrides)`` materializes one day on the test instance."""

    def run(day: str, settings: ReachSettings | None = None) -> ExecuteInProcessResult:
        return materialize_day(
            day, resources if settings is None else resources_for(settings), instance
        )

    return run
