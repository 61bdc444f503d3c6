"""A run's settings, resolved and checked before any day is touched.

An operator's mistake (a malformed ``REACH_*`` value, a missing input folder, a telemetry
path that is a folder, ...) fails the run with one line naming the setting and the fix,
not retried, and writes no telemetry row: no day failed, the settings did.
"""

from dagster import Failure

from reach_pipeline.preflight import check_paths
from reach_pipeline.settings import Settings, SettingsError

from .resources import ReachSettings


def run_settings(reach: ReachSettings) -> Settings:
    """``reach`` resolved now, its paths checked (``preflight.check_paths``)."""
    try:
        settings = reach.resolve()
        check_paths(settings)
    except SettingsError as exc:
        raise Failure(description=str(exc), allow_retries=False) from None
    return settings
