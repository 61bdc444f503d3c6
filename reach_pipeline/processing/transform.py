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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
    descriptor = _single_descriptor(path, obs)
    sensors, imputed = impute_sensor(obs.id_sensor, obs.observatory)
    rows, dropped = _usable(path, sensors, obs)
    values = {name: _take(getattr(obs, name), rows) for name in ("value", *SENSOR_FIELDS)}
    # The time axis and the number checks run beside the sensor axis (numpy and Arrow
    # release the GIL): the day's serial tail, after the parallel parse, is shorter. Large
    # arrays are allocated here, on the main thread, and filled by the workers: freed
    # memory of a worker's own malloc arena would not be reused, raising the peak.
    time_code = np.empty(len(obs.ob_time) if rows is None else len(rows), dtype=np.int64)
    with ThreadPoolExecutor(max_workers=2) as pool:
        timed = pool.submit(_time_axis, _take(obs.ob_time, rows), time_code)
        checked = pool.submit(_check_numbers, path, obs.unit, _take(obs.row, rows), values)
        try:
            sensor, labels, ids = _sensor_axis(path, obs, sensors, _take(sensors.codes, rows))
        finally:
            checked.result()  # a bad number is reported first, as when checked first
        n_s, n_d = len(labels), len(obs.description.names)
        pair = sensor.astype(np.int64) * n_d + _take(obs.description.codes, rows)
        slot, flavors = _flavor_slots(pair, n_s, obs.description.names)
        f, n_f = slot[pair], len(flavors[0])
        epochs = timed.result()
    n_t = len(epochs)
    cell = (time_code * n_s + sensor) * n_f + f  # a (time, sensor, flavor slot) cell
    n_obs = len(cell)
    del time_code, sensor, pair, f
    kept = _latest_per_cell(cell, _take(obs.created_at, rows))
    n_kept = len(cell) if kept is None else len(kept)
    if kept is None:  # no duplicates
        kept, value = np.arange(n_kept), values["value"]
    else:
        cell, value = np.take(cell, kept), np.take(values["value"], kept)
    dose = np.full(n_t * n_s * n_f, FILLVAL)
    with ThreadPoolExecutor(max_workers=1) as pool:  # the dose beside the per-sensor values
        dosed = pool.submit(_fill_dose, dose, cell, value)
        rep = _representatives(cell, kept, n_t * n_s, n_f)
        per_sensor = _per_sensor(values, rep, (n_t, n_s))
        dosed.result()
    grid = DayGrid(
        epoch_unix_ns=np.asarray(epochs, dtype=np.int64),
        sensor_labels=labels,
        sensor_ids=ids,
        flavors=flavors,
        dose_rate=dose.reshape(n_t, n_s, n_f),
        per_sensor=per_sensor,
        descriptor=descriptor,
    )
    counts = Counts(
        records_read=obs.records,
        observations=len(obs.row),
        ids_imputed=imputed,
        rows_dropped=dropped,
        duplicates_dropped=n_obs - n_kept,
        after_dedupe=n_kept,
    )
    return grid, counts


def _single_descriptor(path: Path, obs: Observations) -> str:
    """The file's one descriptor: a day file has a single provenance."""
    if len(obs.descriptors) > 1:
        raise ReachInputError(
            path,
            "more than one descriptor in one file "
            f"({', '.join(obs.descriptors)}); a day file must have a single provenance",
        )
    if not obs.descriptors:
        raise ReachInputError(path, "no descriptor value in any row")
    return obs.descriptors[0]


def _usable(path: Path, sensors: Labels, obs: Observations) -> tuple[np.ndarray | None, int]:
    """The observations with a sensor and a description (None: all), and how many not."""
    keep = (sensors.codes >= 0) & (obs.description.codes >= 0)
    n_keep = int(np.count_nonzero(keep))
    if n_keep == 0:
        raise ReachInputError(path, _why_no_valid_records(sensors, obs))
    dropped = len(keep) - n_keep
    return (np.flatnonzero(keep) if dropped else None), dropped


