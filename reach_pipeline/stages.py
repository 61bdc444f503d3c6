"""The day's stages, in one table: ``STAGES``. No Dagster here.

Each ``Stage`` names its id (``StageId``: the command line and tags use these values), its
asset key, the stage it needs (None for the L1C: it needs only the day's input,
``reach_csv``), its runner, its validity check (the check's name and the error type of a
product that check refused), its metadata builder, and its description and kinds. What
is derived from the table, and nowhere written again:

- the asset specs and their ``deps`` (``defs.assets``), the events of an outcome and the
  Failure's days (``defs.events``), the checks' specs and results (``defs.checks``);
- the selections of a day's run (``day_stages``: ``defs.jobs``, ``defs.input_sensor``,
  ``cli.process``) and the order and dependencies of a day's stages (``steps.day``).

Metadata stays Dagster-free: a builder (``steps.metadata``) returns plain typed values
(numbers, strings, and ``Shown`` paths, links, texts and Markdown), and
``defs.metadata.to_dagster`` turns them into Dagster ``MetadataValue``s.

Adding a stage: a row here with its runner (a function of ``DayRun``) in the stage's own
module under ``steps/``, its facts dataclass in ``steps.outcome`` and its metadata builder
in ``steps.metadata``; and its tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from reach_pipeline.contract.daylog import DayLog
from reach_pipeline.settings import Settings
from reach_pipeline.steps import geomap, l1c, upload
from reach_pipeline.steps.metadata import (
    Metadata,
    geomap_metadata,
    geomap_upload_metadata,
    l1c_metadata,
    l1c_upload_metadata,
)
from reach_pipeline.steps.outcome import DayOutcome

# The asset keys (one name each).
REACH_CSV = "reach_csv"  # the day's input file: external, observed, not made here
REACH_CDF = "reach_cdf"
REACH_CDF_S3 = "reach_cdf_s3"
REACH_GEOMAP = "reach_geomap"
REACH_GEOMAP_S3 = "reach_geomap_s3"
REACH_COVERAGE = "reach_coverage"  # not a day's stage: the last 90 days (defs.coverage)


class StageId(StrEnum):
    """A stage's name, as the command line and run tags may give it."""

    L1C = "l1c"
    L1C_UPLOAD = "l1c_upload"
    L2 = "l2"
    L2_UPLOAD = "l2_upload"


@dataclass(frozen=True)
class Validity:
    """A stage's blocking check: its product is validated in staging, and a product that
    fails is refused (the day FAILED with ``refused`` as its error type), never placed."""

    check: str
    refused: str
    description: str


@dataclass(frozen=True)
class DayRun:
    """What a stage's runner gets: the run's settings, the day, the run's telemetry log,
    the uploader (``uploader(path, key)``, ``uploader.remove(key)``) for the uploads, and
    the day's outcomes so far in this run (``steps.day`` fills ``done``)."""

    settings: Settings
    day: date
    log: DayLog
    uploader: object | None = None
    done: dict[StageId, DayOutcome] = field(default_factory=dict)

    def l1c(self) -> Path | None:
        """The day's L1C CDF: the one this run just placed (nothing read again), else the
        one the day's telemetry row names (``geomap.day_l1c``)."""
        made = self.done.get(StageId.L1C)
        if made is not None and made.ok:
            return Path(made.facts.cdf_path)
        return geomap.day_l1c(self.settings, self.day, self.log.view)


@dataclass(frozen=True)
class Stage:
    id: StageId
    asset: str
    upstream: StageId | None  # the stage whose product this one needs (None: the input)
    runner: Callable[[DayRun], DayOutcome]
    validity: Validity | None
    metadata: Callable[[DayOutcome], Metadata]
    kinds: frozenset[str]
    is_upload: bool
    description: str

    def run(self, run: DayRun) -> DayOutcome:
        """The day's outcome at this stage (a failure names this stage's asset)."""
        return self.runner(run).of_asset(self.asset)


def _l1c(run: DayRun) -> DayOutcome:
    return l1c.process_l1c(run.settings, run.day, run.log)


def _l1c_upload(run: DayRun) -> DayOutcome:
    remover = getattr(run.uploader, "remove", None)
    return upload.upload_l1c(run.settings, run.day, run.log, run.uploader, remover, run.l1c())


def _l2(run: DayRun) -> DayOutcome:
    return geomap.run_geomap(run.settings, run.day, run.l1c())


def _l2_upload(run: DayRun) -> DayOutcome:
    return upload.run_l2_upload(run.settings, run.day, run.uploader, run.l1c())


