"""Other assets build on the products: a user module merging the code location's
Definitions with its own daily asset that takes ``reach_cdf`` gets the day's L1C path,
also for a day the legacy tool processed (a legacy file name known only from the day's
telemetry row); ``reach_geomap`` loads as the L2 path; an input of several days is a
mapping; a day with no product is an error naming it (``allow_missing_partitions``
honoured). Before the IO manager such an asset failed with DagsterExecutionLoadInputError
(Dagster's default IO manager looked for a pickle of reach_cdf)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import cdflib
import pytest
from dagster import (
    AssetIn,
    AssetKey,
    Definitions,
    Failure,
    IOManager,
    MaterializeResult,
    Output,
    TimeWindowPartitionMapping,
    asset,
    materialize,
)

from reach_pipeline.contract.telemetry import PROCESSED, TelemetryLog, TelemetryRow
from reach_pipeline.definitions import defs as reach_defs
from reach_pipeline.defs.partitions import daily_partitions
from reach_pipeline_tests.support.dagster_days import layout_path
from reach_pipeline_tests.support.data import CDF_0901

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "science_team.py"
OURS, LEGACY, NONE = "2025-09-02", "2025-09-01", "2025-09-03"
LEGACY_CDF = "out/l1c/prelim/2025/09/01/reach_all_l1c_prelim_20250901T000010_v1.0.0.cdf"


def user_module():
    """The example user module, loaded as a user's code location loads it (by path)."""
    spec = importlib.util.spec_from_file_location("science_team_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def workspace(tmp_path, input_dir, output_dir, monkeypatch):
    """The legacy layout (``in/`` beside ``out/``); the code location's settings come from
    the environment at run time, as in a deployment."""
    monkeypatch.setenv("REACH_INPUT_DIR", str(input_dir))
    monkeypatch.setenv("REACH_OUTPUT_DIR", str(output_dir))
    return tmp_path


def run(definitions: Definitions, keys: str, day: str, instance, **options):
    """The assets ``keys`` (comma-separated) of ``day`` with the merged Definitions' assets
    and resources."""
    return materialize(
        [*definitions.assets],
        selection=[AssetKey(key) for key in keys.split(",")],
        partition_key=day,
        resources=definitions.resources,
        instance=instance,
        raise_on_error=False,
        **options,
    )


def metadata(result, key: str) -> dict:
    [event] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key == AssetKey(key)
    ]
    return {name: value.value for name, value in event.metadata.items()}


def error_text(result, node: str) -> str:
    """The step's error and every error it wraps."""
    error, texts = result.failure_data_for_node(node).error, []
    while error is not None:
        texts.append(error.message)
        error = error.cause
    return "\n".join(texts)


def write_legacy_day(root: Path) -> Path:
    """The legacy tool's product of 2025-09-01 (named after the day's first record) and
    the row it logged, with the path relative to the folder it ran in."""
    cdf = root / LEGACY_CDF
    cdf.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CDF_0901, cdf)
    TelemetryLog(root / "in" / "download_telemetry.csv").append(
        TelemetryRow(
            run_id="legacy-run", chunk_date_utc=LEGACY, status=PROCESSED, cdf_path=LEGACY_CDF
        )
    )
    return cdf


def test_a_user_asset_gets_the_days_l1c_path(workspace, output_dir, persistent_instance):
    team = user_module().defs
    assert run(team, "reach_cdf", OURS, persistent_instance).success

    result = run(team, "l1c_record_count", OURS, persistent_instance)

    assert result.success
    made = layout_path(output_dir, OURS)
    assert metadata(result, "l1c_record_count") == {
        "l1c_path": str(made),
        "records": len(cdflib.CDF(str(made)).varget("Epoch")),
    }


def test_a_legacy_day_known_only_from_its_row_loads(workspace, persistent_instance):
    team = user_module().defs
    cdf = workspace / LEGACY_CDF
    cdf.parent.mkdir(parents=True)
    shutil.copyfile(CDF_0901, cdf)

    missing = run(team, "l1c_record_count", LEGACY, persistent_instance)
    assert not missing.success  # its name is not the layout's: only the row names it
    text = error_text(missing, "l1c_record_count")
    assert f"reach_cdf has no product for {LEGACY}" in text
    assert f"materialize reach_cdf for {LEGACY} first" in text
    cdf.unlink()

    legacy = write_legacy_day(workspace)
    result = run(team, "l1c_record_count", LEGACY, persistent_instance)

    assert result.success
    assert metadata(result, "l1c_record_count") == {
        "l1c_path": str(legacy),
        "records": len(cdflib.CDF(str(CDF_0901)).varget("Epoch")),
    }


