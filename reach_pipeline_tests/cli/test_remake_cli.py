"""Re-making days from the command line, through the console script: ``--stages`` makes a
day's missing stages (the L2 of days done with ``--no-geomap``) and skips the done ones;
``--force`` makes done days again and says on each day's line what changed."""

from __future__ import annotations

import pytest

from reach_pipeline_tests.support.cli_workspace import (
    PROGRESS,
    counts,
    only_counts,
    parse_summary,
    process_args,
)

pytestmark = pytest.mark.integration

D1, D2 = "2025-09-01", "2025-09-02"


def l2_of(workspace, day: str):
    y, m, d = day.split("-")
    return (
        workspace.root
        / f"out/l2/prelim/{y}/{m}/{d}/reach_all_l2_prelim_{y}{m}{d}T000000_v1.0.0.cdf"
    )


def day_lines(err: str) -> dict[str, tuple[str, str | None]]:
    """Each day's outcome and what its line says after it."""
    return {m[1]: (m[2], m[5]) for line in err.splitlines() if (m := PROGRESS.fullmatch(line))}


def test_stages_l2_makes_the_missing_l2_of_days_done_without_it(workspace, run_cli):
    code, _, err = run_cli(*process_args(D1, D2))  # --no-geomap: the L1C only
    assert code == 0, err
    assert not l2_of(workspace, D1).exists()
    rows = len(workspace.rows())
    cdf = workspace.cdf(D1).stat()

    code, out, err = run_cli(*process_args(D1, D2, geomap=True), "--stages", "l2")

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=2, processed=2)
    assert {day: outcome for day, (outcome, _) in day_lines(err).items()} == {
        D1: "L2_MADE",
        D2: "L2_MADE",
    }
    assert l2_of(workspace, D1).is_file() and l2_of(workspace, D2).is_file()
    assert len(workspace.rows()) == rows  # the L2 has no telemetry
    assert workspace.cdf(D1).stat().st_mtime_ns == cdf.st_mtime_ns  # the L1C left alone

    # done now: nothing to make
    code, out, err = run_cli(*process_args(D1, D2, geomap=True), "--stages", "l1c,l2")
    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=2, skipped_existing=2)


def test_force_remakes_done_days_and_says_what_changed(workspace, run_cli):
    code, _, err = run_cli(*process_args(D1, D2, geomap=True))
    assert code == 0, err
    before = workspace.cdf(D1).stat()

    code, out, err = run_cli(*process_args(D1, D2, geomap=True), "--force")

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=2, processed=2)
    assert day_lines(err)[D1] == ("PROCESSED", "reach_cdf NO_CHANGE; reach_geomap NO_CHANGE")
    after = workspace.cdf(D1).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [r.status for r in workspace.rows(D1)][-2:] == ["PROCESS_PENDING", "PROCESSED"]
