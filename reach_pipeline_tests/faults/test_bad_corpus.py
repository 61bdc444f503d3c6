"""A backfill over the malformed-day corpus plus good days, through the command line."""

from __future__ import annotations

from datetime import date

import pytest

from reach_pipeline.contract.telemetry import FAILED, PROCESSED, SKIPPED_NO_INPUT

from .corpus import bad_days, copy_bad_days, names_the_problem
from .support import (
    cdf_rel,
    clean_env,
    files_under,
    latest,
    process_argv,
    run_cli,
    strict_records,
    write_sample_day,
)

GOOD = [date(2026, 1, 20), date(2026, 1, 21)]


@pytest.mark.integration
def test_cli_backfill_over_bad_corpus_and_good_days(tmp_path):
    ws = tmp_path / "ws"
    input_dir, out = ws / "in", ws / "out"
    corpus = bad_days()
    copy_bad_days(input_dir, corpus)
    for day in GOOD:
        write_sample_day(input_dir, day)
    telemetry = input_dir / "download_telemetry.csv"
    env = clean_env(tmp_path / "home", REACH_PARTITIONS_START="2025-12-01")

    # The CSV days and the good days...
    proc = run_cli(process_argv("2026-01-01", "2026-01-21", input_dir, out), ws, env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    state = latest(telemetry)
    for bad in corpus:
        if bad.output_format == "json":  # a .json day is no input for --output-format csv
            assert state[bad.day].status == SKIPPED_NO_INPUT, bad
    # ...then the JSON days, which the download tool saved with --output-format json.
    json_days = [b for b in corpus if b.output_format == "json"]
    proc = run_cli(
        process_argv(
            json_days[0].day.isoformat(),
            json_days[-1].day.isoformat(),
            input_dir,
            out,
            "--output-format",
            "json",
        ),
        ws,
        env,
    )
    assert proc.returncode == 1, proc.stderr[-3000:]

    strict_records(telemetry)
    state = latest(telemetry)
    for bad in corpus:
        row = state[bad.day]
        assert row.status == FAILED, (bad, row)
        assert names_the_problem(row, bad), (bad.phrase, row.error_type, row.error_message)
        assert bad.file in row.error_message, row.error_message
        assert row.finished_at_utc
    for day in GOOD:
        assert state[day].status == PROCESSED
    assert files_under(out / "l1c") == sorted(out / cdf_rel(day) for day in GOOD)
    assert list((out / ".staging").iterdir()) == []