# A downstream asset of two days' products: the day and the day before.
TWO_DAYS = TimeWindowPartitionMapping(start_offset=-1)


@asset(
    partitions_def=daily_partitions,
    ins={
        "l1c": AssetIn("reach_cdf", partition_mapping=TWO_DAYS),
        "l2": AssetIn("reach_geomap"),
    },
)
def two_days(l1c: dict[str, Path], l2: Path) -> MaterializeResult:
    return MaterializeResult(
        metadata={"l1c": {day: str(path) for day, path in l1c.items()}, "l2": str(l2)}
    )


@asset(
    partitions_def=daily_partitions,
    ins={
        "l1c": AssetIn(
            "reach_cdf", partition_mapping=TWO_DAYS, metadata={"allow_missing_partitions": True}
        )
    },
)
def two_days_or_fewer(l1c: dict[str, Path]) -> MaterializeResult:
    return MaterializeResult(metadata={"l1c": {day: str(path) for day, path in l1c.items()}})


@pytest.fixture
def downstream(workspace, instance) -> Definitions:
    """The two downstream assets, with a legacy 09-01 and our 09-02 (L1C and L2)."""
    definitions = Definitions.merge(reach_defs, Definitions(assets=[two_days, two_days_or_fewer]))
    write_legacy_day(workspace)
    assert run(definitions, "reach_cdf,reach_geomap", OURS, instance).success
    return definitions


def test_an_input_of_several_days_is_a_mapping_and_l2_loads(
    downstream, workspace, output_dir, instance
):
    result = run(downstream, "two_days", OURS, instance)

    assert result.success
    assert metadata(result, "two_days") == {
        "l1c": {LEGACY: str(workspace / LEGACY_CDF), OURS: str(layout_path(output_dir, OURS))},
        "l2": str(
            output_dir / "l2/prelim/2025/09/02/reach_all_l2_prelim_20250902T000000_v1.0.0.cdf"
        ),
    }


def test_a_missing_day_fails_unless_missing_days_are_allowed(downstream, output_dir, instance):
    failed = run(downstream, "two_days", NONE, instance)
    text = error_text(failed, "two_days")
    assert f"has no product for {NONE}" in text and f"for {NONE} first" in text

    result = run(downstream, "two_days_or_fewer", NONE, instance)

    assert result.success
    assert metadata(result, "two_days_or_fewer") == {
        "l1c": {OURS: str(layout_path(output_dir, OURS))}
    }


# ------------------------------------------ why the IO manager does not append the rows

RANGE = ["2025-09-01", "2025-09-02", "2025-09-03"]


class Recorder(IOManager):
    """An IO manager that records what Dagster hands it."""

    def __init__(self) -> None:
        self.outputs: list[tuple[str, ...]] = []

    def handle_output(self, context, obj) -> None:
        self.outputs.append(tuple(context.asset_partition_keys))

    def load_input(self, context) -> None:
        return None


@pytest.mark.parametrize(
    ("order", "stored", "materialized"),
    [
        (["output"], [tuple(RANGE)], RANGE),  # once, after every day, for the whole range
        (["output", "fail"], [tuple(RANGE)], RANGE),  # the bad day shows materialized too
        (["fail", "output"], [], []),  # a failure (or a crash) first: nothing stored
    ],
)
def test_an_output_in_a_ranged_run_is_one_value_for_the_whole_range(
    order, stored, materialized, instance
):
    """What Dagster 1.13 does with an ``Output`` in a ranged run (README, "Building on
    the products"): a telemetry row per day cannot come from ``handle_output``."""
    recorder = Recorder()

    @asset(partitions_def=daily_partitions, io_manager_key="recorder")
    def ranged(context):
        for step in order:
            if step == "fail":
                raise Failure("2025-09-02 is bad")
            yield Output({key: "product" for key in context.partition_keys})

    result = materialize(
        [ranged],
        resources={"recorder": recorder},
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": RANGE[0],
            "dagster/asset_partition_range_end": RANGE[-1],
        },
        raise_on_error=False,
    )

    assert result.success == (order == ["output"])
    assert recorder.outputs == stored
    assert sorted(instance.get_materialized_partitions(AssetKey("ranged"))) == materialized
