"""Which stages of a day a command-line run makes, with and without ``--stages``."""

from __future__ import annotations

import argparse

import pytest

from reach_pipeline.cli.selection import (
    Asked,
    asked,
    legacy_stages,
    missing_stages,
    parse_stages,
)
from reach_pipeline.contract import planning as p
from reach_pipeline.stages import StageId

L1C, L1C_UPLOAD, L2, L2_UPLOAD = StageId.L1C, StageId.L1C_UPLOAD, StageId.L2, StageId.L2_UPLOAD

ALL = frozenset(Asked)
LOCAL = frozenset({Asked.L1C, Asked.L2})
ONLY_L2 = frozenset({Asked.L2})


@pytest.mark.parametrize(
    ("text", "stages"),
    [("l1c,l2,upload", ALL), ("l2", ONLY_L2), (" l2 , l1c ", LOCAL)],
)
def test_parse_stages(text, stages):
    assert parse_stages(text) == stages


@pytest.mark.parametrize("text", ["", "l3", "l1c,,geomap"])
def test_parse_stages_refuses(text):
    with pytest.raises(argparse.ArgumentTypeError, match="not a list of stages"):
        parse_stages(text)


@pytest.mark.parametrize(
    ("stages", "upload", "geomap", "expected"),
    [
        (None, False, True, LOCAL),
        (None, True, True, ALL),
        (None, False, False, frozenset({Asked.L1C})),
        (ONLY_L2, False, True, ONLY_L2),
        (ONLY_L2, True, True, frozenset({Asked.L2, Asked.UPLOAD})),
    ],
)
def test_asked(stages, upload, geomap, expected):
    assert asked(stages, upload=upload, geomap=geomap) == expected


@pytest.mark.parametrize(
    ("action", "wanted", "stages"),
    [
        (p.RUN_PROCESS, LOCAL, (L1C, L2)),
        (p.RUN_PROCESS, ALL, (L1C, L1C_UPLOAD, L2, L2_UPLOAD)),
        (p.RUN_UPLOAD_ONLY, ALL, (L1C_UPLOAD, L2, L2_UPLOAD)),
        (p.SKIP_NO_INPUT, frozenset({Asked.L1C}), (L1C,)),
        (p.SKIP_EXISTING, ALL, ()),
        (p.SKIP_FAILED, ALL, ()),
    ],
)
def test_legacy_stages(action, wanted, stages):
    assert legacy_stages(action, wanted) == stages


# (action, asked, L1C on disk, L2 on disk, force, stages)
MISSING = [
    # a day done with --no-geomap: its L2 only
    (p.SKIP_EXISTING, LOCAL, True, False, False, (L2,)),
    (p.SKIP_EXISTING, ONLY_L2, True, False, False, (L2,)),
    # done with its L2: nothing; forced: the L2 again
    (p.SKIP_EXISTING, LOCAL, True, True, False, ()),
    (p.SKIP_EXISTING, ONLY_L2, True, True, True, (L2,)),
    # a day to process: every stage asked for
    (p.RUN_PROCESS, LOCAL, False, False, False, (L1C, L2)),
    (p.RUN_PROCESS, ALL, True, True, True, (L1C, L1C_UPLOAD, L2, L2_UPLOAD)),
    # no L1C and not asked for: nothing can be made
    (p.RUN_PROCESS, ONLY_L2, False, False, False, ()),
    # processed, not uploaded: its uploads (the L2's too when it is there)
    (p.RUN_UPLOAD_ONLY, ALL, True, True, False, (L1C_UPLOAD, L2_UPLOAD)),
    (p.RUN_UPLOAD_ONLY, ALL, True, False, False, (L1C_UPLOAD, L2, L2_UPLOAD)),
    # uploaded, L2 lost: the L2 and its upload
    (p.SKIP_EXISTING, ALL, True, False, False, (L2, L2_UPLOAD)),
    # a failed day stays failed without --retry-failed
    (p.SKIP_FAILED, LOCAL, True, False, False, ()),
    (p.SKIP_NO_INPUT, LOCAL, False, False, False, (L1C, L2)),
]


@pytest.mark.parametrize(("action", "wanted", "l1c", "l2", "force", "stages"), MISSING)
def test_missing_stages(action, wanted, l1c, l2, force, stages):
    assert missing_stages(action, wanted, l1c_on_disk=l1c, l2_on_disk=l2, force=force) == stages
