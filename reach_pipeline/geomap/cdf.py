"""Write the Level-2 geomap CDF: the legacy tool's variables, types and attributes."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import cdflib
import numpy as np
from cdflib.cdfwrite import CDF as CDFWriter

from reach_pipeline.durable import write_atomically

from .product import FILLVAL, FLAVOR_LABELS, FLAVORS, STATISTICS, l2_file_stem
from .read import L1CDay
from .stats import LAT_CENTRES, LON_CENTRES
from .times import iso_milliseconds, time_resolution

CDF_INT8, CDF_TIME_TT2000, CDF_FLOAT, CDF_CHAR = 8, 33, 44, 51
_FMAX = np.finfo(np.float32).max
# Statistics whose empty cells hold 0; the others hold FILLVAL.
ZERO_WHEN_EMPTY = ("sum", "count")

# The L2's global attributes in the legacy order. Names not computed here are copied from
# the L1C (and skipped if it lacks them).
GLOBAL_ATTR_ORDER = (
    *"Data_level Data_product_descriptor Data_type Descriptor Discipline DOI".split(),
    *"File_naming_convention Generated_by HTTP_LINK Instrument_mode Instrument_type".split(),
    *"LINK_TEXT LINK_TITLE Logical_source_description Mission_group MODS".split(),
    *"PI_affiliation PI_name Project Rules_of_use Source_name TEXT Time_resolution".split(),
    *"TITLE Acknowledgment Data_curator DC_affiliation Time_start Time_end".split(),
    *"Data_version Flavor coordinate_system Generation_date Logical_file_id".split(),
    *"Logical_source CDF_Lib_version reach_pipeline_version".split(),
)


def l2_global_attrs(l1c_attrs: dict, first_tt2000: int, last_tt2000: int, stem: str) -> dict:
    """The L2's global attributes (name -> string) from the L1C's and the day's span."""
    computed = {
        "Data_level": "l2",
        "Time_resolution": time_resolution(first_tt2000, last_tt2000),
        "Time_start": iso_milliseconds(first_tt2000),
        "Time_end": iso_milliseconds(last_tt2000),
        "Flavor": "ALL",
        "coordinate_system": "geodetic",
        "Generation_date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "Logical_file_id": stem,
        "CDF_Lib_version": f"cdflib {cdflib.__version__}",
        "reach_pipeline_version": _software_version(),
    }
    out = {}
    for name in GLOBAL_ATTR_ORDER:
        if name in computed:
            out[name] = computed[name]
        elif l1c_attrs.get(name):
            out[name] = str(l1c_attrs[name][0])
    return out


def write_l2(maps: dict[str, np.ndarray], l1c: L1CDay, day: dt.date, directory: Path) -> Path:
    """Write the L2 CDF of ``l1c`` into ``directory`` atomically and return its path.

    ``maps`` holds each statistic as float64 [flavor, lat, lon] with NaN in empty cells.
    The file is written under a hidden temporary name in ``directory`` and renamed into
    place, so no partial ``.cdf`` is ever seen under the final name.
    """
    stem = l2_file_stem(day)
    gattrs = l2_global_attrs(l1c.global_attrs, l1c.first_tt2000, l1c.last_tt2000, stem)
    epoch = (l1c.first_tt2000, epoch_attrs(l1c.epoch_attrs))
    # cdflib insists on a name ending in .cdf.
    return write_atomically(
        Path(directory) / f"{stem}.cdf",
        lambda tmp: _write(tmp, gattrs, epoch, maps),
        suffix=".tmp.cdf",
    )


def stored_map(statistic: str, values: np.ndarray) -> np.ndarray:
    """A statistic as stored: float32, empty cells 0 (sum, count) or FILLVAL."""
    if statistic not in ZERO_WHEN_EMPTY:
        values = np.where(np.isnan(values), FILLVAL, values)
    return values.astype(np.float32)


def _software_version() -> str:
    try:
        return version("reach_pipeline")
    except PackageNotFoundError:
        return "unknown"


def _spec(name: str, dtype: int, dims: list[int], *, rec_vary: bool, elements: int = 1) -> dict:
    """cdflib's variable description: uncompressed, every dimension varying, blocking
    factor 0 and a blank pad for text, as in the legacy file."""
    spec = dict(Variable=name, Data_Type=dtype, Num_Elements=elements, Rec_Vary=rec_vary)
    spec.update(Dim_Sizes=dims, Dim_Vary=[True] * len(dims), Compress=0, Block_Factor=0)
    if dtype == CDF_CHAR:
        spec["Pad"] = " "
    return spec


def _meta_attrs(name: str, catdesc: str, fmt: str, fill, var_type: str = "metadata") -> dict:
    """The ISTP attributes every L2 variable but Epoch starts with, in the legacy order."""
    return {
        "CATDESC": catdesc,
        "VAR_TYPE": var_type,
        "FIELDNAM": name,
        "FILLVAL": fill,
        "FORMAT": fmt,
    }


