"""How often the background sensors look: one rule for the ones that poll every five minutes."""

from __future__ import annotations

from dagster import DefaultSensorStatus, sensor


def every_five_minutes(name: str, description: str):
    """``@sensor`` evaluated every five minutes, RUNNING as soon as the code location loads."""
    return sensor(
        name=name,
        minimum_interval_seconds=300,
        default_status=DefaultSensorStatus.RUNNING,
        description=description,
    )
