"""``reach-pipeline`` as operators run it: the real console script in a subprocess.

Each test sets up a day's legacy state (telemetry rows modelled on the legacy example
file, CDFs in the nested layout) and checks what the command appends to the telemetry
file, which CDFs it leaves, the summary line and the exit code.
"""

from __future__ import annotations

import pytest

from reach_pipeline_tests.support.cli_workspace import (
    PROGRESS,
    assert_one_line_error,
    cdf_rel,
    counts,
    failure_details,
    new_rows,
    one_run,
    only_counts,
    parse_summary,
    process_args,
    progress_lines,
    s3_key,
    statuses,
)
from reach_pipeline_tests.support.data import BAD

pytestmark = pytest.mark.integration

D1, D2, D3, D4 = "2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04"


def test_single_day_local_only(workspace, run_cli):
    code, out, err = run_cli(*process_args(D1))

    assert code == 0, err
    summary = parse_summary(out)
    assert summary["invocation"]
    assert only_counts(summary) == counts(planned=1, processed=1)
    rows = workspace.rows(D1)
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED"]
    one_run(rows)
    assert rows[-1].cdf_path == cdf_rel(D1)
    assert float(rows[-1].cdf_size_mb) > 0
    assert rows[-1].sensor_id == "ALL" and rows[-1].descriptor == "QUICKLOOK"
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == ("", "")
    assert workspace.cdf(D1).is_file()
    assert not workspace.cdf(D2).exists()
    # Only the asked day was touched.
    assert {r.chunk_date_utc for r in workspace.rows()} == {D1}


def test_no_input_day_and_plain_progress(workspace, run_cli):
    """A day without an input file is logged SKIPPED_NO_INPUT; off a terminal the
    progress is one plain stderr line per day, with the day and its outcome."""
    code, out, err = run_cli(*process_args(D3, D4))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=2, processed=1, skipped_no_input=1)
    assert statuses(workspace.rows(D3)) == ["PROCESS_PENDING", "PROCESSED"]
    (skipped,) = workspace.rows(D4)
    assert skipped.status == "SKIPPED_NO_INPUT"
    assert skipped.run_id and skipped.run_id != workspace.rows(D3)[0].run_id
    assert skipped.cdf_path == ""
    assert workspace.cdf(D3).is_file()
    assert not workspace.cdf(D4).exists()
    assert progress_lines(err) == [(D3, "PROCESSED"), (D4, "SKIPPED_NO_INPUT")]
    assert "\r" not in err  # no progress bar when stderr is not a terminal


def test_skipped_no_input_day_stays_skipped_without_a_new_row(workspace, run_cli):
    workspace.write_legacy(D4)  # legacy: DOWNLOAD_PENDING, SKIPPED_NO_DATA, SKIPPED_NO_INPUT
    before = workspace.telemetry_bytes()

    code, out, err = run_cli(*process_args(D4))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, skipped_no_input=1)
    assert workspace.telemetry_bytes() == before


@pytest.mark.parametrize(
    ("through", "extra"),
    [
        ("PROCESSED", ()),  # done locally, not uploading
        ("UPLOADED", ("--upload-to-s3", "--s3-bucket", "never-contacted")),
    ],
    ids=["processed-local", "uploaded-terminal"],
)
def test_finished_day_is_skipped(workspace, run_cli, through, extra):
    workspace.write_legacy(D1, through=through)
    cdf = workspace.place_cdf(D1)
    stat = cdf.stat()
    before = workspace.telemetry_bytes()

    code, out, err = run_cli(*process_args(D1, D1, *extra))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, skipped_existing=1)
    assert workspace.telemetry_bytes() == before
    assert (cdf.stat().st_ino, cdf.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


def test_upload_pending_day_with_cdf_missing_is_reprocessed(workspace, run_cli):
    """The legacy run stopped after PROCESSED/UPLOAD_PENDING and the CDF is gone."""
    legacy = workspace.write_legacy(D1, through="UPLOAD_PENDING")
    assert legacy[-1].cdf_path == cdf_rel(D1)
    assert not workspace.cdf(D1).exists()

    code, out, err = run_cli(*process_args(D1))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED"]
    run_id = one_run(rows)
    assert run_id != legacy[-1].run_id
    assert rows[-1].cdf_path == cdf_rel(D1)
    assert workspace.cdf(D1).is_file()
    # The download columns are carried forward from the legacy rows.
    assert rows[-1].csv_path == legacy[-1].csv_path
    assert rows[-1].csv_path == "in/REACH-ALL_20250901T000000_20250902T000000.csv"
    assert rows[-1].records_downloaded == legacy[-1].records_downloaded


def test_failure_at_process(workspace, run_cli):
    bad = workspace.add_input(BAD / "REACH-ALL_20260103T000000_20260104T000000.csv")

    code, out, err = run_cli(*process_args("2026-01-03"))

    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=1, failed=1)
    rows = workspace.rows("2026-01-03")
    assert statuses(rows) == ["PROCESS_PENDING", "FAILED"]
    one_run(rows)
    failed = rows[-1]
    assert failed.error_type
    assert bad.name in failed.error_message
    assert "missing required column" in failed.error_message
    assert failed.finished_at_utc and failed.cdf_path == ""
    assert not workspace.cdf("2026-01-03").exists()
    assert progress_lines(err) == [("2026-01-03", "FAILED")]
    # One line for the day (its file, its problem); nothing else, no stack trace.
    assert err.strip().splitlines() == [
        line for line in err.strip().splitlines() if PROGRESS.fullmatch(line)
    ]
    detail = failure_details(err)["2026-01-03"]
    assert bad.name in detail and "missing required column" in detail


