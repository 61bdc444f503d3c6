"""Fixtures for the Dagster layer: temp input/output folders, settings, a real instance."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, ExecuteInProcessResult, materialize

from reach_pipeline.contract.layout import cdf_file_name, cdf_relative_path
from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
from reach_pipeline.defs.registry import ASSETS
from reach_pipeline.defs.registry import resources as registered_resources
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline.settings import ENV_VARS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "udl"
SAMPLE_DAYS = ("2025-09-01", "2025-09-02", "2025-09-03")
MISSING_DAY = "2025-09-05"  # no input file for it anywhere
REACH_CDF = AssetKey("reach_cdf")


def layout_path(output_dir: Path, day: str) -> Path:
    """Where the day's CDF belongs: output_dir/l1c/prelim/YYYY/MM/DD/<name>."""
    return output_dir / cdf_relative_path(cdf_file_name(dt.date.fromisoformat(day)))


def cdfs_in(output_dir: Path) -> list[Path]:
    """Every CDF under output_dir, staging included."""
    return sorted(output_dir.rglob("*.cdf"))


def staging_leftovers(output_dir: Path) -> list[Path]:
    staging = output_dir / ".staging"
    return sorted(staging.rglob("*")) if staging.exists() else []


def day_rows(telemetry_path: Path, day: str) -> list[TelemetryRow]:
    return [r for r in TelemetryLog(telemetry_path).rows() if r.chunk_date_utc == day]


@pytest.fixture(autouse=True)
def _clean_reach_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's REACH_* / S3 settings must not leak into the tests."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


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


def resources_for(settings: ReachSettings) -> dict:
    return registered_resources(settings)


@pytest.fixture
def resources(settings: ReachSettings) -> dict:
    return resources_for(settings)


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    """A real instance (runs, event log, asset storage), in memory: fast to create.
    The concurrency tests use persistent ones in a temp DAGSTER_HOME."""
    with DagsterInstance.ephemeral() as inst:
        yield inst


def materialize_day(day: str, resources: dict, instance: DagsterInstance) -> ExecuteInProcessResult:
    """reach_cdf and its checks for one day, as a launched run would do them."""
    return materialize(
        [*ASSETS],
        selection=[REACH_CDF],
        partition_key=day,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


@pytest.fixture
def run_day(resources: dict, instance: DagsterInstance):
    """``run_day(day, **settings overrides)`` materializes one day on the test instance."""

    def run(day: str, settings: ReachSettings | None = None) -> ExecuteInProcessResult:
        return materialize_day(
            day, resources if settings is None else resources_for(settings), instance
        )

    return run


@pytest.fixture
def persistent_instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    """A persistent (SQLite) instance in the test's temp folder: sensor and schedule
    contexts refuse an ephemeral one."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as inst:
        yield inst
