"""The per-flavor quicklook maps, drawn like the legacy ones.

One figure serves every map of a kind: its frame, degree labels and colour bar are drawn once and
kept as a background; each map then only redraws the image and the title, with the lines
laid over it from a layer drawn once (``blit``), which is what makes a map cost
milliseconds instead of hundreds.
The figures live as long as the process (``map_figure``): a fork worker builds them and
draws the dose maps' background before it forks its first L2 child (``prepare``), so each
later day's child starts with them ready instead of building them again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from .basemap import draw_basemap, global_axes, label_panel
from .blit import Blitter
from .product import FLAVORS, quicklook_file_name
from .style import (
    CMAP,
    NOTE_BOX,
    cell_colours,
    flavor_label,
    is_count,
    norm_for,
    style_colorbar,
)

# Writes an RGBA pixel array as a PNG at a path (and returns the path).
SavePixels = Callable[[np.ndarray, Path], Path]
MAP_SIZE_IN = (11.0, 7.0)
MAP_DPI = 110


class MapFigure:
    """One global map with its colour bar; ``render`` swaps in a map and writes a PNG."""

    def __init__(self, extend: str = "both") -> None:
        self.fig = Figure(figsize=MAP_SIZE_IN, dpi=MAP_DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        ax = self.fig.add_axes((0.06, 0.2, 0.9, 0.7))
        global_axes(ax)
        label_panel(ax)
        lines = draw_basemap(ax)
        self.image = ax.imshow(
            np.zeros((2, 2, 4), np.uint8),
            extent=(-180, 180, -90, 90),
            origin="lower",
            interpolation="nearest",
            zorder=1,
        )
        self.scale = ScalarMappable(cmap=CMAP)
        cax = self.fig.add_axes((0.12, 0.08, 0.78, 0.035))
        self.colorbar = self.fig.colorbar(
            self.scale, cax=cax, orientation="horizontal", extend=extend
        )
        self.title = self.fig.text(0.5, 0.935, "", ha="center", va="center", fontsize=11)
        self.note = ax.text(
            0, 0, "", ha="center", va="center", fontsize=14, zorder=5, bbox=NOTE_BOX
        )
        self.blit = Blitter(self.fig, [self.image], lines, [self.note, self.title])
        self._statistic = None

    def render(
        self,
        statistic: str,
        values: np.ndarray,
        title: str,
        path: Path,
        save: SavePixels,
        *,
        empty: bool,
    ) -> Path:
        """Draw one map (``empty``: the flavor had no points that day) and save it."""
        norm = norm_for(statistic, values)
        self.image.set_data(cell_colours(statistic, values, norm))
        self._scale(statistic, norm)
        self.title.set_text(title)
        self.note.set_text("no data for this flavor on this day")
        self.note.set_visible(empty)
        return save(self.blit.frame(), path)

    def prime(self, statistic: str) -> None:
        """Draw the background of a statistic whose colour bar does not depend on the day
        (every one but the count) ahead of the first map."""
        self._scale(statistic, norm_for(statistic, np.zeros(1)))
        self.blit.frame()

    def _scale(self, statistic: str, norm) -> None:
        if is_count(statistic) or statistic != self._statistic:
            # The colour bar changes: redraw the background.
            self.scale.set_norm(norm)
            self.colorbar.update_normal(self.scale)
            style_colorbar(self.colorbar, statistic)
            self.blit.reset()
            self._statistic = statistic


# The process's map figures, for count maps (True) and dose maps (False).
_FIGURES: dict[bool, MapFigure] = {}


def map_figure(count: bool) -> MapFigure:
    """The process's figure for count maps or for dose maps, built on first use."""
    if count not in _FIGURES:
        _FIGURES[count] = MapFigure(extend="neither" if count else "both")
    return _FIGURES[count]


def prepare() -> None:
    """Build the dose maps' figure and draw the median's background now (a fork worker
    calls this before it forks: the default quicklooks then start drawn)."""
    map_figure(False).prime("median")


def map_title(time_start: str, time_end: str, flavor_index: int, statistic: str) -> str:
    """The legacy title: ``{Time_start} - {Time_end} - {flavor label} {statistic} map``."""
    return f"{time_start} - {time_end} - {flavor_label(flavor_index)} {statistic} map"


def write_maps(
    maps: dict[str, np.ndarray],
    statistics: tuple[str, ...],
    day: dt.date,
    span: tuple[str, str],
    directory: Path,
    save: SavePixels,
) -> list[Path]:
    """One PNG per flavor x statistic, named like the legacy quicklooks."""
    paths = []
    for statistic in statistics:  # statistic-major: a figure's colour bar changes least
        for k, flavor in enumerate(FLAVORS):
            title = map_title(*span, k, statistic)
            path = Path(directory) / quicklook_file_name(day, flavor, statistic)
            empty = not maps["count"][k].any()
            figure = map_figure(is_count(statistic))
            paths.append(
                figure.render(statistic, maps[statistic][k], title, path, save, empty=empty)
            )
    return paths