CDF_VALID = Validity(
    "cdf_is_valid",
    l1c.CDF_REFUSED,
    "The CDF reopens with cdflib, has the 14 variables and the required ISTP global "
    "attributes, and its Epoch increases strictly inside the partition's day. Checked "
    "in staging: a CDF that fails is not placed and not uploaded.",
)
GEOMAP_VALID = Validity(
    "geomap_is_valid",
    geomap.GEOMAP_REFUSED,
    "The L2 CDF reopens, its shapes and labels are consistent, and its counts sum to "
    "the number of finite (time, sensor, flavor) points of the day's L1C. Checked in "
    "staging: a geomap that fails is not placed and not uploaded.",
)

L1C_ABOUT = (
    "The day's ISTP Level-1C CDF in output_dir/l1c/prelim/YYYY/MM/DD/, made by the processor "
    "in an isolated child process and validated before it is placed. No input file: nothing "
    "is materialized, the day is logged SKIPPED_NO_INPUT and recorded on reach_csv as an "
    "observation with present=false."
)
L1C_UPLOAD_ABOUT = (
    "The day's L1C CDF in s3://{REACH_S3_BUCKET}/l1c/prelim/YYYY/MM/DD/, validated before it "
    "is sent and verified by size and MD5 after; an object already there with the same "
    "content is not sent again."
)
L2_ABOUT = (
    "The day's Level-2 geomap CDF (dose statistics on a 5 x 5 degree grid per dosimeter "
    "flavor) and quicklook maps in output_dir/l2/prelim/YYYY/MM/DD/."
)
L2_UPLOAD_ABOUT = (
    "The day's L2 CDF and quicklooks in s3://{REACH_S3_BUCKET}/l2/prelim/YYYY/MM/DD/, "
    "validated, verified and idempotent like reach_cdf_s3."
)

# The table, in the order a day goes through it (a stage after the one it needs).
# fmt: off
STAGES: tuple[Stage, ...] = (
    #     id                  asset            upstream        runner       validity
    #     metadata builder        kinds                             upload  description
    Stage(StageId.L1C,        REACH_CDF,       None,           _l1c,        CDF_VALID,
          l1c_metadata,           frozenset({"cdf"}),               False,  L1C_ABOUT),
    Stage(StageId.L1C_UPLOAD, REACH_CDF_S3,    StageId.L1C,    _l1c_upload, None,
          l1c_upload_metadata,    frozenset({"s3", "cdf"}),         True,   L1C_UPLOAD_ABOUT),
    Stage(StageId.L2,         REACH_GEOMAP,    StageId.L1C,    _l2,         GEOMAP_VALID,
          geomap_metadata,        frozenset({"cdf", "png"}),        False,  L2_ABOUT),
    Stage(StageId.L2_UPLOAD,  REACH_GEOMAP_S3, StageId.L2,     _l2_upload,  None,
          geomap_upload_metadata, frozenset({"s3", "cdf", "png"}),  True,   L2_UPLOAD_ABOUT),
)
# fmt: on

_BY_ID = {s.id: s for s in STAGES}
_BY_ASSET = {s.asset: s for s in STAGES}


def stage(stage_id: StageId | str) -> Stage:
    """The stage of an id (a ``StageId`` or its value)."""
    return _BY_ID[StageId(stage_id)]


def stage_of_asset(asset: str) -> Stage:
    """The stage that makes ``asset`` (KeyError for an asset not made here, such as reach_csv)."""
    return _BY_ASSET[asset]


def upstream_asset(s: Stage) -> str:
    """The asset a stage's product is made from: its upstream stage's, or the input."""
    return REACH_CSV if s.upstream is None else _BY_ID[s.upstream].asset


def needs(s: Stage) -> Stage | None:
    """The stage whose product ``s`` needs this day (None: only the day's input)."""
    return None if s.upstream is None else _BY_ID[s.upstream]


def with_downstream(stage_id: StageId) -> set[StageId]:
    """A stage and every stage that needs its product, directly or not."""
    found = {stage_id}
    for s in STAGES:  # in order: a stage comes after the one it needs
        if s.upstream in found:
            found.add(s.id)
    return found


def day_stages(*, upload: bool, without: Iterable[StageId] = ()) -> tuple[Stage, ...]:
    """The stages a day's run selects, in order: every stage, the uploads only with
    ``upload``, none of ``without`` (an upload-only day leaves out the L1C it has; a run
    without the L2 leaves out ``with_downstream(StageId.L2)``)."""
    left_out = set(without)
    return tuple(s for s in STAGES if (upload or not s.is_upload) and s.id not in left_out)


def day_assets(*, upload: bool, without: Iterable[StageId] = ()) -> list[str]:
    """The asset keys of ``day_stages``."""
    return [s.asset for s in day_stages(upload=upload, without=without)]
