"""Read a Level-1C CDF into what a geomap needs: per-flavor dose at each (time, sensor)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cdflib
import numpy as np

from .errors import GeomapInputError
from .product import FILLVAL, FLAVORS

REQUIRED_VARIABLES = ("Epoch", "lat", "lon", "dose_rate", "dosimeter_flavors")
_FLAVOR = re.compile(r"\(Flavor ([A-Za-z])\)")


@dataclass(frozen=True)
class L1CDay:
    """One L1C file, flattened over (time, sensor) in row-major order.

    ``values[k]`` is flavor ``FLAVORS[k]``'s dose at each (time, sensor): the dose of the
    sensor's dosimeter of that flavor, NaN where the sensor has none or the cell is missing.
    """

    path: Path
    first_tt2000: int
    last_tt2000: int
    global_attrs: dict
    epoch_attrs: dict
    lon: np.ndarray
    lat: np.ndarray
    values: np.ndarray


def read_l1c(path: str | Path) -> L1CDay:
    """Read ``path``; raise ``GeomapInputError`` naming it when it is not a usable L1C CDF."""
    path = Path(path)
    cdf, epoch, lat, lon, dose, slots = _read_parts(path)
    n_t, n_s = lat.shape
    values = np.full((len(FLAVORS), n_t * n_s), np.nan)
    for k, slot in enumerate(slots):
        sensors, flavor_dose = _flavor_dose(dose, slot)
        per_sensor = np.full((n_t, n_s), np.nan)
        per_sensor[:, sensors] = flavor_dose
        values[k] = per_sensor.ravel()
    return L1CDay(
        path=path,
        first_tt2000=int(epoch[0]),
        last_tt2000=int(epoch[-1]),
        global_attrs=cdf.globalattsget(),
        epoch_attrs=typed_attributes(cdf, "Epoch"),
        lon=lon.ravel(),
        lat=lat.ravel(),
        values=values,
    )


def finite_points(path: str | Path) -> int:
    """How many (time, sensor, flavor) points of the L1C at ``path`` have a finite dose,
    lat and lon: the points ``read_l1c`` gives a geomap, counted without building them."""
    _, _, lat, lon, dose, slots = _read_parts(Path(path))
    has_position = np.isfinite(lat) & np.isfinite(lon)
    total = 0
    for slot in slots:
        sensors, flavor_dose = _flavor_dose(dose, slot)
        total += int(np.count_nonzero(np.isfinite(flavor_dose) & has_position[:, sensors]))
    return total


def _flavor_dose(dose: np.ndarray, slot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sensors that have a flavor (``slot`` >= 0: one of ``flavor_slots``), and the
    dose of each one's dosimeter of that flavor [time, those sensors]."""
    sensors = np.flatnonzero(slot >= 0)
    return sensors, dose[:, sensors, slot[sensors]]


def _read_parts(path: Path):
    """The L1C's CDF, Epoch, lat, lon and dose (fill values as NaN), each of the right
    shape, and each flavor's dosimeter slots (``flavor_slots``)."""
    cdf = _open(path)
    epoch = _variable(cdf, path, "Epoch")
    n_t = len(epoch)
    if n_t == 0:
        raise GeomapInputError(path, "Epoch has no records")
    lat = _missing_to_nan(_variable(cdf, path, "lat"))
    lon = _missing_to_nan(_variable(cdf, path, "lon"))
    dose = _missing_to_nan(_variable(cdf, path, "dose_rate"))
    flavors = _variable(cdf, path, "dosimeter_flavors")
    n_s = flavors.shape[0] if flavors.ndim == 2 else 0
    _expect_shape(path, "lat", lat, (n_t, n_s))
    _expect_shape(path, "lon", lon, (n_t, n_s))
    _expect_shape(path, "dose_rate", dose, (n_t, *flavors.shape))
    return cdf, epoch, lat, lon, dose, flavor_slots(path, flavors)


def flavor_slots(path: Path, flavors: np.ndarray) -> list[np.ndarray]:
    """For each of ``FLAVORS``, the dosimeter slot of each sensor that has it (else -1).

    ``flavors`` is the L1C's ``dosimeter_flavors`` [sensor, slot]: obDescription strings
    such as ``DOSE1 (Flavor X) in rad/second``, or "" where a pod has fewer dosimeters.
    """
    slots = [np.full(flavors.shape[0], -1) for _ in FLAVORS]
    for (s, j), text in np.ndenumerate(flavors):
        text = str(text).strip()
        if not text:
            continue
        match = _FLAVOR.search(text)
        letter = match.group(1).upper() if match else None
        if letter not in FLAVORS:
            raise GeomapInputError(
                path, f"dosimeter_flavors[{s}, {j}] = {text!r} names no flavor of {FLAVORS}"
            )
        k = FLAVORS.index(letter)
        if slots[k][s] >= 0:
            raise GeomapInputError(
                path, f"dosimeter_flavors row {s} (a sensor) names flavor {letter} twice"
            )
        slots[k][s] = j
    return slots


def typed_attributes(cdf: cdflib.CDF, variable: str) -> dict:
    """A variable's attributes as cdflib's writer takes them: text as is, numbers as
    ``[value, CDF type]`` so that they keep their type (a TT2000 FILLVAL stays TT2000)."""
    out = {}
    for name in cdf.varattsget(variable):
        entry = cdf.attget(name, variable)
        out[name] = entry.Data if entry.Data_Type == "CDF_CHAR" else [entry.Data, entry.Data_Type]
    return out


def _open(path: Path) -> cdflib.CDF:
    if not path.is_file():
        raise GeomapInputError(path, "no such file")
    try:
        cdf = cdflib.CDF(str(path))
        names = cdf.cdf_info().zVariables
    except Exception as exc:
        raise GeomapInputError(path, f"not a readable CDF ({type(exc).__name__}: {exc})") from exc
    missing = [v for v in REQUIRED_VARIABLES if v not in names]
    if missing:
        raise GeomapInputError(path, f"not a Level-1C CDF: no variable {', '.join(missing)}")
    return cdf


def _variable(cdf: cdflib.CDF, path: Path, name: str) -> np.ndarray:
    """The variable with its full shape: cdflib drops length-1 dimensions."""
    info = cdf.varinq(name)
    shape = tuple(info.Dim_Sizes)
    if info.Rec_Vary:
        shape = (info.Last_Rec + 1, *shape)
    if 0 in shape:
        return np.empty(shape)
    try:
        return np.asarray(cdf.varget(name)).reshape(shape)
    except Exception as exc:
        raise GeomapInputError(path, f"cannot read {name}: {type(exc).__name__}: {exc}") from exc


def _missing_to_nan(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64, copy=True)
    values[values == FILLVAL] = np.nan
    return values


def _expect_shape(path: Path, name: str, values: np.ndarray, shape: tuple) -> None:
    if values.shape != shape:
        raise GeomapInputError(
            path, f"{name} has shape {values.shape}, expected {shape} (records, sensors, slots)"
        )
