"""The quicklooks render: real PNGs of the right size, with the maps' colours where data is."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import colormaps
from PIL import Image

from reach_pipeline.geomap import make_geomap, overview, quicklook
from reach_pipeline.geomap.basemap import coastlines, region_paths
from reach_pipeline.geomap.overview import THUMBNAIL_MAX_BYTES, thumbnail_png
from reach_pipeline.geomap.png import encode_png
from reach_pipeline.geomap.product import FLAVOR_LABELS, FLAVORS
from reach_pipeline.geomap.shapefile import parse_polylines
from reach_pipeline.geomap.style import plain_label
from reach_pipeline_tests.support.data import CDF_0901, CDF_0904

VIRIDIS = {tuple(c) for c in colormaps["viridis"](np.linspace(0, 1, 256), bytes=True)[:, :3]}


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def map_colour_pixels(rgb: np.ndarray) -> int:
    """Pixels of the map area (above the colour bar) painted in a viridis colour."""
    h = rgb.shape[0]
    area = rgb[int(0.1 * h) : int(0.8 * h)].reshape(-1, 3)
    colours, counts = np.unique(area, axis=0, return_counts=True)
    return int(sum(n for c, n in zip(map(tuple, colours), counts, strict=True) if c in VIRIDIS))


def image_of(facts, suffix: str) -> Path:
    return next(Path(p) for p in facts.image_paths if p.endswith(suffix))


@pytest.mark.parametrize("made", ["made_0904", "made_0901"])
def test_overview_renders(request, made):
    facts, _ = request.getfixturevalue(made)
    rgb = pixels(facts.image_paths[0])
    assert rgb.shape == (780, 1600, 3)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 200  # not blank: maps, text, lines
    assert (rgb == 255).all(axis=2).mean() > 0.2  # white page around the panels


@pytest.mark.parametrize("flavor", FLAVORS)
def test_median_maps_render(made_0904, flavor):
    facts, _ = made_0904
    rgb = pixels(image_of(facts, f"_geomap_{flavor}_median.png"))
    assert rgb.shape == (770, 1210, 3)
    assert map_colour_pixels(rgb) > 500  # the day's cells are drawn


@pytest.mark.parametrize(("flavor", "has_data"), [("U", False), ("V", False), ("X", True)])
def test_an_absent_flavor_gets_a_map_without_cells(made_0901, flavor, has_data):
    facts, _ = made_0901
    rgb = pixels(image_of(facts, f"_geomap_{flavor}_median.png"))
    assert (map_colour_pixels(rgb) > 500) is has_data


def test_thumbnail_of_the_overview(made_0904):
    facts, _ = made_0904
    png = base64.b64decode(facts.thumbnail_b64)
    with Image.open(io.BytesIO(png)) as thumb:
        assert thumb.format == "PNG" and thumb.width == 800 and thumb.height == 390
    assert len(png) <= THUMBNAIL_MAX_BYTES


def test_thumbnail_shrinks_until_small_enough():
    """Noise does not compress: the thumbnail gets smaller until it fits."""
    noise = np.random.default_rng(0).integers(0, 256, (780, 1600, 4), dtype=np.uint8)
    png = thumbnail_png(noise)
    assert len(png) <= THUMBNAIL_MAX_BYTES
    with Image.open(io.BytesIO(png)) as thumb:
        assert thumb.width < 800


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 3), (37, 50, 4), (770, 1210, 4), (10, 1, 3)])
def test_png_encoder_round_trips(shape):
    rgb = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    with Image.open(io.BytesIO(encode_png(rgb))) as image:
        image.load()
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), rgb[..., :3])


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3))]
)
def test_png_encoder_refuses_other_arrays(bad):
    with pytest.raises(ValueError, match="expected"):
        encode_png(bad)


def test_shipped_coastline_and_regions():
    lines = coastlines()
    points = np.vstack(lines)
    assert len(lines) == 134 and len(points) == 5128
    assert points[:, 0].min() >= -180 - 1e-6 and points[:, 0].max() <= 180 + 1e-6
    assert points[:, 1].min() >= -90 and points[:, 1].max() <= 90
    assert len(region_paths()) == 8
    assert sum(len(p.vertices) for p in region_paths()) == 20125


def test_shapefile_reader_refuses_other_bytes():
    with pytest.raises(ValueError, match="not a shapefile"):
        parse_polylines(b"GIF89a" + bytes(200))


@pytest.mark.parametrize("label", FLAVOR_LABELS)
def test_flavor_labels_drawn_without_tex(label):
    text = plain_label(label)
    assert "$" not in text and "\\" not in text and text[0] == label[0] and "≥" in text


def test_a_days_quicklooks_do_not_depend_on_the_days_drawn_before(tmp_path):
    """The figures outlive a day (a fork worker builds them once): a day drawn after
    another one, by figures prepared ahead, gives the same PNGs, byte for byte, as in a
    fresh process that builds its figures for that day alone."""
    script = "import sys; from reach_pipeline.geomap import make_geomap; make_geomap(*sys.argv[1:])"
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-c", script, str(CDF_0904), str(fresh)], check=True)
    overview.prepare()
    quicklook.prepare()
    make_geomap(CDF_0901, tmp_path / "before", quicklooks="all")  # every statistic drawn
    after = make_geomap(CDF_0904, tmp_path / "after")

    names = sorted(Path(p).name for p in after.image_paths)
    assert names == sorted(p.name for p in fresh.glob("*.png")) and len(names) == 7
    for name in names:
        assert (tmp_path / "after" / name).read_bytes() == (fresh / name).read_bytes(), name


def _frame(cells: np.ndarray, origin: str, *, painted: bool) -> tuple[np.ndarray, bool]:
    """A map frame of ``cells`` at a size that does not divide evenly into cells, painted
    by numpy (``blit.CellPainter``) or drawn by matplotlib; and whether a painter of that
    image takes the cells."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from reach_pipeline.geomap.basemap import global_axes
    from reach_pipeline.geomap.blit import Blitter, CellPainter

    fig = Figure(figsize=(7.3, 4.1), dpi=97)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.07, 0.11, 0.85, 0.8))
    global_axes(ax)
    image = ax.imshow(cells, extent=(-180, 180, -90, 90), origin=origin, interpolation="nearest")
    blitter = Blitter(fig, [image], [], [])
    if not painted:
        blitter._painter = lambda artist, height: None  # matplotlib draws every image
    frame = blitter.frame().copy()
    takes = CellPainter(image, frame.shape[0]).paint(cells, frame.copy())
    return frame, takes


@pytest.mark.parametrize(
    ("statistic", "origin", "alpha"),
    [("median", "lower", 255), ("count", "upper", 255), ("median", "upper", 128)],
    ids=["median-lower", "count-upper", "half-transparent"],
)
def test_cells_painted_with_numpy_equal_matplotlibs_drawing(statistic, origin, alpha):
    """The map images are painted into the frame with numpy; the frame is the same, pixel
    for pixel, as when matplotlib draws them. Partly transparent cells are left to
    matplotlib (the painter declines them)."""
    from reach_pipeline.geomap.style import cell_colours, norm_for

    values = np.random.default_rng(7).lognormal(-12, 2, (36, 72))
    values[np.random.default_rng(8).random((36, 72)) < 0.3] = np.nan  # blank cells
    cells = cell_colours(statistic, values, norm_for(statistic, values))
    cells[..., 3][cells[..., 3] > 0] = alpha
    (painted, takes), (drawn, _) = (_frame(cells, origin, painted=p) for p in (True, False))
    assert np.count_nonzero(np.any(painted != drawn, axis=2)) == 0
    assert len(np.unique(painted.reshape(-1, 4), axis=0)) > 50  # the cells are there
    assert takes is (alpha == 255)
