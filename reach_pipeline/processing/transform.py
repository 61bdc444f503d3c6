"""Observations -> the day's grid: Epoch × sensors × flavors, with the legacy semantics.

1. A blank idSensor is filled from observatoryName (the Iridium ↔ REACH table); rows that
   still have none are dropped and counted.
2. Among duplicates of (idSensor, obDescription, obTime) the row with the latest createdAt
   is kept (on a tie, the later row in the file).
3. One Epoch record per unique obTime; sensors sorted by label; each sensor's flavors
   sorted by their obDescription and padded with "" to the widest sensor.
4. Per (time, sensor), lat/lon/alt/obQuality/senPos come from the sensor's first flavor
   (in that sorted order) present at that time. Missing cells hold FILLVAL, and so do NaNs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ReachInputError, excerpt
from .observations import Labels, Observations
from .pods import IRIDIUM_TO_REACH
from .product import FILLVAL

_SENSOR_LABEL = re.compile(r"^REACH-([0-9]{1,9})$")
# Per-(time, sensor) variables.
SENSOR_FIELDS = ("lat", "lon", "alt", "quality", "pos_x", "pos_y", "pos_z")


@dataclass
class DayGrid:
    epoch_unix_ns: np.ndarray  # (T,) int64, strictly increasing
    sensor_labels: list[str]  # (S,) sorted
    sensor_ids: np.ndarray  # (S,) int32
    flavors: list[list[str]]  # (S, F), padded with ""
    dose_rate: np.ndarray  # (T, S, F) float64
    per_sensor: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (T, S)
    descriptor: str = ""


@dataclass(frozen=True)
class Counts:
    records_read: int
    observations: int
    ids_imputed: int
    rows_dropped: int
    duplicates_dropped: int
    after_dedupe: int


def build_grid(path: Path, obs: Observations) -> tuple[DayGrid, Counts]:
    """Apply the legacy rules; raise ``ReachInputError`` where the input cannot be used."""
    if len(obs.descriptors) > 1:
        raise ReachInputError(
            path,
            "more than one descriptor in one file "
            f"({', '.join(obs.descriptors)}); a day file must have a single provenance",
        )
    if not obs.descriptors:
        raise ReachInputError(path, "no descriptor value in any row")

    sensors, imputed = impute_sensor(obs.id_sensor, obs.observatory)
    keep = (sensors.codes >= 0) & (obs.description.codes >= 0)
    dropped = int(len(keep) - np.count_nonzero(keep))
    if not keep.any():
        raise ReachInputError(path, _why_no_valid_records(sensors, obs))
    rows = np.flatnonzero(keep) if dropped else None

    def pick(a: np.ndarray) -> np.ndarray:
        return a if rows is None else a[rows]

    values = {name: pick(getattr(obs, name)) for name in ("value", *SENSOR_FIELDS)}
    _check_numbers(path, obs.unit, pick(obs.row), values)
    # Codes index sorted names, so sensor order is label order; drop names with no rows.
    sensor = pick(sensors.codes)
    used = np.flatnonzero(np.bincount(sensor, minlength=len(sensors.names)))
    labels = [sensors.names[i] for i in used]
    if len(labels) < len(sensors.names):
        remap = np.full(len(sensors.names), -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        sensor = remap[sensor]
    ids = _sensor_ids(path, obs, sensors, used)
    desc = pick(obs.description.codes)
    n_s, n_d = len(labels), len(obs.description.names)

    time_code, epochs = pd.factorize(pick(obs.ob_time), sort=True)
    cell = (time_code.astype(np.int64) * n_s + sensor) * n_d + desc
    kept = _latest_per_cell(cell, pick(obs.created_at))
    n_kept = len(cell) if kept is None else len(kept)

    def keep_rows(a: np.ndarray) -> np.ndarray:
        return a if kept is None else a[kept]

    t, s, d = keep_rows(time_code), keep_rows(sensor), keep_rows(desc)
    slot, flavors = _flavor_slots(s, d, n_s, n_d, obs.description.names)
    f = slot[s, d]
    dose = np.full((len(epochs), n_s, slot.max() + 1), np.nan)
    dose[t, s, f] = keep_rows(values["value"])

    # The row that speaks for (time, sensor): its lowest flavor slot present.
    rep = np.full((len(epochs), n_s), -1, dtype=np.int64)
    order = np.arange(len(t))
    for k in range(int(slot.max()), -1, -1):
        m = f == k
        rep[t[m], s[m]] = order[m]
    missing = rep < 0
    per_sensor = {}
    for name in SENSOR_FIELDS:
        grid = keep_rows(values[name])[rep]
        grid[missing] = np.nan
        per_sensor[name] = _filled(grid)

    grid = DayGrid(
        epoch_unix_ns=np.asarray(epochs, dtype=np.int64),
        sensor_labels=labels,
        sensor_ids=ids,
        flavors=flavors,
        dose_rate=_filled(dose),
        per_sensor=per_sensor,
        descriptor=obs.descriptors[0],
    )
    counts = Counts(
        records_read=obs.records,
        observations=len(obs.row),
        ids_imputed=imputed,
        rows_dropped=dropped,
        duplicates_dropped=len(cell) - n_kept,
        after_dedupe=n_kept,
    )
    return grid, counts


def _why_no_valid_records(sensors: Labels, obs: Observations) -> str:
    n = len(sensors.codes)
    if n == 0:
        return f"no valid records: none of the {obs.records} rows holds an observation"
    reasons = []
    no_sensor = int(np.count_nonzero(sensors.codes < 0))
    no_desc = int(np.count_nonzero(obs.description.codes < 0))
    if no_sensor:
        reasons.append(
            f"{no_sensor} have a blank idSensor and an observatoryName that names no REACH pod"
        )
    if no_desc:
        reasons.append(f"{no_desc} have a blank obDescription")
    return f"no valid records: of {n} observations, {' and '.join(reasons)}"


def impute_sensor(id_sensor: Labels, observatory: Labels) -> tuple[Labels, int]:
    """Fill a blank idSensor from observatoryName; return the labels and how many filled."""
    blank = id_sensor.codes < 0
    if not blank.any():
        return id_sensor, 0
    mapped = [IRIDIUM_TO_REACH.get(name) for name in observatory.names]
    names = sorted(set(id_sensor.names) | {m for m in mapped if m})
    where = {name: i for i, name in enumerate(names)}
    old_to_new = np.array([where[n] for n in id_sensor.names] + [-1], dtype=np.int32)
    obs_to_new = np.array([where[m] if m else -1 for m in mapped] + [-1], dtype=np.int32)
    codes = old_to_new[id_sensor.codes]  # -1 indexes the trailing -1
    codes[blank] = obs_to_new[observatory.codes[blank]]
    imputed = int(np.count_nonzero(codes[blank] >= 0))
    return Labels(codes, names), imputed


def _latest_per_cell(cell: np.ndarray, created: np.ndarray) -> np.ndarray | None:
    """Row indices to keep: per cell the latest createdAt (ties: later row). None = all."""
    counts = np.bincount(cell)
    dup = counts[cell] > 1
    if not dup.any():
        return None
    dup_rows = np.flatnonzero(dup)
    order = dup_rows[np.lexsort((created[dup_rows], cell[dup_rows]))]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = cell[order[1:]] != cell[order[:-1]]
    return np.sort(np.concatenate([np.flatnonzero(~dup), order[last]]))


def _flavor_slots(
    s: np.ndarray, d: np.ndarray, n_s: int, n_d: int, names: list[str]
) -> tuple[np.ndarray, list[list[str]]]:
    """Each sensor's flavors sorted by description: slot[sensor, desc] and padded names."""
    present = np.zeros((n_s, n_d), dtype=bool)
    present[s, d] = True
    by_name = sorted(range(n_d), key=lambda c: names[c])
    slot = np.full((n_s, n_d), -1, dtype=np.int64)
    width = int(present.sum(axis=1).max())
    flavors = [[""] * width for _ in range(n_s)]
    for i in range(n_s):
        for k, c in enumerate(c for c in by_name if present[i, c]):
            slot[i, c] = k
            flavors[i][k] = names[c]
    return slot, flavors


