"""Days the legacy tool processed keep its file names: a CDF named after the day's first
record (``…T000010…``), on disk and in the telemetry's ``cdf_path`` / ``s3_key``, relative
to the folder the legacy tool ran in (``out/l1c/prelim/…``). Every command finds the
day's product through its telemetry row; a day has one product, on disk and in S3."""

from __future__ import annotations

import pytest

from reach_pipeline.contract.telemetry import DOWNLOADED, TelemetryRow, utc_now_iso
from reach_pipeline_tests.support.cli_workspace import (
    cdf_rel,
    counts,
    legacy_cdf_rel,
    new_rows,
    one_run,
    only_counts,
    parse_summary,
    process_args,
    s3_key,
    statuses,
)
from reach_pipeline_tests.support.ports import free_ports

pytestmark = pytest.mark.integration

D1, D3 = "2025-09-01", "2025-09-03"


def legacy_key(day: str) -> str:
    return legacy_cdf_rel(day).removeprefix("out/")


def objects(s3_client, bucket: str) -> set[str]:
    listed = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"] for o in listed}


def status_table(out: str) -> dict[str, list[str]]:
    lines = out.strip().splitlines()
    assert lines[0].split() == ["day", "status", "cdf", "s3", "l2", "made_by"]
    # status, cdf, s3, l2 (which processor made each day: test_stale_cli)
    assert lines[-1].startswith("current processor: ")
    return {fields[0]: fields[1:5] for fields in (line.split() for line in lines[1:-1])}


def test_upload_only_resume_of_a_legacy_named_day(workspace, run_cli, s3_env, bucket, s3_client):
    """It used to fail with FileNotFoundError: only the …T000000… name was looked for."""
    legacy = workspace.write_legacy(D1, through="PROCESSED", renamed=True)
    assert legacy[-1].cdf_path == legacy_cdf_rel(D1)
    cdf = workspace.place_legacy_cdf(D1)

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, uploaded=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["UPLOAD_PENDING", "UPLOADED"]
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == (bucket, legacy_key(D1))
    assert rows[-1].s3_key == f"l1c/prelim/2025/09/01/{cdf.name}"
    assert objects(s3_client, bucket) == {legacy_key(D1)}
    assert s3_client.get_object(Bucket=bucket, Key=legacy_key(D1))["Body"].read() == (
        cdf.read_bytes()
    )
    assert workspace.files_under(workspace.out) == {legacy_cdf_rel(D1)}


def test_import_telemetry_imports_legacy_named_days(workspace, run_cli, dagster_home):
    """It used to import 0 of them."""
    from dagster import AssetKey, DagsterInstance

    workspace.write_legacy(D1, through="UPLOADED", renamed=True)
    workspace.place_legacy_cdf(D1)
    workspace.write_legacy(D3, through="PROCESSED", renamed=True)
    workspace.place_legacy_cdf(D3)

    code, out, err = run_cli(
        "import-telemetry",
        "--input-dir",
        "in",
        "--output-dir",
        "out",
        env={"DAGSTER_HOME": str(dagster_home)},
    )

    assert code == 0, err
    assert "imported 2 day(s)" in out
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        assert instance.get_materialized_partitions(AssetKey("reach_cdf")) == {D1, D3}
        record = instance.fetch_materializations(AssetKey("reach_cdf"), limit=5).records
    paths = {r.asset_materialization.metadata["path"].value for r in record}
    assert paths == {str(workspace.root / legacy_cdf_rel(d)) for d in (D1, D3)}


def test_status_of_legacy_named_days_from_another_folder(
    workspace, run_cli, s3_env, bucket, s3_client, tmp_path
):
    """`cdf yes` for …T000010… CDFs, their relative cdf_path resolved against the
    telemetry file's folder (not the current one), and the S3 column from the rows'
    bucket and key, without --s3-bucket."""
    workspace.write_legacy(D1, through="UPLOADED", renamed=True, bucket=bucket)
    cdf = workspace.place_legacy_cdf(D1)
    s3_client.put_object(Bucket=bucket, Key=legacy_key(D1), Body=cdf.read_bytes())
    workspace.write_legacy(D3, through="PROCESSED", renamed=True)
    workspace.place_legacy_cdf(D3)
    workspace.write_legacy("2025-09-05", through="UPLOADED", renamed=True, bucket=bucket)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    code, out, err = run_cli(
        "status",
        "--start-date",
        D1,
        "--end-date",
        "2025-09-05",
        "--input-dir",
        str(workspace.input_dir),
        "--output-dir",
        str(workspace.out),
        env=s3_env,
        cwd=elsewhere,
    )

    assert code == 0, err
    assert err == ""
    assert status_table(out) == {
        D1: ["UPLOADED", "yes", "yes", "no"],
        "2025-09-02": ["-", "no", "-", "no"],
        D3: ["PROCESSED", "yes", "-", "no"],
        "2025-09-04": ["-", "no", "-", "no"],
        "2025-09-05": ["UPLOADED", "no", "no", "no"],  # neither its CDF nor its object is left
    }


