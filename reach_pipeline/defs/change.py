"""A re-made product's change report as materialization metadata, and back.

The report travels whole as JSON (``change_report``), so the command line and the
backfill summary read it back typed (``report_from``); the verdict and its figures are
also entries of their own, for the UI's table and plots.
"""

from __future__ import annotations

from collections.abc import Mapping

from dagster import MetadataValue

from reach_pipeline.change.report import ChangeReport, Verdict

VERDICT, REPORT = "change", "change_report"


def change_metadata(report: ChangeReport | None) -> dict:
    if report is None:
        return {}
    metadata = {
        VERDICT: MetadataValue.text(str(report.verdict)),
        REPORT: MetadataValue.json(report.as_dict()),
        "change_seconds": report.seconds,
    }
    if report.attributes:
        metadata["changed_attributes"] = MetadataValue.text(", ".join(report.attributes))
    if report.verdict == Verdict.DATA_CHANGED:
        metadata["changed_variables"] = MetadataValue.text(
            ", ".join(v.name for v in report.variables)
        )
        metadata["changed_values"] = report.values
        for name, value in (("change_max_abs", report.max_abs), ("change_max_rel", report.max_rel)):
            if value is not None:
                metadata[name] = MetadataValue.float(value)
        if report.sensors:
            metadata["median_moved_most"] = MetadataValue.text(
                ", ".join(f"{s.sensor} {s.old_median} -> {s.new_median}" for s in report.sensors)
            )
    return metadata


def report_from(metadata: Mapping) -> ChangeReport | None:
    """The report a materialization's metadata carries (None: the stage made none)."""
    entry = metadata.get(REPORT)
    if entry is None:
        return None
    return ChangeReport.from_dict(getattr(entry, "value", entry))
