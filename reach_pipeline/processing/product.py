"""What a Level-1C product is: its file name, its variables, its fill value.

Importable without the heavy libraries (pyarrow, pandas, cdflib).
"""

import datetime as dt

DATA_VERSION = "1.0.0"
FILLVAL = -1e31

# (CDF variable, DayGrid field, CATDESC, UNITS) of the per-(time, sensor) variables.
SENSOR_VARS = (
    ("lat", "lat", "Latitude", "deg"),
    ("lon", "lon", "Longitude", "deg"),
    ("alt", "alt", "Altitude", "km"),
    ("obQuality", "quality", "Observation Quality", "unitless"),
    ("sensor_position_x", "pos_x", "GEI Coordinate Position X in KM", "km"),
    ("sensor_position_y", "pos_y", "GEI Coordinate Position Y in KM", "km"),
    ("sensor_position_z", "pos_z", "GEI Coordinate Position Z in KM", "km"),
)
VARIABLE_NAMES = (
    "Epoch",
    "sensor_labels",
    "sensor_ids",
    "dosimeter_flavor_labels",
    "dosimeter_flavor_ids",
    "dosimeter_flavors",
    "dose_rate",
    *(name for name, *_ in SENSOR_VARS),
)


def cdf_file_stem(day: dt.date) -> str:
    """``reach_all_l1c_prelim_YYYYMMDDT000000_v1.0.0``, after the start of the UTC day."""
    return f"reach_all_l1c_prelim_{day:%Y%m%d}T000000_v{DATA_VERSION}"
