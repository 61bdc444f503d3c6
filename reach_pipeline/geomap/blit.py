"""Drawing a figure again and again with little changing: what is the same every time (the
frame, labels, colour bar) is drawn once and kept as a background; the lines over the
maps (coastlines, regions, grid) are drawn once on a transparent layer and laid over each
frame with numpy; only the images and texts that change are drawn each time."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class Blitter:
    """Frames of ``fig`` (on a ``FigureCanvasAgg``): the background, then ``below`` (the
    images), the lines, then ``above`` (the texts)."""

    def __init__(
        self, fig: Figure, below: list[Artist], lines: list[Artist], above: list[Artist]
    ) -> None:
        self.fig = fig
        self.canvas: FigureCanvasAgg = fig.canvas  # the caller gives the figure an Agg canvas
        self.below, self.lines, self.above = below, lines, above
        for artist in [*below, *lines, *above]:
            artist.set_animated(True)  # left out of the background
        self._background = None
        self._layer: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def reset(self) -> None:
        """The background changed (e.g. the colour bar): draw it again at the next frame."""
        self._background = None

    def frame(self) -> np.ndarray:
        """Draw a frame; its pixels (RGBA, the canvas's buffer: valid until the next frame)."""
        if self._background is None:
            self._draw_background()
        else:
            self.canvas.restore_region(self._background)
        for artist in self.below:
            self.fig.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())
        self._lay_lines(pixels)
        for artist in self.above:
            self.fig.draw_artist(artist)
        return pixels

    def _draw_background(self) -> None:
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        if self._layer is None:  # the lines alone, on a transparent canvas
            renderer = self.canvas.get_renderer()
            renderer.clear()
            for artist in self.lines:
                self.fig.draw_artist(artist)
            layer = np.asarray(self.canvas.buffer_rgba())
            where = np.nonzero(layer[..., 3])
            alpha = layer[where][:, 3:4].astype(np.uint32)
            self._layer = (where, layer[where][:, :3].astype(np.uint32) * alpha, 255 - alpha)
            self.canvas.restore_region(self._background)

    def _lay_lines(self, pixels: np.ndarray) -> None:
        """The lines over the frame ("over", straight alpha, rounded), where they are."""
        where, premultiplied, rest = self._layer
        under = pixels[where][:, :3].astype(np.uint32)
        pixels[(*where, slice(0, 3))] = (premultiplied + under * rest + 127) // 255
