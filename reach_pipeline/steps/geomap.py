"""The L2 stage of one day: the geomap CDF and its quicklooks, from the day's L1C.

The legacy telemetry has no L2 columns: this stage writes no telemetry row; its state
lives in Dagster (materializations, checks) and on disk (``l2/prelim/YYYY/MM/DD/``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reach_pipeline.contract.layout import day_dir
from reach_pipeline.contract.state import locate_cdf
from reach_pipeline.contract.telemetry import TelemetryLog
from reach_pipeline.runner.isolation import Arrangement, run_isolated
from reach_pipeline.runner.processor import ProcessingFailed, refuse_if
from reach_pipeline.settings import Settings

from .outcome import DayOutcome, GeomapFacts, failed, materialized

GEOMAP_PROCESSOR = "reach_pipeline.geomap:process_file"
# The error type of a day whose geomap fails validation (the ``geomap_is_valid`` check).
GEOMAP_REFUSED = "GeomapCheckFailed"
# What the geomap processor reports per flavor (none when it reports nothing).
_PER_FLAVOR = ("thumbnail_b64", "points_used", "bins_filled", "max_dose", "median_dose")


class NoL1c(RuntimeError):
    error_type = "NoL1cProduct"


def day_l1c(settings: Settings, day: date) -> Path | None:
    """The day's L1C CDF, found through its telemetry row (or the layout)."""
    row = TelemetryLog(settings.telemetry_path).latest_by_day().get(day)
    return locate_cdf(
        day, row, output_dir=settings.output_dir, telemetry_path=settings.telemetry_path
    )


def day_l2(settings: Settings, day: date) -> Path:
    """Where the day's L2 geomap CDF is placed (its quicklooks beside it)."""
    from reach_pipeline.geomap.product import l2_file_name

    return settings.output_dir / day_dir("l2", day) / l2_file_name(day)


def l2_arrangement(day: date, l1c: Path):
    """Accept the day's L2 CDF (sound, and counting every point of its L1C) and its PNGs."""

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
        refuse_if(
            geomap_problems(cdfs[0], l1c),
            GEOMAP_REFUSED,
            f"the geomap of {l1c} is not sound, not placed",
        )
        # The images in the order the processor gave them (the overview first).
        order = {Path(p).name: i for i, p in enumerate((facts or {}).get("image_paths", []))}
        pngs = [p for p in paths if p.suffix == ".png"]
        images = tuple(sorted(pngs, key=lambda p: (order.get(p.name, len(order)), p.name)))
        return Arrangement(day_dir("l2", day), (cdfs[0], *images))

    return arrange


def run_geomap(settings: Settings, day: date) -> DayOutcome:
    """Make ``day``'s L2 geomap and quicklooks from its L1C; place them whole."""
    l1c = None
    try:
        l1c = day_l1c(settings, day)
        if l1c is None:
            raise NoL1c(f"no L1C CDF on disk for {day}: materialize reach_cdf first")
        placed = run_isolated(
            l1c,
            settings.output_dir,
            processor=GEOMAP_PROCESSOR,
            arrange=l2_arrangement(day, l1c),
            timeout_s=settings.process_timeout_s,
            tag=f"{day:%Y%m%d}",
            options={"quicklooks": settings.quicklooks},
        )
    except Exception as exc:  # noqa: BLE001 - any error is this day's failure
        return failed(day, exc, l1c)
    found = placed.facts or {}
    facts = GeomapFacts(
        l1c_path=str(l1c),
        l2_path=str(placed.files[0]),
        image_paths=tuple(str(p) for p in placed.files[1:]),
        size_bytes=sum(p.stat().st_size for p in placed.files),
        seconds=placed.seconds,
        **{name: found[name] for name in _PER_FLAVOR if name in found},
    )
    return materialized(day, facts)
