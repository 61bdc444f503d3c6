"""Compare a new CDF product with the one it replaces: attributes, then every
variable's values, then (for an L1C) the median dose rate of each sensor that changed.

Fast where the data are the same, the common case of a re-made day: both files are read
whole once; identical bytes end it there (``rawdata``). Otherwise each variable's stored
records are compared byte for byte in place, and only a variable that differs is decoded
(cdflib) to count and measure its changes. Values are equal when they are equal or both
NaN; the largest absolute and relative changes are over values valid in both files
(finite, not the fill value).
"""

from __future__ import annotations

import logging
import time
from functools import cached_property
from pathlib import Path

import cdflib
import numpy as np

from .rawdata import attribute_entries, changed_elements, differing, load, stored, values
from .report import (
    NEW_PRODUCT,
    SENSORS_LISTED,
    VOLATILE_ATTRIBUTES,
    ChangeReport,
    SensorShift,
    VariableChange,
    Verdict,
    verdict_of,
)

logger = logging.getLogger(__name__)
FILL_ABOVE = 1e30  # |value| at or above: the fill value (-1e31), not a measurement
DOSE, SENSOR_LABELS = "dose_rate", "sensor_labels"


def compare_cdfs(
    old: Path, new: Path, *, volatile: frozenset[str] = VOLATILE_ATTRIBUTES
) -> ChangeReport:
    """What ``new`` changes from ``old`` (``volatile`` global attributes ignored)."""
    started = time.perf_counter()
    pair = Pair(old, new)
    if pair.positions is not None and not pair.positions.size:
        return ChangeReport(Verdict.NO_CHANGE, seconds=_since(started))
    attributes = pair.changed_attributes(volatile)
    names_a, names_b = _variables(pair.info[0]), _variables(pair.info[1])
    variables, dose = [], None
    for name in [*names_a, *(n for n in names_b if n not in names_a)]:
        if name not in names_a or name not in names_b:
            size = int(np.size((pair.a if name in names_a else pair.b).varget(name)))
            variables.append(VariableChange(name, size, size))
            continue
        if not pair.changed_attributes_only():
            attributes += [
                f"{name}.{attr}"
                for attr in changed_attributes(
                    pair.a.varattsget(name), pair.b.varattsget(name), frozenset()
                )
            ]
        change, both = pair.variable(name)
        if change is not None:
            variables.append(change)
            if name == DOSE:
                dose = both
    sensors = []
    if dose is not None and SENSOR_LABELS in names_a and SENSOR_LABELS in names_b:
        labels = (pair.a.varget(SENSOR_LABELS), pair.b.varget(SENSOR_LABELS))
        sensors = sensor_shifts(dose, labels, pair.changed_at.get(DOSE))
    return ChangeReport(
        verdict_of(attributes, variables),
        tuple(attributes),
        tuple(variables),
        tuple(sensors),
        _since(started),
    )


def change_from(previous: Path | None, new: Path) -> ChangeReport:
    """What ``new`` changes from the product it replaces (``previous``; None: there is
    none, or NEW_PRODUCT when the old one cannot be read to compare: it is replaced)."""
    if previous is None or not Path(previous).is_file():
        return NEW_PRODUCT
    try:
        return compare_cdfs(previous, new)
    except Exception as exc:  # noqa: BLE001 - an unreadable old product is replaced, not a failure
        logger.warning("%s could not be compared with %s: %s", previous, new, exc)
        return NEW_PRODUCT


class Pair:
    """The old and the new file: their bytes (read once), where they differ when they
    have one size, and cdflib's view of each."""

    def __init__(self, old: Path, new: Path):
        self.paths = old, new
        self.raw = load(old), load(new)
        self.positions = differing(*self.raw)
        self.entries = None
        self.changed_at: dict[str, np.ndarray] = {}  # the elements that differ, by variable

    @cached_property
    def info(self):
        return self.a.cdf_info(), self.b.cdf_info()

    @cached_property
    def a(self):
        return cdflib.CDF(str(self.paths[0]))

    @cached_property
    def b(self):
        return cdflib.CDF(str(self.paths[1]))

    def changed_attributes(self, volatile: frozenset[str]) -> list[str]:
        """Changed global attributes, and variables' attributes when read from bytes."""
        stored = attribute_entries(self.raw[0]), attribute_entries(self.raw[1])
        if None in stored:
            return changed_attributes(self.a.globalattsget(), self.b.globalattsget(), volatile)
        self.entries = stored
        return changed_entries(*stored, volatile)

    def changed_attributes_only(self) -> bool:
        """Whether ``changed_attributes`` covered the variables' attributes too."""
        return self.entries is not None

    def variable(self, name: str) -> tuple[VariableChange | None, tuple | None]:
        """How variable ``name`` changed, and both its arrays when it did."""
        where = (
            stored(self.raw[0], self.a, self.info[0].Encoding, name),
            stored(self.raw[1], self.b, self.info[1].Encoding, name),
        )
        if None in where:
            old, new = self.a.varget(name), self.b.varget(name)
            return variable_change(name, old, new), (old, new)
        old, new = values(self.raw[0], where[0]), values(self.raw[1], where[1])
        if self.positions is None or where[0] != where[1]:
            change = variable_change(name, old, new)
        else:
            candidates = changed_elements(self.positions, where[0])
            if not candidates.size:
                return None, None
            self.changed_at[name] = candidates
            change = variable_change(
                name, old.ravel()[candidates], new.ravel()[candidates], total=old.size
            )
        return change, (None if change is None else (old, new))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 4)


