"""The map underneath every quicklook: coastlines, radiation-region outlines, a grid.

Everything comes from package data (nothing is downloaded): the Natural Earth 1:110m
coastline (public domain) and the region outlines of the instrument package.

Each layer is one compound path, drawn by one collection at one or several offsets: a
single map is a panel at (0, 0); the overview draws its six panels in one axes, each
panel's layers at its own offset, which is much cheaper than six matplotlib axes.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D

from .shapefile import parse_polylines

COASTLINE_FILE = "ne_110m_coastline.shp"
REGIONS_FILE = "region_contour_paths.npz"
COAST_COLOR = "black"
HALO_COLOR = "0.92"
REGION_COLOR = "#e8590c"
GRID_COLOR = "0.45"
# The global frame every panel spans, in degrees.
LON_SPAN, LAT_SPAN = (-180.0, 180.0), (-90.0, 90.0)


def data_file(name: str):
    return files("reach_pipeline.geomap") / "data" / name


@cache
def coastlines() -> tuple[np.ndarray, ...]:
    """The coastline polylines, each an (n, 2) array of (lon, lat)."""
    return tuple(parse_polylines(data_file(COASTLINE_FILE).read_bytes()))


def polylines_path(lines) -> MplPath:
    """Polylines as one compound path (a MOVETO starting each)."""
    codes = [np.full(len(line), MplPath.LINETO, np.uint8) for line in lines]
    for c in codes:
        c[0] = MplPath.MOVETO
    return MplPath(np.concatenate(lines), np.concatenate(codes))


@cache
def coastline_path() -> MplPath:
    return polylines_path(coastlines())


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


@cache
def region_path() -> MplPath:
    """All region outlines as one path, kept inside the frame (a few vertices of the
    outlines lie up to 0.9 deg beyond +-180)."""
    path = MplPath.make_compound_path(*region_paths())
    vertices = path.vertices.copy()
    vertices[:, 0] = np.clip(vertices[:, 0], *LON_SPAN)
    return MplPath(vertices, path.codes)


@cache
def grid_path(lon_step: int, lat_step: int) -> MplPath:
    """Meridians and parallels every ``lon_step`` / ``lat_step`` degrees, inside the frame."""
    lines = [((x, -90.0), (x, 90.0)) for x in range(-180 + lon_step, 180, lon_step)]
    lines += [((-180.0, y), (180.0, y)) for y in range(-90 + lat_step, 90, lat_step)]
    return polylines_path([np.array(line) for line in lines])


@cache
def frame_path() -> MplPath:
    return MplPath.unit_rectangle().transformed(Affine2D().scale(360, 180).translate(-180, -90))


def at_offsets(path: MplPath, offsets) -> MplPath:
    """One compound path: ``path`` repeated at each (dx, dy)."""
    if len(offsets) == 1 and tuple(offsets[0]) == (0.0, 0.0):
        return path
    return MplPath.make_compound_path(
        *(path.transformed(Affine2D().translate(dx, dy)) for dx, dy in offsets)
    )


def degree_label(x: float, axis: str) -> str:
    """``120°W``, ``0°``, ``180°``, ``30°N``."""
    x = round(x)
    if x == 0 or (axis == "lon" and abs(x) == 180):
        return f"{abs(x)}°"
    east, west = ("E", "W") if axis == "lon" else ("N", "S")
    return f"{abs(x)}°{east if x > 0 else west}"


def global_axes(ax: Axes) -> None:
    """One global plate-carree map filling ``ax``; its spines are the frame."""
    ax.set_xlim(*LON_SPAN)
    ax.set_ylim(*LAT_SPAN)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def label_panel(
    ax: Axes,
    offset=(0.0, 0.0),
    *,
    steps: tuple[int, int] = (30, 10),
    lon: bool = True,
    lat: bool = True,
    size: float = 8,
    gap: float = 1.5,
) -> None:
    """Degree labels under a panel and left of it (``gap`` degrees away), as plain text in
    data coordinates: no tick machinery, which costs more to build than a map to draw."""
    dx, dy = offset
    if lon:
        for x in range(-180, 181, steps[0]):
            label = degree_label(x, "lon")
            ax.text(dx + x, dy - 90 - gap, label, ha="center", va="top", fontsize=size)
    if lat:
        for y in range(-90, 91, steps[1]):
            label = degree_label(y, "lat")
            ax.text(dx - 180 - gap, dy + y, label, ha="right", va="center", fontsize=size)


def draw_basemap(
    ax: Axes,
    offsets=((0.0, 0.0),),
    *,
    lon_step: int = 30,
    lat_step: int = 10,
    lw: float = 0.8,
    frame: bool = False,
) -> list[Artist]:
    """Draw the dashed grid, the region outlines and the coastlines (with a thin halo) of
    one panel per offset (the panel at (dx, dy) spans dx-180..dx+180, dy-90..dy+90),
    above any image; return those line artists, bottom first."""
    layers = [
        (
            grid_path(lon_step, lat_step),
            {"edgecolors": GRID_COLOR, "linewidths": 0.6, "linestyles": (0, (4, 3)), "zorder": 2},
        ),
        (region_path(), {"edgecolors": REGION_COLOR, "linewidths": lw * 0.8, "zorder": 3}),
        # Black coastlines with a light halo read on dark cells and on blank ones alike.
        (coastline_path(), {"edgecolors": HALO_COLOR, "linewidths": lw * 1.9, "zorder": 4}),
        (coastline_path(), {"edgecolors": COAST_COLOR, "linewidths": lw, "zorder": 4}),
    ]
    if frame:
        layers.append((frame_path(), {"edgecolors": "black", "linewidths": 0.8, "zorder": 5}))
    artists = []
    for path, style in layers:
        collection = PathCollection(
            [at_offsets(path, offsets)], transform=ax.transData, facecolors="none", **style
        )
        ax.add_collection(collection, autolim=False)
        artists.append(collection)
    return artists