def test_a_nul_filled_tail_of_the_telemetry_is_cut_and_the_run_goes_on(workspace, run_cli):
    """What a power loss during an append leaves: NUL bytes after the last complete row.
    The command says so (the file, the bytes) and goes on; every row is kept as it was."""
    workspace.write_legacy(D1)
    intact = workspace.telemetry_bytes()
    with open(workspace.telemetry, "ab") as fh:
        fh.write(b"\x00" * 4096)

    code, out, err = run_cli(*process_args(D2))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1)
    tail = f"4096 NUL bytes at bytes {len(intact)}-{len(intact) + 4095} after the last complete row"
    assert f"in/download_telemetry.csv: skipping {tail}" in err
    assert f"in/download_telemetry.csv: removed {tail}" in err
    after = workspace.telemetry_bytes()
    assert after.startswith(intact) and b"\x00" not in after
    assert statuses(workspace.rows(D2)) == ["PROCESS_PENDING", "PROCESSED"]


def test_failed_day_skipped_unless_retry_failed(workspace, run_cli):
    legacy = workspace.write_legacy(D2)  # legacy: FAILED while processing (ValueError)
    assert legacy[-1].status == "FAILED" and legacy[-1].cdf_path == ""
    before = workspace.telemetry_bytes()

    code, out, err = run_cli(*process_args(D2))

    assert code == 1, err  # a day skipped because it FAILED last time still failed
    assert only_counts(parse_summary(out)) == counts(planned=1, failed=1)
    assert workspace.telemetry_bytes() == before
    assert not workspace.cdf(D2).exists()

    code, out, err = run_cli(*process_args(D2, D2, "--retry-failed"))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED"]
    one_run(rows)
    assert rows[-1].cdf_path == cdf_rel(D2)
    assert workspace.cdf(D2).is_file()


def test_limit_days_after_a_resume(workspace, run_cli):
    """--limit-days counts only days that need work: a re-run moves on to the next day."""
    args = process_args(D1, D3, "--limit-days", "1")

    code, out, err = run_cli(*args)
    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=1)
    assert statuses(workspace.rows(D1)) == ["PROCESS_PENDING", "PROCESSED"]
    assert workspace.rows(D2) == workspace.rows(D3) == []
    first = len(workspace.rows())

    code, out, err = run_cli(*args)
    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=3, processed=1, skipped_existing=1)
    rows = new_rows(workspace, first)
    assert {r.chunk_date_utc for r in rows} == {D2}
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED"]
    assert workspace.cdf(D1).is_file() and workspace.cdf(D2).is_file()
    assert not workspace.cdf(D3).exists()
    assert workspace.rows(D3) == []


# ---------------------------------------------------------------------------- dry run


def plan_table(out: str) -> dict[str, list[str]]:
    lines = out.strip().splitlines()
    assert lines[0].split() == ["day", "action", "last", "status", "input"], lines[0]
    return {fields[0]: fields[1:] for fields in (line.split() for line in lines[1:])}