def test_reprocessing_a_legacy_named_day_leaves_one_product(
    workspace, run_cli, s3_env, bucket, s3_client
):
    """A re-downloaded day the legacy tool had processed and uploaded under …T000010…:
    our product replaces it on disk and in S3 (the old object deleted once the new one
    is verified), and the telemetry names the new one. It used to leave two of each."""
    legacy = workspace.write_legacy(D1, through="UPLOADED", renamed=True, bucket=bucket)
    old = workspace.place_legacy_cdf(D1)
    s3_client.put_object(Bucket=bucket, Key=legacy_key(D1), Body=old.read_bytes())
    s3_client.put_object(Bucket=bucket, Key="l1c/prelim/2025/09/02/other-day.cdf", Body=b"x")
    workspace.log().append(  # the download tool fetched the day again
        TelemetryRow(
            run_id="download-again",
            chunk_date_utc=D1,
            status=DOWNLOADED,
            csv_path="in/REACH-ALL_20250901T000000_20250902T000000.csv",
            started_at_utc=utc_now_iso(),
            finished_at_utc=utc_now_iso(),
        )
    )
    before = len(workspace.rows())

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, processed=1, uploaded=1)
    rows = new_rows(workspace, before)
    assert statuses(rows) == ["PROCESS_PENDING", "PROCESSED", "UPLOAD_PENDING", "UPLOADED"]
    one_run(rows)
    assert rows[-1].cdf_path == cdf_rel(D1)
    assert (rows[-1].s3_bucket, rows[-1].s3_key) == (bucket, s3_key(D1))
    assert workspace.files_under(workspace.out) == {cdf_rel(D1)}
    assert not old.exists()
    assert objects(s3_client, bucket) == {s3_key(D1), "l1c/prelim/2025/09/02/other-day.cdf"}
    body = s3_client.get_object(Bucket=bucket, Key=s3_key(D1))["Body"].read()
    assert body == workspace.cdf(D1).read_bytes()
    assert legacy[-1].s3_key == legacy_key(D1)


def test_reprocessed_locally_then_uploaded_replaces_the_old_object(
    workspace, run_cli, s3_env, bucket, s3_client
):
    """Re-processed without uploading, the day's S3 object is still the legacy one; the
    next upload run sends the new CDF and deletes the old object."""
    workspace.write_legacy(D1, through="UPLOADED", renamed=True, bucket=bucket)
    old = workspace.place_legacy_cdf(D1)
    s3_client.put_object(Bucket=bucket, Key=legacy_key(D1), Body=old.read_bytes())
    workspace.log().append(
        TelemetryRow(
            run_id="download-again",
            chunk_date_utc=D1,
            status=DOWNLOADED,
            started_at_utc=utc_now_iso(),
        )
    )

    code, out, err = run_cli(*process_args(D1))
    assert code == 0, err
    assert workspace.files_under(workspace.out) == {cdf_rel(D1)}
    assert objects(s3_client, bucket) == {legacy_key(D1)}

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 0, err
    assert only_counts(parse_summary(out)) == counts(planned=1, uploaded=1)
    assert workspace.rows(D1)[-1].s3_key == s3_key(D1)
    assert objects(s3_client, bucket) == {s3_key(D1)}


def test_an_upload_only_resume_of_a_damaged_cdf_is_not_sent(
    workspace, run_cli, s3_env, bucket, s3_client
):
    """The day is PROCESSED, its CDF was cut in half on disk: FAILED, nothing sent."""
    legacy = workspace.write_legacy(D1, through="PROCESSED", renamed=True)
    cdf = workspace.place_legacy_cdf(D1)
    data = cdf.read_bytes()
    cdf.write_bytes(data[: len(data) // 2])

    code, out, err = run_cli(
        *process_args(D1, D1, "--upload-to-s3", "--s3-bucket", bucket), env=s3_env
    )

    assert code == 1, err
    assert only_counts(parse_summary(out)) == counts(planned=1, failed=1)
    rows = new_rows(workspace, len(legacy))
    assert statuses(rows) == ["FAILED"]
    assert rows[-1].error_type == "CdfCheckFailed"
    assert cdf.name in rows[-1].error_message and "not sent" in rows[-1].error_message
    assert objects(s3_client, bucket) == set()
    [line] = err.strip().splitlines()
    assert line.startswith(f"{D1} FAILED (1/1, ") and "CdfCheckFailed" in line


def test_status_when_s3_cannot_say(workspace, run_cli, s3_env):
    """S3 unreachable: the column says `?` and one line on stderr says why; exit 0."""
    workspace.write_legacy(D1, through="UPLOADED", renamed=True)
    workspace.place_legacy_cdf(D1)
    [port] = free_ports(1)  # nothing listens there
    env = {**s3_env, "REACH_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}"}

    code, out, err = run_cli(
        "status", "--start-date", D1, "--end-date", D1, "--input-dir", "in", env=env
    )

    assert code == 0, err
    assert status_table(out) == {D1: ["UPLOADED", "yes", "?", "no"]}
    [line] = err.strip().splitlines()
    assert line.startswith("reach-pipeline: s3 column '?': s3://dev-swxsoc-pipeline-incoming/")
    assert legacy_key(D1) in line and str(port) in line
