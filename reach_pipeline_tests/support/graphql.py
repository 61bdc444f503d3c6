"""A GraphQL client for the Dagster webserver and the documents the tests and benches send.

The documents are those the UI sends, trimmed to the fields used here.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Collection

UI_TAGS = ({"key": "dagster/from_ui", "value": "true"},)
FINISHED_RUN = frozenset({"SUCCESS", "FAILURE", "CANCELED"})
BACKFILL_ENDED = frozenset(
    {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
)

WORKSPACE = """
query HarnessWorkspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation {
            name
            repositories {
              name
              sensors { name sensorState { id status } }
              schedules { name scheduleState { id status } }
            }
          }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

DAEMON_HEALTH = """
query HarnessDaemonHealth {
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
}
"""

# The mutation the UI's "Materialize… → Launch backfill" sends (its operation name too).
LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PartitionSetNotFoundError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""

BACKFILL = """
query HarnessBackfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status runs { runId status tags { key value } } }
    ... on PythonError { message }
  }
}
"""


# A run of a job (the launchpad's "Launch run", or what a sensor's RunRequest becomes).
LAUNCH_RUN = """
mutation HarnessLaunchRun($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message stack }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
# The backfill page's "Cancel backfill" and "Re-execute from failure".
CANCEL_BACKFILL = """
mutation CancelBackfill($backfillId: String!) {
  cancelPartitionBackfill(backfillId: $backfillId) {
    __typename
    ... on CancelBackfillSuccess { backfillId }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""
REEXECUTE_BACKFILL = """
mutation ReexecuteBackfill($reexecutionParams: ReexecutionParams!) {
  reexecutePartitionBackfill(reexecutionParams: $reexecutionParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on UnauthorizedError { message }
    ... on PythonError { message stack }
  }
}
"""


class GraphQLError(RuntimeError):
    """The webserver answered with errors, or not with what the document asks for."""


class GraphQLClient:
    """POSTs documents to ``{base_url}/graphql``; ``server_info()`` for readiness."""

    def __init__(self, base_url: str, timeout_s: float = 60.0):
        self.base_url, self.timeout_s = base_url, timeout_s

    def __call__(self, document: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": document, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            payload = json.load(response)
        if payload.get("errors"):
            raise GraphQLError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def server_info(self) -> dict | None:
        """The webserver's /server_info, or None while it does not answer it."""
        try:
            with urllib.request.urlopen(f"{self.base_url}/server_info", timeout=5) as response:
                info = json.load(response) if response.status == 200 else {}
        except (OSError, ValueError):
            return None
        return info if "dagster_webserver_version" in info else None


def loaded_locations(client: GraphQLClient) -> list[dict] | None:
    """The code locations with their repositories once all are loaded, else None.

    GraphQLError when a location failed to load (its Python error is in the message).
    """
    data = client(WORKSPACE)["workspaceOrError"]
    if data["__typename"] != "Workspace":
        raise GraphQLError(f"workspace: {data}")
    locations = []
    for entry in data["locationEntries"]:
        location = entry["locationOrLoadError"]
        if entry["loadStatus"] != "LOADED" or location is None:
            return None
        if location["__typename"] != "RepositoryLocation":
            raise GraphQLError(f"code location {entry['name']} failed to load: {location}")
        locations.append(location)
    return locations or None


def repositories(locations: list[dict]) -> list[dict]:
    return [repo for location in locations for repo in location["repositories"]]


# What stops a running sensor or schedule, as the UI does: (repository field, state field,
# mutation field, the answer's type on success, the state field in that answer).
AUTOMATION = (
    ("sensors", "sensorState", "stopSensor", "StopSensorMutationResult", "instigationState"),
    ("schedules", "scheduleState", "stopRunningSchedule", "ScheduleStateResult", "scheduleState"),
)


def stop_mutation(field: str, success: str, state: str) -> str:
    """The mutation ``field(id: $id)`` that stops one sensor or schedule by its state id."""
    return f"""
mutation Harness_{field}($id: String!) {{
  {field}(id: $id) {{
    __typename
    ... on {success} {{ {state} {{ status }} }}
    ... on PythonError {{ message }}
  }}
}}
"""


def stop_automation(
    client: GraphQLClient, locations: list[dict], keep: Collection[str] = ()
) -> list[str]:
    """Stop every running sensor and schedule but those named in ``keep``; return the
    names of those stopped."""
    stopped = []
    for repo in repositories(locations):
        for kind, state, field, success, answer_state in AUTOMATION:
            for item in repo[kind]:
                if item[state]["status"] != "RUNNING" or item["name"] in keep:
                    continue
                document = stop_mutation(field, success, answer_state)
                answer = client(document, {"id": item[state]["id"]})[field]
                expect_type(answer, success, f"{field} {item['name']}")
                stopped.append(item["name"])
    return stopped


def expect_type(answer: dict, typename: str, what: str) -> dict:
    if answer["__typename"] != typename:
        raise GraphQLError(f"{what}: {answer}")
    return answer


def required_daemons_healthy(statuses: list[dict]) -> bool:
    """Every required daemon heartbeating (and at least one required)."""
    required = [s for s in statuses if s["required"]]
    return bool(required) and all(s["healthy"] for s in required)


def daemons_healthy(client: GraphQLClient) -> bool:
    data = client(DAEMON_HEALTH)["instance"]["daemonHealth"]["allDaemonStatuses"]
    return required_daemons_healthy(data)


def backfill_params(
    asset_keys: list[str], partitions: list[str], tags: dict[str, str] | None = None
) -> dict:
    """``LaunchBackfillParams`` as the UI builds them for selected assets and days (with
    the tags an operator adds in the launch dialog)."""
    extra = [{"key": k, "value": v} for k, v in (tags or {}).items()]
    return {
        "tags": [dict(tag) for tag in UI_TAGS] + extra,
        "assetSelection": [{"path": key.split("/")} for key in asset_keys],
        "partitionNames": list(partitions),
        "fromFailure": False,
    }


def launch_partition_backfill(
    client: GraphQLClient,
    asset_keys: list[str],
    partitions: list[str],
    tags: dict[str, str] | None = None,
) -> dict:
    """Send ``launchPartitionBackfill``; the answer (``__typename``, ``backfillId``…)."""
    params = backfill_params(asset_keys, partitions, tags)
    return client(LAUNCH_BACKFILL, {"backfillParams": params})["launchPartitionBackfill"]


def cancel_backfill(client: GraphQLClient, backfill_id: str) -> dict:
    answer = client(CANCEL_BACKFILL, {"backfillId": backfill_id})["cancelPartitionBackfill"]
    return expect_type(answer, "CancelBackfillSuccess", f"cancel backfill {backfill_id}")


def reexecute_backfill_from_failure(client: GraphQLClient, backfill_id: str) -> str:
    """Re-execute from failure: a new backfill of every day the first did not make; its id."""
    params = {"parentRunId": backfill_id, "strategy": "FROM_FAILURE"}
    answer = client(REEXECUTE_BACKFILL, {"reexecutionParams": params})
    answer = answer["reexecutePartitionBackfill"]
    return expect_type(answer, "LaunchBackfillSuccess", f"re-execute {backfill_id}")["backfillId"]


def launch_job_backfill(
    client: GraphQLClient, location: str, job: str, partitions: list[str]
) -> dict:
    """A job's backfill as its page in the UI launches it (its partition set, the days)."""
    params = {
        "tags": [dict(tag) for tag in UI_TAGS],
        "selector": {
            "partitionSetName": f"{job}_partition_set",
            "repositorySelector": {
                "repositoryName": "__repository__",
                "repositoryLocationName": location,
            },
        },
        "partitionNames": list(partitions),
        "fromFailure": False,
    }
    return client(LAUNCH_BACKFILL, {"backfillParams": params})["launchPartitionBackfill"]


def backfill(client: GraphQLClient, backfill_id: str) -> dict:
    """The backfill's status and runs (each with its status and tags)."""
    data = client(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
    return expect_type(data, "PartitionBackfill", f"backfill {backfill_id}")


def runs_by_partition(backfill_data: dict) -> dict[str, str]:
    """``{day: run status}`` of a backfill's runs (from their ``dagster/partition`` tag)."""
    return {
        tag["value"]: run["status"]
        for run in backfill_data["runs"]
        for tag in run["tags"]
        if tag["key"] == "dagster/partition"
    }


def launch_day_run(
    client: GraphQLClient, location: str, job: str, day: str, assets: list[str], tags: dict
) -> str:
    """Launch one day's run of ``job`` over ``assets`` with ``tags``; its run id."""
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
            "jobName": job,
            "assetSelection": [{"path": key.split("/")} for key in assets],
        },
        "executionMetadata": {
            "tags": [{"key": k, "value": v} for k, v in {**tags, "dagster/partition": day}.items()]
        },
        "runConfigData": {},
    }
    answer = client(LAUNCH_RUN, {"params": params})["launchRun"]
    return expect_type(answer, "LaunchRunSuccess", f"launch {job} {day}")["run"]["runId"]


# What the UI asks for a partitioned asset's stale status per day (and the code version
# its definition has now, ``opVersion``).
STALE_STATUS = """
query HarnessStaleStatus($key: AssetKeyInput!, $partitions: [String!]) {
  assetNodeOrError(assetKey: $key) {
    __typename
    ... on AssetNode {
      opVersion
      staleStatusByPartition(partitions: $partitions)
      staleCausesByPartition(partitions: $partitions) { reason category }
    }
  }
}
"""

RELOAD_LOCATION = """
mutation HarnessReloadLocation($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    __typename
    ... on WorkspaceLocationEntry { name loadStatus }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on ReloadNotSupported { message }
    ... on RepositoryLocationNotFound { message }
  }
}
"""


def stale_status(client: GraphQLClient, asset_key: str, partitions: list[str]) -> dict:
    """``{"code_version", "status": {day: FRESH|STALE|MISSING}, "causes": {day: [...]}}``."""
    variables = {"key": {"path": asset_key.split("/")}, "partitions": list(partitions)}
    node = client(STALE_STATUS, variables)["assetNodeOrError"]
    expect_type(node, "AssetNode", f"asset {asset_key}")
    causes = node["staleCausesByPartition"] or [[] for _ in partitions]
    return {
        "code_version": node["opVersion"],
        "status": dict(zip(partitions, node["staleStatusByPartition"], strict=True)),
        "causes": {
            day: [c["reason"] for c in found] for day, found in zip(partitions, causes, strict=True)
        },
    }


def reload_location(client: GraphQLClient, name: str) -> dict:
    """Reload a code location, as the UI's "Reload" button does."""
    answer = client(RELOAD_LOCATION, {"name": name})["reloadRepositoryLocation"]
    return expect_type(answer, "WorkspaceLocationEntry", f"reload {name}")