def test_dry_run_fresh_writes_nothing(workspace, run_cli):
    code, out, err = run_cli(*process_args(D1, D4, "--dry-run"))

    assert code == 0, err
    table = plan_table(out)
    assert table == {
        D1: ["run_process", "-", "REACH-ALL_20250901T000000_20250902T000000.csv"],
        D2: ["run_process", "-", "REACH-ALL_20250902T000000_20250903T000000.csv"],
        D3: ["run_process", "-", "REACH-ALL_20250903T000000_20250904T000000.csv"],
        D4: ["skip_no_input", "-", "-"],
    }
    assert not workspace.telemetry.exists()
    assert not workspace.out.exists()
    assert sorted(p.name for p in workspace.root.iterdir()) == ["in"]


def test_dry_run_over_legacy_state_shows_each_action(workspace, run_cli):
    workspace.write_legacy_all()
    workspace.place_cdf(D3)  # the CDF whose upload FAILED is still on disk
    telemetry = workspace.telemetry_bytes()
    files = workspace.files_under(workspace.root)

    code, out, err = run_cli(
        *process_args(
            D1, "2025-09-06", "--dry-run", "--retry-failed", "--upload-to-s3", "--s3-bucket", "b"
        )
    )

    assert code == 0, err
    actions = {day: fields[:2] for day, fields in plan_table(out).items()}
    assert actions == {
        D1: ["skip_existing", "UPLOADED"],
        D2: ["run_process", "FAILED"],  # failed while processing
        D3: ["run_upload_only", "FAILED"],  # failed while uploading, CDF on disk
        D4: ["skip_terminal", "SKIPPED_NO_INPUT"],
        "2025-09-05": ["skip_existing", "UPLOADED"],
        "2025-09-06": ["skip_terminal", "SKIPPED_NO_INPUT"],
    }
    assert workspace.telemetry_bytes() == telemetry
    assert workspace.files_under(workspace.root) == files


# ------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (process_args(D2, D1), ["--end-date", "before"]),
        (process_args("2025-13-01", D1), ["--start-date", "2025-13-01"]),
        (process_args(D1, "yesterday"), ["--end-date", "yesterday"]),
        (process_args(D1, D1, "--limit-days", "0"), ["--limit-days"]),
        (process_args(D1, D1, "--limit-days", "one"), ["--limit-days"]),
        (process_args(D1, "2999-01-01"), ["--end-date", "2999-01-01"]),
        (process_args("2018-12-31", D1), ["--start-date", "2018-12-31"]),
        (["process", "--end-date", D1], ["--start-date"]),
    ],
    ids=[
        "end-before-start",
        "malformed-start",
        "malformed-end",
        "limit-zero",
        "limit-not-int",
        "future-day",
        "before-partitions",
        "missing-start",
    ],
)
def test_bad_arguments_exit_2(workspace, run_cli, args, needles):
    code, out, err = run_cli(*args)

    assert_one_line_error(code, out, err, *needles)
    assert not workspace.telemetry.exists()
    assert not workspace.out.exists()


def test_upload_without_any_bucket_exits_2(workspace, run_cli, clean_env):
    assert "REACH_S3_BUCKET" not in clean_env

    code, out, err = run_cli(*process_args(D1, D1, "--upload-to-s3"))

    assert_one_line_error(code, out, err, "--s3-bucket")
    assert not workspace.telemetry.exists()
    assert not workspace.out.exists()


# -------------------------------------------------------------------------------- S3


def test_process_and_upload(workspace, run_cli, s3_env, bucket, s3_client):
    code, out, err = run_cli(
        *process_args(D2, D2, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1, uploaded=1)
    rows = workspace.rows(D2)
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "UPLOADED"]
    one_run(rows)
    uploaded = rows[-1]
    assert uploaded.cdf_path == cdf_rel(D2)
    assert (uploaded.s3_bucket, uploaded.s3_key) == (bucket, s3_key(D2))
    assert uploaded.upload_seconds
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D2))["Body"].read()
    assert body == workspace.cdf(D2).read_bytes()
    assert progress_lines(err) == [(D2, "UPLOADED")]


