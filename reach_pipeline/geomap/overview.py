"""The day overview (the six flavors' median maps in one figure) and its thumbnail."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from PIL import Image

from .basemap import draw_basemap, label_axes
from .product import FLAVORS, overview_file_name
from .quicklook import SavePixels
from .style import CMAP, NOTE_BOX, cell_colours, flavor_label, norm_for, style_colorbar

OVERVIEW_SIZE_IN = (16.0, 7.8)
OVERVIEW_DPI = 100
THUMBNAIL_MAX_WIDTH = 800
THUMBNAIL_MAX_BYTES = 100_000
_PANELS = {"left": 0.04, "right": 0.99, "top": 0.86, "bottom": 0.17, "wspace": 0.08, "hspace": 0.22}


def overview_figure(
    medians: np.ndarray, points: tuple[int, ...], day: dt.date, span: tuple[str, str]
) -> Figure:
    """Six median maps (one per flavor, each in its own labelled panel), one colour bar."""
    fig = Figure(figsize=OVERVIEW_SIZE_IN, dpi=OVERVIEW_DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3, gridspec_kw=_PANELS)
    norm = norm_for("median", medians)
    for k, ax in enumerate(axes.ravel()):
        draw_basemap(ax, lon_step=60, lat_step=30, labels=False, lw=0.6)
        label_axes(ax, 60, 30, lon=k >= 3, lat=k % 3 == 0, size=7)
        ax.imshow(
            cell_colours("median", medians[k], norm),
            extent=(-180, 180, -90, 90),
            origin="lower",
            interpolation="nearest",
            zorder=1,
        )
        ax.set_title(f"{flavor_label(k)}   ({points[k]:,} points)", fontsize=10, pad=4)
        if points[k] == 0:
            message = f"no flavor {FLAVORS[k]} data this day"
            ax.text(0, 0, message, ha="center", va="center", fontsize=12, zorder=5, bbox=NOTE_BOX)
    title = f"REACH dosimeters, {day:%Y-%m-%d}: median dose rate per 5° × 5° cell"
    fig.suptitle(title, fontsize=15, y=0.965)
    legend = (
        f"{span[0]} – {span[1]} UTC    ·    black: coastlines    ·    "
        "orange: radiation-region outlines    ·    blank: no data"
    )
    fig.text(0.5, 0.905, legend, ha="center", fontsize=10, color="0.25")
    cax = fig.add_axes((0.25, 0.075, 0.5, 0.03))
    bar = fig.colorbar(ScalarMappable(norm, CMAP), cax=cax, orientation="horizontal", extend="both")
    style_colorbar(bar, "median")
    return fig


def draw_rgba(fig: Figure) -> np.ndarray:
    """The figure's pixels (RGBA), drawn once."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())


def write_overview(rgba: np.ndarray, day: dt.date, directory: Path, save: SavePixels) -> Path:
    return save(rgba, Path(directory) / overview_file_name(day))


def thumbnail_png(rgba: np.ndarray) -> bytes:
    """A small PNG of the drawn overview (palette colours), at most THUMBNAIL_MAX_BYTES."""
    full = Image.fromarray(rgba).convert("RGB")
    factor = max(1, -(-full.width // THUMBNAIL_MAX_WIDTH))
    while True:
        thumb = full.reduce(factor).quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        buf = io.BytesIO()
        thumb.save(buf, format="PNG")
        if buf.tell() <= THUMBNAIL_MAX_BYTES or thumb.width < 100:
            return buf.getvalue()
        factor += 1


def thumbnail_b64(rgba: np.ndarray) -> str:
    return base64.b64encode(thumbnail_png(rgba)).decode("ascii")
