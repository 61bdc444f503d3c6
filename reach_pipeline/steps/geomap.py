"""The L2 stage of one day: the geomap CDF and its quicklooks, from the day's L1C.

The legacy telemetry has no L2 columns: this stage writes no telemetry row; its state
lives in Dagster (materializations, checks) and on disk (``l2/prelim/YYYY/MM/DD/``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reach_pipeline.change.report import Verdict
from reach_pipeline.contract.layout import day_dir
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.contract.telemetry_view import TelemetryView
from reach_pipeline.machine import fault_in, places
from reach_pipeline.runner.isolation import Arrangement, run_isolated
from reach_pipeline.runner.processor import ProcessingFailed
from reach_pipeline.settings import Settings

from .outcome import DayOutcome, GeomapFacts, failed, materialized
from .provenance import Provenance, l2_provenance, stamped_change

GEOMAP_PROCESSOR = "reach_pipeline.geomap:process_file"
# The error type of a day whose geomap fails validation (the ``geomap_is_valid`` check).
GEOMAP_REFUSED = "GeomapCheckFailed"
# What the geomap processor reports per flavor (none when it reports nothing).
_PER_FLAVOR = ("thumbnail_b64", "points_used", "bins_filled", "max_dose", "median_dose")


class NoL1c(RuntimeError):
    error_type = "NoL1cProduct"


def day_l1c(settings: Settings, day: date, telemetry: TelemetryView) -> Path | None:
    """The day's L1C CDF, found through its telemetry row (or the layout)."""
    return locate_cdf(
        day,
        telemetry.latest(day),
        output_dir=settings.output_dir,
        telemetry_path=settings.telemetry_path,
    )


def day_l2(settings: Settings, day: date) -> Path:
    """Where the day's L2 geomap CDF is placed (its quicklooks beside it)."""
    from reach_pipeline.geomap.product import l2_file_name

    return settings.output_dir / day_dir("l2", day) / l2_file_name(day)


def l2_arrangement(
    day: date, l1c: Path, provenance: Provenance | None = None, previous: Path | None = None
):
    """Accept the day's L2 CDF (sound, and counting every point of its L1C) and its PNGs,
    once its ``provenance`` attributes are written into it; keep the day's folder as it is
    instead when its L2 CDF (``previous``) holds the same data and attributes and its
    images have the same names (``change``: NO_CHANGE)."""

    def arrange(paths: list[Path], facts: dict | None) -> Arrangement:
        from reach_pipeline.geomap.product import l2_file_name
        from reach_pipeline.geomap.verify import geomap_problems

        name = l2_file_name(day)
        cdfs = [p for p in paths if p.suffix == ".cdf"]
        if [p.name for p in cdfs] != [name]:
            raise ProcessingFailed(
                "ProcessorOutputError",
                f"geomap of {l1c} wrote {[p.name for p in cdfs]}; expected exactly {name}",
            )
        change = stamped_change(
            cdfs[0],
            provenance,
            lambda cdf: geomap_problems(cdf, l1c),
            (GEOMAP_REFUSED, f"the geomap of {l1c} is not sound, not placed"),
            previous,
        )
        # The images in the order the processor gave them (the overview first).
        order = {Path(p).name: i for i, p in enumerate((facts or {}).get("image_paths", []))}
        pngs = [p for p in paths if p.suffix == ".png"]
        images = tuple(sorted(pngs, key=lambda p: (order.get(p.name, len(order)), p.name)))
        kept = ()
        if change.verdict == Verdict.NO_CHANGE:
            old_images = tuple(previous.parent / p.name for p in images)
            same_names = {p.name for p in previous.parent.glob("*.png")} == {p.name for p in images}
            kept = (previous, *old_images) if same_names else ()
        return Arrangement(day_dir("l2", day), (cdfs[0], *images), kept, change)

    return arrange


def run_geomap(settings: Settings, day: date, l1c: Path | None) -> DayOutcome:
    """Make ``day``'s L2 geomap and quicklooks from its L1C ``l1c`` (``DayRun.l1c``);
    place them whole."""
    try:
        if l1c is None:
            raise NoL1c(f"no L1C CDF on disk for {day}: materialize reach_cdf first")
        provenance = l2_provenance(settings, GEOMAP_PROCESSOR, l1c)
        placed = run_isolated(
            l1c,
            settings.output_dir,
            processor=GEOMAP_PROCESSOR,
            arrange=l2_arrangement(day, l1c, provenance, _placed(day_l2(settings, day))),
            timeout_s=settings.process_timeout_s,
            tag=f"{day:%Y%m%d}",
            options={"quicklooks": settings.quicklooks},
        )
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure
        return failed(day, fault_in(exc, places(settings), "output_dir") or exc, l1c)
    found = placed.facts or {}
    facts = GeomapFacts(
        l1c_path=str(l1c),
        l2_path=str(placed.files[0]),
        image_paths=tuple(str(p) for p in placed.files[1:]),
        size_bytes=sum(p.stat().st_size for p in placed.files),
        seconds=placed.seconds,
        change=placed.change,
        **{name: found[name] for name in _PER_FLAVOR if name in found},
        provenance=provenance.values,
    )
    return materialized(day, facts)


def _placed(path: Path) -> Path | None:
    return path if path.is_file() else None