def test_upload_only_resume_of_a_processed_day(workspace, run_cli, s3_env, bucket, s3_client):
    legacy = workspace.write_legacy(D1, through="PROCESSED")
    cdf = workspace.place_cdf(D1)
    stat = cdf.stat()

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, uploaded=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["UPLOAD_PENDING", "UPLOADED"]  # no PROCESS_PENDING: not re-run
    run_id = one_run(rows)
    assert run_id != legacy[-1].run_id
    assert rows[-1].cdf_path == cdf_rel(D1)
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == (bucket, s3_key(D1))
    assert rows[-1].csv_path == legacy[-1].csv_path  # carried forward
    assert (cdf.stat().st_ino, cdf.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D1))["Body"].read()
    assert body == cdf.read_bytes()


def test_processed_day_with_cdf_missing_is_reprocessed_and_uploaded(
    workspace, run_cli, s3_env, bucket, s3_client
):
    legacy = workspace.write_legacy(D1, through="PROCESSED")
    assert legacy[-1].cdf_path == cdf_rel(D1)
    assert not workspace.cdf(D1).exists()

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1, uploaded=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "UPLOADED"]
    one_run(rows)
    assert rows[-1].cdf_path == cdf_rel(D1)
    assert workspace.cdf(D1).is_file()
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D1))["Body"].read()
    assert body == workspace.cdf(D1).read_bytes()


def test_legacy_upload_failure_retried_uploads_only(workspace, run_cli, s3_env, bucket, s3_client):
    legacy = workspace.write_legacy(D3)  # legacy: PROCESSED, then FAILED (AccessDenied)
    assert legacy[-1].status == "FAILED" and legacy[-1].cdf_path == cdf_rel(D3)
    # Content does not matter for an upload-only day: any CDF under the day's name will do.
    cdf = workspace.place_cdf(D3)
    stat = cdf.stat()
    args = process_args(D3, D3, "--upload-to-s3", "--s3-bucket", bucket)

    code, out, err = run_cli(*args, env=s3_env)  # without --retry-failed: skipped, failed
    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=1, failed=1)
    assert len(workspace.rows()) == len(legacy)

    code, out, err = run_cli(*args, "--retry-failed", env=s3_env)

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, uploaded=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["UPLOAD_PENDING", "UPLOADED"]
    one_run(rows)
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == (bucket, s3_key(D3))
    assert (cdf.stat().st_ino, cdf.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert s3_client.get_object(Bucket=bucket, Key=s3_key(D3))["Body"].read() == cdf.read_bytes()


def test_failure_at_upload_then_retry(workspace, run_cli, s3_env, bucket, s3_client):
    missing = f"{bucket}-missing"

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", missing), env=s3_env
    )

    assert code == 1, err
    summary = parse_summary(out)
    assert (summary["planned"], summary["uploaded"], summary["failed"]) == (1, 0, 1)
    rows = workspace.rows(D1)
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "FAILED"]
    one_run(rows)
    failed = rows[-1]
    assert failed.error_type == "NoSuchBucket"
    assert missing in failed.error_message or "bucket does not exist" in failed.error_message
    assert failed.cdf_path == cdf_rel(D1)  # kept, so a retry can upload only
    assert failed.s3_key == ""
    assert workspace.cdf(D1).is_file()
    # One line for the day, naming its CDF and the S3 error; no Dagster stack traces.
    assert [line for line in err.strip().splitlines() if not PROGRESS.fullmatch(line)] == []
    detail = failure_details(err)[D1]
    assert detail.startswith("NoSuchBucket: ") and workspace.cdf(D1).name in detail
    cdf_stat = workspace.cdf(D1).stat()
    first = len(workspace.rows())

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket, "--retry-failed"),
        env=s3_env,
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, uploaded=1)
    rows = new_rows(workspace, first)
    assert statuses(rows) == ["UPLOAD_PENDING", "UPLOADED"]
    one_run(rows)
    assert workspace.cdf(D1).stat().st_ino == cdf_stat.st_ino
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D1))["Body"].read()
    assert body == workspace.cdf(D1).read_bytes()


def test_upload_bucket_from_environment(workspace, run_cli, s3_env, bucket, s3_client):
    """--upload-to-s3 without --s3-bucket takes REACH_S3_BUCKET."""
    env = {**s3_env, "REACH_S3_BUCKET": bucket}

    code, out, err = run_cli(*process_args(D3, D3, "--upload-to-s3"), env=env)

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1, uploaded=1)
    rows = workspace.rows(D3)
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "UPLOADED"]
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == (bucket, s3_key(D3))
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D3))["Body"].read()
    assert body == workspace.cdf(D3).read_bytes()