def _sensor_ids(path: Path, obs: Observations, sensors: Labels, used: np.ndarray) -> np.ndarray:
    """The number of each used sensor label REACH-<number>; a 32-bit id (CDF_INT4)."""
    ids = np.empty(len(used), dtype=np.int32)
    for k, code in enumerate(used):
        label = sensors.names[code]
        m = _SENSOR_LABEL.match(label)
        if m is None:
            where = obs.where(int(np.argmax(sensors.codes == code)))
            raise ReachInputError(
                path,
                f"{where}: idSensor {excerpt(label)} is not of the form REACH-<number> "
                "(1 to 9 digits)",
            )
        ids[k] = int(m.group(1))
    return ids


def _filled(values: np.ndarray) -> np.ndarray:
    values[np.isnan(values)] = FILLVAL
    return values


def _check_numbers(path: Path, unit: str, rows: np.ndarray, cols: dict[str, np.ndarray]) -> None:
    """Reject values no instrument produces: infinities and impossible coordinates.

    The upstream fill value (-1e31) is accepted anywhere: it already means "missing".
    """
    limits = {
        "lat": (-90.0, 90.0),
        "lon": (-180.0, 360.0),
        "alt": (-1_000.0, 100_000.0),
        "pos_x": (-1e6, 1e6),
        "pos_y": (-1e6, 1e6),
        "pos_z": (-1e6, 1e6),
        "value": (-1e30, 1e30),
        "quality": (-1e30, 1e30),
    }
    for name, (lo, hi) in limits.items():
        v = cols[name]
        with np.errstate(invalid="ignore"):
            bad = (v < lo) | (v > hi)
        bad &= v != FILLVAL
        if bad.any():
            i = int(np.argmax(bad))
            label = {"value": "obValue", "quality": "obQuality"}.get(name, name)
            # float(): the plain number, not numpy's repr (np.float64(9999.0)).
            raise ReachInputError(
                path,
                f"{unit} {rows[i]}: {label} {float(v[i])!r} is outside the possible range "
                f"[{lo}, {hi}]",
            )
