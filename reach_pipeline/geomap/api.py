"""``make_geomap``: an L1C CDF -> the L2 geomap CDF and its quicklooks, with the facts."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .cdf import write_l2
from .maps import day_maps
from .product import FLAVORS, QUICKLOOK_MODES
from .read import read_l1c
from .times import iso_milliseconds, tt2000_to_utc


@dataclass(frozen=True)
class GeomapFacts:
    """What making one day's geomap found and wrote; JSON-serializable through ``as_dict``.

    Per-flavor fields map U..Z to a value; max/median dose are None for a flavor with no
    points that day. ``image_paths`` lists the overview first.
    """

    l1c_path: str
    l2_path: str
    image_paths: tuple[str, ...]
    thumbnail_b64: str
    points_used: dict[str, int]
    bins_filled: dict[str, int]
    max_dose: dict[str, float | None]
    median_dose: dict[str, float | None]
    l2_seconds: float
    quicklook_seconds: float

    def as_dict(self) -> dict:
        out = asdict(self)
        out["image_paths"] = list(self.image_paths)
        return out


def make_geomap(
    l1c_path: str | Path, output_dir: str | Path | None = None, *, quicklooks: str = "default"
) -> GeomapFacts:
    """Write the L2 CDF and the quicklook PNGs of ``l1c_path`` into ``output_dir``
    (default: the current directory; created if missing).

    ``quicklooks``: "default" (the overview and the six median maps) or "all" (also every
    flavor x statistic, the legacy set). Raises ``GeomapInputError`` (a ``ValueError``)
    naming the file when it is not a usable L1C CDF; nothing is written then.
    """
    if quicklooks not in QUICKLOOK_MODES:
        raise ValueError(f"quicklooks must be one of {QUICKLOOK_MODES}, not {quicklooks!r}")
    started = time.perf_counter()
    directory = Path.cwd() if output_dir is None else Path(output_dir)
    l1c = read_l1c(l1c_path)
    maps = day_maps(l1c)
    day = tt2000_to_utc(l1c.first_tt2000)[0].date()
    directory.mkdir(parents=True, exist_ok=True)
    l2_path = write_l2(maps.maps, l1c, day, directory)
    l2_done = time.perf_counter()
    span = (iso_milliseconds(l1c.first_tt2000), iso_milliseconds(l1c.last_tt2000))
    images, thumbnail = _quicklooks(maps, day, span, directory, quicklooks)
    count = maps.maps["count"]
    return GeomapFacts(
        l1c_path=str(l1c_path),
        l2_path=str(l2_path),
        image_paths=tuple(str(p) for p in images),
        thumbnail_b64=thumbnail,
        points_used=dict(zip(FLAVORS, maps.points_used, strict=True)),
        bins_filled={f: int((count[k] > 0).sum()) for k, f in enumerate(FLAVORS)},
        max_dose=dict(zip(FLAVORS, maps.max_dose, strict=True)),
        median_dose=dict(zip(FLAVORS, maps.median_dose, strict=True)),
        l2_seconds=round(l2_done - started, 3),
        quicklook_seconds=round(time.perf_counter() - l2_done, 3),
    )


def _quicklooks(maps, day, span, directory: Path, mode: str) -> tuple[list[Path], str]:
    """Overview (and its thumbnail), then the per-flavor maps. matplotlib loads only here."""
    from .overview import overview_figure, thumbnail_b64, write_overview
    from .png import PngWriter
    from .product import STATISTICS
    from .quicklook import write_maps

    statistics = STATISTICS if mode == "all" else ("median",)
    with PngWriter() as writer:
        rgba = overview_figure().draw(maps.maps["median"], maps.points_used, day, span)
        overview = write_overview(rgba, day, directory, writer.write)
        thumbnail = thumbnail_b64(rgba)
        images = write_maps(maps.maps, statistics, day, span, directory, writer.write)
    return [overview, *images], thumbnail


def process_file(path: str | Path) -> list[Path]:
    """The instrument package's contract: write into the current directory, return every
    file written (the L2 CDF first, then the PNGs, the overview first)."""
    facts = make_geomap(path)
    return [Path(facts.l2_path), *(Path(p) for p in facts.image_paths)]


# It keeps no state from one day to the next (the prepared figures are redrawn whole for
# each map): the fork worker may run it day after day in one process (runner.forkworker).
process_file.reuses_process = True
