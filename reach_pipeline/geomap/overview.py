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

from .basemap import draw_basemap, label_panel
from .blit import Blitter
from .product import FLAVORS, overview_file_name
from .quicklook import SavePixels
from .style import CMAP, NOTE_BOX, cell_colours, flavor_label, norm_for, style_colorbar

OVERVIEW_SIZE_IN = (16.0, 7.8)
OVERVIEW_DPI = 100
THUMBNAIL_MAX_WIDTH = 800
THUMBNAIL_MAX_BYTES = 100_000
# The six panels share one axes (six matplotlib axes cost more than the maps themselves):
# panel k sits at column k % 3, row k // 3, offset by a panel plus a gap, in degrees.
_GAP_DEG = (22.0, 44.0)
_MARGIN_DEG = {"left": 26.0, "right": 4.0, "bottom": 14.0, "top": 22.0}


def panel_offsets() -> list[tuple[float, float]]:
    """The (dx, dy) of each flavor's panel, U..Z, in degrees."""
    step_x, step_y = 360.0 + _GAP_DEG[0], 180.0 + _GAP_DEG[1]
    return [((k % 3) * step_x, -(k // 3) * step_y) for k in range(len(FLAVORS))]


class OverviewFigure:
    """Six median maps (one per flavor, each in its own labelled panel), one colour bar.

    What does not change from day to day (the panels' degree labels, the colour bar) is
    drawn once and kept as a background; a day redraws only its images and texts, with
    the lines laid over from a layer drawn once (``blit``), as the quicklook maps do.
    """

    def __init__(self) -> None:
        self.fig = Figure(figsize=OVERVIEW_SIZE_IN, dpi=OVERVIEW_DPI)
        FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.005, 0.15, 0.99, 0.73))
        offsets = panel_offsets()
        xs, ys = [dx for dx, _ in offsets], [dy for _, dy in offsets]
        ax.set_xlim(min(xs) - 180 - _MARGIN_DEG["left"], max(xs) + 180 + _MARGIN_DEG["right"])
        ax.set_ylim(min(ys) - 90 - _MARGIN_DEG["bottom"], max(ys) + 90 + _MARGIN_DEG["top"])
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.images, self.titles, self.notes = [], [], []
        for dx, dy in offsets:
            self._panel(ax, dx, dy, lon=dy == min(ys), lat=dx == 0)
        lines = draw_basemap(ax, offsets, lon_step=60, lat_step=30, lw=0.6, frame=True)
        self.suptitle = self.fig.suptitle("", fontsize=15, y=0.965)
        self.legend = self.fig.text(0.5, 0.905, "", ha="center", fontsize=10, color="0.25")
        cax = self.fig.add_axes((0.25, 0.075, 0.5, 0.03))
        norm = norm_for("median", np.zeros(1))  # the same log scale every day
        bar = self.fig.colorbar(
            ScalarMappable(norm, CMAP), cax=cax, orientation="horizontal", extend="both"
        )
        style_colorbar(bar, "median")
        self.norm = norm
        texts = [*self.titles, *self.notes, self.suptitle, self.legend]
        self.blit = Blitter(self.fig, self.images, lines, texts)

    def _panel(self, ax, dx: float, dy: float, *, lon: bool, lat: bool) -> None:
        """A flavor's panel at (dx, dy): its image, title and note (set each day) and its
        degree labels (drawn once)."""
        extent = (dx - 180, dx + 180, dy - 90, dy + 90)
        blank = np.zeros((2, 2, 4), np.uint8)
        image = ax.imshow(blank, extent=extent, origin="lower", interpolation="nearest", zorder=1)
        self.images.append(image)
        self.titles.append(ax.text(dx, dy + 94, "", ha="center", va="bottom", fontsize=10))
        label_panel(ax, (dx, dy), steps=(60, 30), lon=lon, lat=lat, size=7, gap=3.5)
        note = ax.text(0, 0, "", ha="center", va="center", fontsize=12, zorder=6, bbox=NOTE_BOX)
        note.set_position((dx, dy))
        self.notes.append(note)

    def draw(
        self, medians: np.ndarray, points: tuple[int, ...], day: dt.date, span: tuple[str, str]
    ) -> np.ndarray:
        """The day's overview: its pixels (RGBA; the figure's buffer, valid until the next
        call)."""
        for k, image in enumerate(self.images):
            image.set_data(cell_colours("median", medians[k], self.norm))
            self.titles[k].set_text(f"{flavor_label(k)}   ({points[k]:,} points)")
            self.notes[k].set_text(f"no flavor {FLAVORS[k]} data this day")
            self.notes[k].set_visible(points[k] == 0)
        self.suptitle.set_text(
            f"REACH dosimeters, {day:%Y-%m-%d}: median dose rate per 5° × 5° cell"
        )
        self.legend.set_text(
            f"{span[0]} – {span[1]} UTC    ·    black: coastlines    ·    "
            "orange: radiation-region outlines    ·    blank: no data"
        )
        return self.blit.frame()


_FIGURE: list[OverviewFigure] = []  # the process's one overview figure


def overview_figure() -> OverviewFigure:
    """The process's overview figure, built on first use."""
    if not _FIGURE:
        _FIGURE.append(OverviewFigure())
    return _FIGURE[0]


def prepare() -> None:
    """Build the overview figure and draw its background now (a fork worker calls this
    before it forks, so every day's child starts with it)."""
    blank = np.full((len(FLAVORS), 2, 2), np.nan)
    overview_figure().draw(blank, (0,) * len(FLAVORS), dt.date(2000, 1, 1), ("", ""))


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