def _variables(info) -> list[str]:
    return [*info.zVariables, *info.rVariables]


def changed_attributes(old: dict, new: dict, ignored: frozenset[str]) -> list[str]:
    """The attribute names present in one only, or with other entries, in their order."""
    names = [*old, *(n for n in new if n not in old)]
    return [
        n
        for n in names
        if n not in ignored and (n not in old or n not in new or _plain(old[n]) != _plain(new[n]))
    ]


def changed_entries(old: dict, new: dict, ignored: frozenset[str]) -> list[str]:
    """``changed_attributes`` of ``rawdata.attribute_entries``: global attributes by name,
    a variable's as ``variable.attribute``."""
    keys = [*old, *(k for k in new if k not in old)]
    names = [
        f"{var}.{attr}" if var else attr
        for attr, var in keys
        if old.get((attr, var)) != new.get((attr, var))
    ]
    return [n for n in dict.fromkeys(names) if n not in ignored]


def _plain(value):
    """An attribute's entries as plain Python values (numpy arrays compare elementwise)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def variable_change(name: str, old, new, total: int | None = None) -> VariableChange | None:
    """How ``new`` differs from ``old`` (None: not at all); ``total``: the variable's size
    when ``old`` and ``new`` are some of its values only."""
    old, new = np.asarray(old), np.asarray(new)
    if old.shape != new.shape:
        size = max(old.size, new.size)
        return VariableChange(name, size, size)
    total = int(old.size) if total is None else total
    unequal = changed_mask(old, new)
    differ = int(np.count_nonzero(unequal))
    if not differ:
        return None
    if old.dtype.kind not in "iuf" or new.dtype.kind not in "iuf":
        return VariableChange(name, differ, total)
    x, y = old[unequal].astype(np.float64), new[unequal].astype(np.float64)
    valid = _valid(x) & _valid(y)
    if not valid.any():
        return VariableChange(name, differ, total)
    delta, base = np.abs(y[valid] - x[valid]), np.abs(x[valid])
    nonzero = base > 0
    max_rel = float((delta[nonzero] / base[nonzero]).max()) if nonzero.any() else None
    return VariableChange(name, differ, total, float(delta.max()), max_rel)


def changed_mask(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Where two arrays of one shape differ (NaN and NaN are the same)."""
    unequal = old != new
    if old.dtype.kind == "f" and new.dtype.kind == "f":
        unequal &= ~(np.isnan(old) & np.isnan(new))
    return unequal


def _valid(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (np.abs(values) < FILL_ABOVE)


def sensor_medians(dose, labels, sensors: set[str] | None = None) -> dict[str, float | None]:
    """The median dose rate of each sensor (of ``sensors``; all when None) over the day's
    times and dosimeters, valid values only; None for a sensor with none."""
    dose = np.asarray(dose, dtype=np.float64)
    if dose.ndim == 2:  # one dosimeter flavor
        dose = dose[:, :, None]
    medians = {}
    for index, label in enumerate(str(s).strip() for s in np.atleast_1d(labels)):
        if sensors is not None and label not in sensors:
            continue
        values = dose[:, index, :]
        values = values[_valid(values)]
        medians[label] = float(np.median(values)) if values.size else None
    return medians


def changed_sensors(doses, labels, changed_at: np.ndarray | None = None) -> set[str]:
    """The sensors whose dose rates differ at some time (or that are in one file only);
    ``changed_at``: the flat indices of the dose rates that may differ, when known."""
    old_labels = [str(s).strip() for s in np.atleast_1d(labels[0])]
    new_labels = [str(s).strip() for s in np.atleast_1d(labels[1])]
    old, new = np.asarray(doses[0]), np.asarray(doses[1])
    if old_labels != new_labels or old.shape != new.shape:
        return set(old_labels) | set(new_labels)
    if changed_at is None:
        changed_at = np.flatnonzero(changed_mask(old, new))
    else:
        flat_old, flat_new = old.reshape(-1), new.reshape(-1)
        changed_at = changed_at[changed_mask(flat_old[changed_at], flat_new[changed_at])]
    columns = np.unique(np.unravel_index(changed_at, old.shape)[1])
    return {old_labels[i] for i in columns}


def sensor_shifts(
    doses, labels, changed_at: np.ndarray | None = None, listed: int = SENSORS_LISTED
) -> list[SensorShift]:
    """Of the sensors whose dose rates changed, those whose median moved most, largest
    first (a sensor in one file only first; a median may also not move at all)."""
    moved = changed_sensors(doses, labels, changed_at)
    old = sensor_medians(doses[0], labels[0], moved)
    new = sensor_medians(doses[1], labels[1], moved)
    shifts = [SensorShift(s, old.get(s), new.get(s)) for s in sorted(moved)]
    shifts.sort(key=lambda s: -abs(s.shift) if s.shift is not None else -np.inf)
    return shifts[:listed]
