"""The map underneath every quicklook: coastlines, radiation-region outlines, a grid.

Everything comes from package data (nothing is downloaded): the Natural Earth 1:110m
coastline (public domain) and the region outlines of the instrument package.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path as MplPath

from .shapefile import parse_polylines

COASTLINE_FILE = "ne_110m_coastline.shp"
REGIONS_FILE = "region_contour_paths.npz"
COAST_COLOR = "black"
HALO_COLOR = "0.92"
REGION_COLOR = "#e8590c"


def data_file(name: str):
    return files("reach_pipeline.geomap") / "data" / name


@cache
def coastlines() -> tuple[np.ndarray, ...]:
    return tuple(parse_polylines(data_file(COASTLINE_FILE).read_bytes()))


@cache
def region_paths() -> tuple[MplPath, ...]:
    """The region outlines, one matplotlib path per contour level."""
    with data_file(REGIONS_FILE).open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        vertices, codes = z["vertices"], z["codes"]
        counts = z["path_vertex_counts"]
    bounds = np.concatenate(([0], np.cumsum(counts)))
    return tuple(
        MplPath(vertices[a:b], codes[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    )


def degree_label(x: float, axis: str) -> str:
    """``120°W``, ``0°``, ``180°``, ``30°N``."""
    x = round(x)
    if x == 0 or (axis == "lon" and abs(x) == 180):
        return f"{abs(x)}°"
    east, west = ("E", "W") if axis == "lon" else ("N", "S")
    return f"{abs(x)}°{east if x > 0 else west}"


def label_axes(ax: Axes, lon_step: int, lat_step: int, *, lon: bool, lat: bool, size: float):
    """Degree labels under the frame and left of it, as plain text (no tick machinery:
    matplotlib's ticks cost more to build than the whole map does to draw)."""
    ax.set_xticks([])
    ax.set_yticks([])
    places = []  # (x, y, text, transform, ha, va)
    if lon:
        below = ax.get_xaxis_transform()
        places += [
            (x, -0.015, degree_label(x, "lon"), below, "center", "top")
            for x in range(-180, 181, lon_step)
        ]
    if lat:
        left = ax.get_yaxis_transform()
        places += [
            (-0.008, y, degree_label(y, "lat"), left, "right", "center")
            for y in range(-90, 91, lat_step)
        ]
    for x, y, text, transform, ha, va in places:
        ax.text(x, y, text, transform=transform, ha=ha, va=va, fontsize=size)


def grid_lines(lon_step: int, lat_step: int) -> list[np.ndarray]:
    """Meridians and parallels every ``lon_step`` / ``lat_step`` degrees, inside the frame."""
    lines = [np.array([[x, -90.0], [x, 90.0]]) for x in range(-180 + lon_step, 180, lon_step)]
    lines += [np.array([[-180.0, y], [180.0, y]]) for y in range(-90 + lat_step, 90, lat_step)]
    return lines


def draw_basemap(
    ax: Axes,
    *,
    lon_step: int = 30,
    lat_step: int = 10,
    labels: bool = True,
    label_size: float = 8,
    lw: float = 0.8,
) -> list[Artist]:
    """Draw the global plate-carree frame, a dashed grid, the region outlines and the
    coastlines on ``ax`` (above any image); return those line artists, bottom first."""
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_aspect("equal")
    label_axes(ax, lon_step, lat_step, lon=labels, lat=labels, size=label_size)
    grid = LineCollection(
        grid_lines(lon_step, lat_step),
        colors="0.45",
        linestyles=(0, (4, 3)),
        linewidths=0.6,
        zorder=2,
    )
    regions = PathCollection(
        region_paths(),
        facecolors="none",
        edgecolors=REGION_COLOR,
        linewidths=lw * 0.8,
        zorder=3,
    )
    # Black coastlines with a thin white halo read on dark cells and on blank ones alike.
    halo = LineCollection(coastlines(), colors=HALO_COLOR, linewidths=lw * 1.9, zorder=4)
    coast = LineCollection(coastlines(), colors=COAST_COLOR, linewidths=lw, zorder=4)
    lines = [grid, regions, halo, coast]
    for artist in lines:
        ax.add_collection(artist, autolim=False)
    return lines
