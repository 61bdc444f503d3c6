"""Drawing a figure again and again with little changing: what is the same every time (the
frame, labels, colour bar) is drawn once and kept as a background; the lines over the
maps (coastlines, regions, grid) are drawn once on a transparent layer and laid over each
frame with numpy; only the images and texts that change are drawn each time."""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage


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
        self._cells: dict[int, CellPainter] = {}

    def reset(self) -> None:
        """The background changed (e.g. the colour bar): draw it again at the next frame."""
        self._background = None

    def frame(self) -> np.ndarray:
        """Draw a frame; its pixels (RGBA, the canvas's buffer: valid until the next frame)."""
        if self._background is None:
            self._draw_background()
        else:
            self.canvas.restore_region(self._background)
        pixels = np.asarray(self.canvas.buffer_rgba())
        for artist in self.below:
            painter = self._painter(artist, pixels.shape[0])
            if painter is None or not painter.paint(artist.get_array(), pixels):
                self.fig.draw_artist(artist)
        self._lay_lines(pixels)
        for artist in self.above:
            self.fig.draw_artist(artist)
        return pixels

    def _painter(self, artist: Artist, height: int) -> CellPainter | None:
        """How ``artist`` is painted with numpy (None: matplotlib draws it); the screen
        places are fixed once the background is drawn."""
        if not isinstance(artist, AxesImage) or artist.get_interpolation() != "nearest":
            return None
        if not artist.get_visible() or artist.get_alpha() is not None:
            return None
        if id(artist) not in self._cells:
            self._cells[id(artist)] = CellPainter(artist, height)
        return self._cells[id(artist)]

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


class CellPainter:
    """An image of map cells (``imshow``, nearest, no rotation) painted at its place on
    screen: each pixel whose centre lies in the image (and in its axes) takes the colour
    of the cell under that centre; blank cells (alpha 0) leave the pixel as it was.
    Images with partly transparent cells are left to matplotlib (``paint`` says False)."""

    def __init__(self, image: AxesImage, height: int) -> None:
        x0, y0, x1, y1 = image.get_window_extent().extents
        ax0, ay0, ax1, ay1 = image.axes.bbox.extents
        self.box = (x0, y0, x1, y1)
        self.clip = (max(x0, ax0), max(y0, ay0), min(x1, ax1), min(y1, ay1))
        self.origin_lower = image.origin == "lower"
        self.height = height
        self._index: tuple | None = None  # (cell shape, rows, columns, cell rows, cell columns)

    def _places(self, shape: tuple[int, int]) -> tuple[slice, slice, np.ndarray, np.ndarray]:
        """The screen rows and columns covered, and the cell row and column of each."""
        if self._index is None or self._index[0] != shape:
            rows, cols = shape
            x0, y0, x1, y1 = self.box
            cx0, cy0, cx1, cy1 = self.clip
            xs = np.arange(int(np.ceil(cx0 - 0.5)), int(np.ceil(cx1 - 0.5)))
            col = np.minimum(((xs + 0.5 - x0) / (x1 - x0) * cols).astype(np.intp), cols - 1)
            # Buffer row i (from the top) has its centre at height - i - 0.5 (from the bottom).
            top = int(np.ceil(self.height - cy1 - 0.5))
            ys = np.arange(top, int(np.ceil(self.height - cy0 - 0.5)))
            up = (self.height - ys - 0.5 - y0) / (y1 - y0) * rows
            row = np.minimum(up.astype(np.intp), rows - 1)
            if not self.origin_lower:
                row = rows - 1 - row
            self._index = (shape, slice(top, top + len(ys)), slice(xs[0], xs[-1] + 1), row, col)
        return self._index[1:]

    def paint(self, cells, pixels: np.ndarray) -> bool:
        """Paint ``cells`` ((rows, cols, 4) uint8 RGBA) into ``pixels`` (the canvas's RGBA
        buffer); False (nothing done) if a cell is partly transparent or not RGBA bytes."""
        cells = np.asarray(cells)
        if cells.ndim != 3 or cells.shape[2] != 4 or cells.dtype != np.uint8:
            return False
        alpha = cells[..., 3]
        if np.any((alpha != 0) & (alpha != 255)):
            return False
        ys, xs, row, col = self._places(cells.shape[:2])
        drawn = np.ascontiguousarray(cells).view(np.uint32)[..., 0][row[:, None], col[None, :]]
        under = pixels[ys, xs].view(np.uint32)[..., 0]
        np.copyto(under, drawn, where=alpha[row[:, None], col[None, :]] != 0)
        return True
