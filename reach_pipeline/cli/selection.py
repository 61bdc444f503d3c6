"""Which stages of a day a command-line run makes.

Without ``--stages`` a day is planned as the legacy tool plans it, by its telemetry
(``contract.planning``): a day to process gets every stage asked for (L1C, the L2 unless
``--no-geomap``, the uploads with ``--upload-to-s3``), an upload-only day its uploads (and
its L2), a done day nothing. With ``--stages`` each stage asked for is looked at on its
own: the day's missing ones are made, the done ones skipped (the L2 of a day done with
``--no-geomap``, a lost L2 folder, a day the legacy tool finished). ``--force`` makes the
chosen stages again even when done (the planner turns a done day into one to process).
"""

from __future__ import annotations

import argparse
from enum import StrEnum

from reach_pipeline.contract import planning
from reach_pipeline.stages import StageId

L1C, L1C_UPLOAD, L2, L2_UPLOAD = StageId.L1C, StageId.L1C_UPLOAD, StageId.L2, StageId.L2_UPLOAD
# The plans that make the day's L1C (a stale day is made again like one to process).
_MAKE = (planning.RUN_PROCESS, planning.RUN_STALE, planning.SKIP_NO_INPUT)


class Asked(StrEnum):
    """A stage as ``--stages`` names it (``upload``: the uploads of the day's products)."""

    L1C = "l1c"
    L2 = "l2"
    UPLOAD = "upload"


def parse_stages(text: str) -> frozenset[Asked]:
    """``--stages l1c,l2,upload``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = {a.value for a in Asked}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"not a list of stages: {text!r} (any of {', '.join(sorted(known))}, comma-separated)"
        )
    return frozenset(Asked(name) for name in names)


def asked(stages: frozenset[Asked] | None, *, upload: bool, geomap: bool) -> frozenset[Asked]:
    """The stages a run is asked for: ``--stages``, else the L1C, the L2 unless
    ``--no-geomap``, the uploads with ``--upload-to-s3``."""
    if stages is not None:
        return stages | ({Asked.UPLOAD} if upload else set())
    default = {Asked.L1C} | ({Asked.L2} if geomap else set())
    return frozenset(default | ({Asked.UPLOAD} if upload else set()))


def legacy_stages(action: str, wanted: frozenset[Asked]) -> tuple[StageId, ...]:
    """The stages of a day planned by its telemetry alone (no ``--stages``)."""
    upload, geomap = Asked.UPLOAD in wanted, Asked.L2 in wanted
    if action == planning.RUN_UPLOAD_ONLY:
        stages = [L1C_UPLOAD]
    elif action in _MAKE:
        stages = [L1C, L1C_UPLOAD] if upload else [L1C]
    else:
        return ()
    if geomap:
        stages += [L2, L2_UPLOAD] if upload else [L2]
    return tuple(stages)


def missing_stages(
    action: str, wanted: frozenset[Asked], *, l1c_on_disk: bool, l2_on_disk: bool, force: bool
) -> tuple[StageId, ...]:
    """The stages of a day asked for and not done (all asked for with ``force``): the
    L1C when the planner says to process the day; the L2 when the L1C is made now, or the
    day's L2 is missing; each upload when its product is made now (the L1C's also when the
    planner says upload-only)."""
    upload = Asked.UPLOAD in wanted
    stages = []
    l1c = Asked.L1C in wanted and action in _MAKE
    if l1c:
        stages.append(L1C)
    if upload and (l1c or action == planning.RUN_UPLOAD_ONLY):
        stages.append(L1C_UPLOAD)
    has_l1c = l1c or (l1c_on_disk and action not in (planning.SKIP_FAILED, planning.SKIP_LIMIT))
    l2 = Asked.L2 in wanted and has_l1c and (l1c or force or not l2_on_disk)
    if l2:
        stages.append(L2)
    if upload and (l2 or (L1C_UPLOAD in stages and l2_on_disk)):
        stages.append(L2_UPLOAD)
    return tuple(stages)
