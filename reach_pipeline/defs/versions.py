"""Code and data versions, so that Dagster shows which days are stale.

``reach_cdf`` and ``reach_geomap`` carry a code version made from their processor's
version (``provenance.versions``), computed when the code location loads: after the
processor changes and the location reloads, every day made before is stale ("has a new
code version"). ``reach_csv``'s observations carry the input's data version (the input
sensor), so a re-downloaded day is stale too ("has a new dependency data version").

Dagster 1.13 derives the provenance tags only for materializations it makes from an
output (``MaterializeResult``); an ``AssetMaterialization`` a ranged run yields per day
carries none (measured: no ``dagster/code_version``, no ``dagster/data_version``, no
input tags), so the UI could never call those days stale. And for a partitioned external
dependency it records a hash of nothing as the input's data version and the latest
observation of any day as its pointer. So every materialization of ours, in a one-day run
and in a ranged run alike, gets the tags from ``version_tags``: the asset's code version,
each dependency's data version and event pointer for that very day, and a data version
derived from them. Only public APIs: ``fetch_materializations``/``fetch_observations``.
"""

from __future__ import annotations

import hashlib

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from reach_pipeline.provenance.versions import processor_version
from reach_pipeline.settings import SettingsError, setting_value
from reach_pipeline.stages import REACH_CSV, StageId
from reach_pipeline.steps.geomap import GEOMAP_PROCESSOR

CODE_VERSION_TAG = "dagster/code_version"
DATA_VERSION_TAG = "dagster/data_version"
INPUT_DATA_VERSION = "dagster/input_data_version/"
INPUT_EVENT_POINTER = "dagster/input_event_pointer/"
NO_VERSION, NO_EVENT = "INITIAL", "NULL"  # Dagster's values for a dependency never seen
LEGACY_CODE_VERSION = "legacy swxsoc_reach process"  # the legacy tool's imported days


def code_version(spec: str) -> str:
    """``module:function@version``; ``@unknown`` when the module cannot be found here (the
    run's preflight then says so)."""
    try:
        return processor_version(spec).code_version
    except ValueError:
        return f"{spec}@unknown"


def l1c_code_version() -> str:
    """From ``REACH_PROCESSOR`` as the code location loads."""
    try:
        spec = setting_value("processor")
    except SettingsError:
        return "unknown"
    return code_version(spec)


CODE_VERSIONS: dict[StageId, str] = {
    StageId.L1C: l1c_code_version(),
    StageId.L2: code_version(GEOMAP_PROCESSOR),
}


def latest_version_record(instance: DagsterInstance, key: AssetKey, day: str):
    """The day's latest observation of the external ``reach_csv`` (the input sensor's),
    or the day's latest materialization of an asset made here (one query either way)."""
    records_filter = AssetRecordsFilter(asset_key=key, asset_partitions=[day])
    observed = key == AssetKey(REACH_CSV)
    fetch = instance.fetch_observations if observed else instance.fetch_materializations
    records = fetch(records_filter, limit=1).records
    return records[0] if records else None


def version_tags(
    instance: DagsterInstance, code: str, deps: list[AssetKey], day: str
) -> dict[str, str]:
    """The provenance tags of ``day``'s materialization made by ``code`` from ``deps``."""
    tags = {CODE_VERSION_TAG: code}
    versions = []
    for dep in sorted(deps, key=lambda k: k.to_user_string()):
        record = latest_version_record(instance, dep, day)
        version = (record.event_log_entry.tags or {}).get(DATA_VERSION_TAG) if record else None
        versions.append(version or NO_VERSION)
        tags[INPUT_DATA_VERSION + dep.to_user_string()] = versions[-1]
        tags[INPUT_EVENT_POINTER + dep.to_user_string()] = (
            str(record.storage_id) if record else NO_EVENT
        )
    tags[DATA_VERSION_TAG] = hashlib.sha256("".join((code, *versions)).encode()).hexdigest()
    return tags