# ---------------------------------------------------------------------- status, import


def test_status(workspace, run_cli, s3_env, bucket, s3_client):
    workspace.write_legacy_all()
    workspace.place_cdf(D1)
    workspace.place_cdf(D3)
    s3_client.put_object(Bucket=bucket, Key=s3_key(D1), Body=workspace.cdf(D1).read_bytes())
    before = workspace.telemetry_bytes()

    code, out, err = run_cli(
        "status",
        "--start-date",
        D1,
        "--end-date",
        "2025-09-07",
        "--input-dir",
        "in",
        "--output-dir",
        "out",
        "--s3-bucket",
        bucket,
        env=s3_env,
    )

    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split() == ["day", "status", "cdf", "s3", "l2", "made_by"]
    # status, cdf, s3, l2 (which processor made each day: test_stale_cli)
    assert lines[-1].startswith("current processor: ")
    table = {fields[0]: fields[1:5] for fields in (line.split() for line in lines[1:-1])}
    assert table == {
        D1: ["UPLOADED", "yes", "yes", "no"],
        D2: ["FAILED", "no", "no", "no"],
        D3: ["FAILED", "yes", "no", "no"],
        D4: ["SKIPPED_NO_INPUT", "no", "no", "no"],
        "2025-09-05": ["UPLOADED", "no", "no", "no"],
        "2025-09-06": ["SKIPPED_NO_INPUT", "no", "no", "no"],
        "2025-09-07": ["-", "no", "no", "no"],
    }
    assert workspace.telemetry_bytes() == before


def test_import_telemetry(workspace, run_cli, dagster_home):
    from dagster import AssetKey, DagsterInstance

    workspace.write_legacy(D1, through="PROCESSED")
    workspace.place_cdf(D1)
    workspace.write_legacy(D3, through="PROCESSED")  # its CDF is gone: not finished
    args = ["import-telemetry", "--input-dir", "in", "--output-dir", "out"]

    code, out, err = run_cli(*args)  # no DAGSTER_HOME: nowhere to record
    assert_one_line_error(code, out, err, "DAGSTER_HOME")

    env = {"DAGSTER_HOME": str(dagster_home)}
    code, out, err = run_cli(*args, env=env)
    assert code == 0, err
    assert "imported 1 day(s)" in out

    code, out, err = run_cli(*args, env=env)
    assert code == 0, err
    assert "imported 0 day(s)" in out

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        done = instance.get_materialized_partitions(AssetKey("reach_cdf"))
    assert done == {D1}


def test_process_runs_recorded_in_dagster_home(workspace, run_cli, dagster_home):
    from dagster import DagsterInstance

    code, out, err = run_cli(*process_args(D1), env={"DAGSTER_HOME": str(dagster_home)})

    assert code == 0, err
    summary = parse_summary(out)
    (run_id,) = {r.run_id for r in workspace.rows(D1)}
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs()
        assert runs
        assert {r.tags.get("reach/source") for r in runs} == {"cli"}
        assert {r.tags.get("reach/invocation") for r in runs} == {summary["invocation"]}
        assert run_id in {r.run_id for r in runs}
        assert {r.tags.get("dagster/partition") for r in runs} == {D1}


def test_the_l2_geomap_is_made_unless_asked_not_to(workspace, run_cli):
    code, out, err = run_cli(*process_args(D2, D3, geomap=True))

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=2, processed=2)
    for day in (D2, D3):
        folder = workspace.root / "out" / "l2" / "prelim" / day.replace("-", "/")
        names = sorted(p.name for p in folder.iterdir())
        stem = f"reach_all_l2_prelim_{day.replace('-', '')}T000000_v1.0.0"
        assert names[0] == f"{stem}.cdf" and f"{stem}_overview.png" in names, names
        assert len(names) == 8  # the CDF, the overview, six median maps
    code, out, err = run_cli("status", "--start-date", D1, "--end-date", D3, "--input-dir", "in")
    header, *lines = out.strip().splitlines()
    l2 = header.split().index("l2")
    rows = {line.split()[0]: line.split() for line in lines}
    assert {day: rows[day][l2] for day in (D1, D2, D3)} == {D1: "no", D2: "yes", D3: "yes"}