def _float_attrs(name: str, catdesc: str, var_type: str, units: str) -> dict:
    attrs = _meta_attrs(name, catdesc, "G10.8E3", [np.float32(FILLVAL), "CDF_FLOAT"], var_type)
    attrs["SI_CONVERSION"] = " > "
    attrs["UNITS"] = units
    attrs["VALIDMIN"] = [np.float32(-_FMAX), "CDF_FLOAT"]
    attrs["VALIDMAX"] = [np.float32(_FMAX), "CDF_FLOAT"]
    return attrs


def epoch_attrs(l1c_epoch_attrs: dict) -> dict:
    """The L2's one Epoch record is the L1C's first: it keeps the L1C Epoch's attributes,
    all but RESOLUTION (one record has no cadence)."""
    return {k: v for k, v in l1c_epoch_attrs.items() if k != "RESOLUTION"}


def _map_attrs(statistic: str) -> dict:
    name = f"{statistic}_map"
    attrs = _float_attrs(
        name, f"{statistic} dose rate", "data", "ct" if statistic == "count" else "rad / s"
    )
    attrs.update(
        {
            "DEPEND_0": "Epoch",
            "DEPEND_1": "dosimeter_flavor_ids",
            "DEPEND_2": "lat",
            "DEPEND_3": "lon",
            "LABL_PTR_1": "dosimeter_flavor_labels",
            "LABL_PTR_2": "lat_label",
            "LABL_PTR_3": "lon_label",
            "DISPLAY_TYPE": "time_series",
        }
    )
    return attrs


def _char_var(writer: CDFWriter, name: str, catdesc: str, texts: list[str], fmt: str) -> None:
    width = max(len(t) for t in texts)
    writer.write_var(
        _spec(name, CDF_CHAR, [len(texts)], rec_vary=False, elements=width),
        var_attrs=_meta_attrs(name, catdesc, fmt, " "),
        var_data=np.array(texts, dtype=f"<U{width}"),
    )


def _axis_var(writer: CDFWriter, name: str, catdesc: str, centres: np.ndarray, axis: str) -> None:
    attrs = _float_attrs(name, catdesc, "support_data", "deg")
    attrs["LABLAXIS"] = f"{axis} Bins (degrees)"
    writer.write_var(
        _spec(name, CDF_FLOAT, [len(centres)], rec_vary=False), var_attrs=attrs, var_data=centres
    )


def _write(path: Path, gattrs: dict, epoch: tuple[int, dict], maps: dict[str, np.ndarray]) -> None:
    n_f = len(FLAVORS)
    writer = CDFWriter(str(path), cdf_spec={"Majority": "row_major", "Encoding": 6}, delete=True)
    try:
        writer.write_globalattrs({k: {0: v} for k, v in gattrs.items()})
        writer.write_var(
            _spec("Epoch", CDF_TIME_TT2000, [], rec_vary=True),
            var_attrs=epoch[1],
            var_data=np.array([epoch[0]], dtype=np.int64),
        )
        _char_var(
            writer,
            "dosimeter_flavor_names",
            "Human-Readable Names for dosimeter flavors dimension",
            list(FLAVORS),
            f"A{n_f}",
        )
        ids_attrs = _meta_attrs(
            "dosimeter_flavor_ids",
            "ID for dosimeter flavors dimension",
            "I20",
            [np.int64(-9223372036854775808), "CDF_INT8"],
        )
        writer.write_var(
            _spec("dosimeter_flavor_ids", CDF_INT8, [n_f], rec_vary=False),
            var_attrs=ids_attrs,
            var_data=np.arange(n_f, dtype=np.int64),
        )
        _char_var(
            writer,
            "dosimeter_flavor_labels",
            "Label for dosimeter flavors dimension",
            list(FLAVOR_LABELS),
            f"A{n_f}",
        )
        _char_var(
            writer,
            "statistics",
            "Supported statistics for geospatial maps",
            list(STATISTICS),
            f"A{len(STATISTICS)}",
        )
        _axis_var(writer, "lon", "Longitude", LON_CENTRES, "Longitude")
        _axis_var(writer, "lat", "Latitude", LAT_CENTRES, "Latitude")
        lon_labels = [f"{x:.2f} deg" for x in LON_CENTRES]
        lat_labels = [f"{x:.2f} deg" for x in LAT_CENTRES]
        _char_var(writer, "lon_label", "Longitude bin labels", lon_labels, f"A{len(lon_labels)}")
        _char_var(writer, "lat_label", "Latitude bin labels", lat_labels, f"A{len(lat_labels)}")
        for statistic in STATISTICS:
            writer.write_var(
                _spec(
                    f"{statistic}_map",
                    CDF_FLOAT,
                    [n_f, *LAT_CENTRES.shape, *LON_CENTRES.shape],
                    rec_vary=True,
                ),
                var_attrs=_map_attrs(statistic),
                var_data=stored_map(statistic, maps[statistic])[None],
            )
    finally:
        writer.close()
