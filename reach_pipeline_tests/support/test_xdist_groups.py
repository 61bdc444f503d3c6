"""The suite's ``xdist_group`` marks hold: the tests of a group run one after the other on
one process (pytest-xdist's ``loadgroup`` renames their node ids, ``...@group``, and hands
a group out as one unit). pytest 9.2 with pytest-xdist 3.8 dropped that silently."""

from __future__ import annotations

import os

import pytest


@pytest.mark.xdist_group("harness_check")
def test_a_grouped_test_is_handed_out_with_its_group(request):
    if "PYTEST_XDIST_WORKER" not in os.environ or not request.config.option.loadgroup:
        pytest.skip("not on an xdist worker with --dist=loadgroup: no groups to hand out")
    assert request.node.nodeid.endswith("@harness_check"), request.node.nodeid
