"""What a daemon or ``dagster dev`` wrote to a persistent instance, read from its home."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterInstance

FINISHED_TICK = ("SUCCESS", "SKIPPED", "FAILURE")


def sensor_ticks(home: Path, sensor: str) -> list:
    """The sensor's finished ticks, oldest first; a failed tick fails the caller."""
    with DagsterInstance.from_config(str(home)) as instance:
        states = [s for s in instance.all_instigator_state() if s.name == sensor]
        if not states:
            return []
        [state] = states
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id)
    done = [t for t in ticks if t.status.value in FINISHED_TICK]
    failed = [t for t in done if t.status.value == "FAILURE"]
    assert not failed, failed[0].error
    return list(reversed(done))


def ticks_after(home: Path, sensor: str, count: int, since: int = 0):
    """A check for ``wait_for``: the ticks, once there are ``since + count`` of them."""

    def check():
        ticks = sensor_ticks(home, sensor)
        return ticks if len(ticks) >= since + count else None

    return check


def all_runs(home: Path) -> list:
    with DagsterInstance.from_config(str(home)) as instance:
        return list(instance.get_runs())


def day_runs(home: Path) -> list:
    """The runs that made days: every run but reach_coverage's (its automation sensor
    requests one after days are made)."""
    from dagster import AssetKey

    coverage = {AssetKey("reach_coverage")}
    return [r for r in all_runs(home) if r.asset_selection != coverage]


def create_storage(home: Path) -> None:
    """Create the home's SQLite storage now: a server starting on a fresh home and a test
    reading it at the same moment would both create it (two schema versions recorded)."""
    with DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
