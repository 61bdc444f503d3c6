"""The pure parts of the GraphQL documents' handling and of the process roles."""

from __future__ import annotations

import pytest

from reach_pipeline_tests.support.dagster_servers import process_role
from reach_pipeline_tests.support.graphql import (
    backfill_params,
    required_daemons_healthy,
    runs_by_partition,
)

PARTITION = "dagster/partition"


def tag(key: str, value: str) -> dict:
    return {"key": key, "value": value}


@pytest.mark.parametrize(
    ("cmdline", "role"),
    [
        (["python", "-m", "dagster", "api", "grpc", "--lazy-load-user-code"], "code server"),
        (["dagster", "code-server", "start", "-m", "x"], "code server"),
        (["dagster", "api", "grpc", "execute_run"], None),
        (["python", "-c", "from multiprocessing.spawn import spawn_main"], "run worker"),
        (["python", "-c", "from multiprocessing.resource_tracker import main"], "mp helper"),
        (["dagster-daemon", "run"], None),
        ([], None),
    ],
)
def test_process_role(cmdline, role):
    assert process_role(cmdline) == role


@pytest.mark.parametrize(
    ("statuses", "healthy"),
    [
        ([], False),
        ([{"daemonType": "SENSOR", "required": False, "healthy": False}], False),
        ([{"daemonType": "SENSOR", "required": True, "healthy": True}], True),
        (
            [
                {"daemonType": "SENSOR", "required": True, "healthy": True},
                {"daemonType": "BACKFILL", "required": True, "healthy": False},
            ],
            False,
        ),
        (
            [
                {"daemonType": "SENSOR", "required": True, "healthy": True},
                {"daemonType": "MONITORING", "required": False, "healthy": False},
            ],
            True,
        ),
    ],
)
def test_required_daemons_healthy(statuses, healthy):
    assert required_daemons_healthy(statuses) is healthy


@pytest.mark.parametrize(
    ("keys", "selection"),
    [
        (["reach_cdf"], [{"path": ["reach_cdf"]}]),
        (["reach_cdf", "group/asset"], [{"path": ["reach_cdf"]}, {"path": ["group", "asset"]}]),
    ],
)
def test_backfill_params_as_the_ui_sends_them(keys, selection):
    params = backfill_params(keys, ("2025-09-01", "2025-09-02"))
    assert params == {
        "tags": [{"key": "dagster/from_ui", "value": "true"}],
        "assetSelection": selection,
        "partitionNames": ["2025-09-01", "2025-09-02"],
        "fromFailure": False,
    }


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([], {}),
        (
            [
                {"status": "SUCCESS", "tags": [tag(PARTITION, "2026-01-20")]},
                {"status": "FAILURE", "tags": [tag("other", "x")]},
                {"status": "FAILURE", "tags": [tag("backfill", "b"), tag(PARTITION, "2026-01-01")]},
            ],
            {"2026-01-20": "SUCCESS", "2026-01-01": "FAILURE"},
        ),
    ],
)
def test_runs_by_partition(runs, expected):
    assert runs_by_partition({"runs": runs}) == expected