def _take(values: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
    return values if idx is None else np.take(values, idx)


def _sensor_axis(
    path: Path, obs: Observations, sensors: Labels, codes: np.ndarray
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Each observation's sensor slot, the slots' labels and ids: the sensors with rows.

    Codes index sorted names, so slot order is label order.
    """
    used = np.flatnonzero(np.bincount(codes, minlength=len(sensors.names)))
    labels = [sensors.names[i] for i in used]
    if len(labels) < len(sensors.names):
        remap = np.full(len(sensors.names), -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        codes = remap[codes]
    return codes, labels, _sensor_ids(path, obs, sensors, used)


def _time_axis(ob_time: np.ndarray, code: np.ndarray) -> np.ndarray:
    """The distinct times, sorted (the Epoch records); each observation's index in them
    goes into ``code``."""
    encoded = pc.dictionary_encode(pa.array(ob_time))
    distinct = encoded.dictionary.to_numpy()
    order = np.argsort(distinct)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    np.take(rank, encoded.indices.to_numpy(zero_copy_only=False), out=code)
    return distinct[order]


def _fill_dose(dose: np.ndarray, cell: np.ndarray, value: np.ndarray) -> None:
    """Each (time, sensor, flavor slot) cell's dose into ``dose`` (all FILLVAL before);
    a NaN value stays FILLVAL."""
    dose[cell] = value
    dose[np.isnan(dose)] = FILLVAL


def _representatives(cell: np.ndarray, index: np.ndarray, cells: int, n_f: int) -> np.ndarray:
    """Per (time, sensor) cell, the observation that speaks for it: the one of its lowest
    flavor slot present; -1 where the sensor has no observation at that time.

    ``cell`` is each deduplicated observation's (time, sensor, flavor slot) cell (no cell
    twice) and ``index`` its index among the observations.
    """
    at = np.full(cells * n_f, -1, dtype=np.int64)
    at[cell] = index
    at = at.reshape(cells, n_f)
    rep = at[:, n_f - 1].copy()
    for k in range(n_f - 2, -1, -1):  # lower slots win
        np.copyto(rep, at[:, k], where=at[:, k] >= 0)
    return rep


def _per_sensor(
    values: dict[str, np.ndarray], rep: np.ndarray, shape: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Each per-(time, sensor) variable: its representative's value, FILLVAL where there
    is none or the value is NaN."""
    missing = rep < 0
    out = {name: np.empty(shape) for name in SENSOR_FIELDS}  # see build_grid: main thread

    def gather(name: str) -> None:
        grid = out[name].reshape(-1)
        np.take(values[name], rep, out=grid)
        grid[missing | np.isnan(grid)] = FILLVAL

    # Random gathers, memory-bound; numpy releases the GIL: two threads for two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(gather, SENSOR_FIELDS))
    return out


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
    dup = np.take(np.bincount(cell), cell) > 1
    if not dup.any():
        return None
    dup_rows = np.flatnonzero(dup)
    order = dup_rows[np.lexsort((created[dup_rows], cell[dup_rows]))]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = cell[order[1:]] != cell[order[:-1]]
    keep = ~dup
    keep[order[last]] = True
    return np.flatnonzero(keep)


def _flavor_slots(pair: np.ndarray, n_s: int, names: list[str]) -> tuple[np.ndarray, list]:
    """Each sensor's flavors sorted by description: the slot of each (sensor, description)
    pair ``sensor * len(names) + description`` (-1: absent), and the padded names."""
    n_d = len(names)
    present = np.zeros(n_s * n_d, dtype=bool)
    present[pair] = True
    present = present.reshape(n_s, n_d)
    by_name = sorted(range(n_d), key=lambda c: names[c])
    slot = np.full((n_s, n_d), -1, dtype=np.int64)
    width = int(present.sum(axis=1).max())
    flavors = [[""] * width for _ in range(n_s)]
    for i in range(n_s):
        for k, c in enumerate(c for c in by_name if present[i, c]):
            slot[i, c] = k
            flavors[i][k] = names[c]
    return slot.reshape(-1), flavors


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
        if _within(v, lo, hi):
            continue
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


def _within(values: np.ndarray, lo: float, hi: float) -> bool:
    """Every value in [lo, hi] or NaN: two reductions, no temporary arrays (the fast path
    of ``_check_numbers``; False sends it to the exact check)."""
    if not len(values):
        return True
    with np.errstate(invalid="ignore"):
        return bool(lo <= np.fmin.reduce(values) and np.fmax.reduce(values) <= hi)
