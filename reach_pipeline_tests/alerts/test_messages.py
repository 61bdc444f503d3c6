"""What the alerts say: pure functions, tested directly."""

from __future__ import annotations

import datetime as dt

import pytest

from reach_pipeline.alerts.compose import (
    backfill_summary_alert,
    day_failure_alert,
    missing_day_alert,
)
from reach_pipeline.alerts.facts import (
    BackfillTally,
    DayFailure,
    LateStage,
    RunDays,
    days_between,
    due_day,
    error_parts,
    failures_of,
    late_stage,
    tally_backfill,
)
from reach_pipeline.alerts.message import Alert, clip, listed, mrkdwn
from reach_pipeline.change.report import NEW_PRODUCT, ChangeReport, VariableChange, Verdict

D = dt.date(2025, 9, 1)
BASE = "http://127.0.0.1:3000"


def days(n: int, first: dt.date = D) -> list[dt.date]:
    return [first + dt.timedelta(days=k) for k in range(n)]


def failure(day: dt.date, error_type: str = "CdfCheckFailed") -> DayFailure:
    return DayFailure(day, "reach_cdf", error_type, f"{day}: bad rows in the file")


# ---------------------------------------------------------------------------- rendering


def test_text_and_blocks_carry_the_same_facts():
    alert = Alert(
        title="REACH reach_cdf failed for 2025-09-01",
        fields=(("Day", "2025-09-01"), ("Error", "CdfCheckFailed")),
        detail="row 12: <bad> & worse",
        link=("Open the run", f"{BASE}/runs/abc"),
    )
    payload = alert.payload()
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].splitlines() == [
        "REACH reach_cdf failed for 2025-09-01",
        "Day: 2025-09-01",
        "Error: CdfCheckFailed",
        "row 12: <bad> & worse",
        f"Open the run: {BASE}/runs/abc",
    ]
    header, fields, detail, link = payload["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "REACH reach_cdf failed for 2025-09-01"},
    }
    assert [f["text"] for f in fields["fields"]] == ["*Day*\n2025-09-01", "*Error*\nCdfCheckFailed"]
    assert detail["text"]["text"] == "```row 12: &lt;bad&gt; &amp; worse```"
    assert link["text"]["text"] == f"<{BASE}/runs/abc|Open the run>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a<b>c", "a&lt;b&gt;c"), ("x & y", "x &amp; y"), ("plain", "plain"), ("&lt;", "&amp;lt;")],
)
def test_mrkdwn_escapes_its_control_characters(text, expected):
    assert mrkdwn(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"), [("abc", 3, "abc"), ("abcd", 3, "ab…"), ("", 1, "")]
)
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected


def test_a_long_title_fits_slacks_header_limit():
    block = Alert(title="x" * 400).blocks()[0]
    assert len(block["text"]["text"]) == 150


@pytest.mark.parametrize(
    ("count", "expected_tail"),
    [(0, None), (1, "d0"), (20, "d19"), (21, "and 1 more"), (45, "and 25 more")],
)
def test_listed_stops_at_twenty(count, expected_tail):
    items = [f"d{k}" for k in range(count)]
    shown = listed(items)
    assert len(shown) == min(count, 21)
    assert (shown[-1] if shown else None) == expected_tail


# ---------------------------------------------------------------------------- the alerts


def test_day_failure_alert_names_day_asset_error_input_and_run():
    alert = day_failure_alert(failure(D), "run-1234", "/data/in/REACH-ALL_x.csv", BASE)
    assert alert.title == "REACH reach_cdf failed for 2025-09-01"
    assert alert.fields == (  # in this order
        ("Day", "2025-09-01"),
        ("Asset", "reach_cdf"),
        ("Error", "CdfCheckFailed"),
        ("Input file", "/data/in/REACH-ALL_x.csv"),
    )
    assert alert.detail == "2025-09-01: bad rows in the file"
    assert alert.link == ("Open the run", f"{BASE}/runs/run-1234")


def test_a_huge_error_message_is_clipped():
    big = DayFailure(D, "reach_cdf", "ValueError", "x" * 10_000)
    assert len(day_failure_alert(big, "r", "-", BASE).detail) == 1500


def test_backfill_summary_counts_and_lists_the_failed_days():
    tally = BackfillTally(
        backfill_id="abcdefgh",
        status="COMPLETED_FAILED",
        requested=days(5),
        materialized=[days(5)[0], days(5)[2]],
        failed=[failure(days(5)[1]), failure(days(5)[3], "MalformedRow")],
        skipped=[days(5)[4]],
        not_run=[],
    )
    alert = backfill_summary_alert(tally, BASE)
    assert alert.title == "REACH backfill abcdefgh ended: 2 of 5 days failed"
    assert dict(alert.fields) == {
        "Materialized": "2",
        "Failed": "2",
        "Skipped (no input)": "1",
        "Status": "COMPLETED_FAILED",
    }
    assert alert.detail.splitlines() == [
        "Failed days:",
        "2025-09-02  reach_cdf  CdfCheckFailed",
        "2025-09-04  reach_cdf  MalformedRow",
    ]
    assert alert.link == ("Open the backfill", f"{BASE}/runs/b/abcdefgh")


def test_backfill_summary_lists_at_most_twenty_failed_days():
    failed = [failure(d) for d in days(33)]
    tally = BackfillTally("b", "COMPLETED_FAILED", days(33), [], failed, [], [])
    lines = backfill_summary_alert(tally, BASE).detail.splitlines()
    assert len(lines) == 1 + 20 + 1
    assert lines[-2].startswith("2025-09-20")
    assert lines[-1] == "and 13 more"


def test_backfill_summary_without_failures_says_so():
    tally = BackfillTally("b", "COMPLETED_SUCCESS", days(3), days(3), [], [], [])
    alert = backfill_summary_alert(tally, BASE)
    assert alert.title == "REACH backfill b ended: no day failed (3 days)"
    assert alert.detail == ""


def test_missing_day_alert():
    alert = missing_day_alert(
        D, dt.time(8, 0), "none in /data/in", "SKIPPED_NO_INPUT", BASE, LateStage.INPUT
    )
    assert alert.title == "REACH: no L1C for 2025-09-01 by 08:00 UTC: no input file yet"
    assert dict(alert.fields)["Late stage"] == "download (no input file yet)"
    assert dict(alert.fields)["Telemetry"] == "SKIPPED_NO_INPUT"
    assert alert.link[1] == f"{BASE}/assets/reach_cdf?view=partitions&partition=2025-09-01"


def test_missing_day_alert_with_its_input_there():
    arrived = dt.datetime(2025, 9, 2, 3, 10, tzinfo=dt.UTC)
    alert = missing_day_alert(
        D, dt.time(8, 0), "/data/in/x.csv", "FAILED (E: m)", BASE, LateStage.FAILED, arrived
    )
    assert (
        alert.title == "REACH: no L1C for 2025-09-01 by 08:00 UTC: input there, processing failed"
    )
    assert dict(alert.fields)["Late stage"] == (
        "processing (input there, processing failed; the input arrived 2025-09-02 03:10 UTC)"
    )


@pytest.mark.parametrize(
    ("has_input", "status", "late"),
    [
        (False, None, LateStage.INPUT),
        (False, "SKIPPED_NO_INPUT", LateStage.INPUT),
        (True, None, LateStage.PROCESSING),
        (True, "SKIPPED_NO_INPUT", LateStage.PROCESSING),  # the file came after the run
        (True, "PROCESS_PENDING", LateStage.PROCESSING),
        (True, "FAILED", LateStage.FAILED),
    ],
)
def test_late_stage(has_input, status, late):
    assert late_stage(has_input, status) is late


# ----------------------------------------------------------------------------- the facts


def record(day: str, error_type: str, message: str, asset: str = "reach_cdf") -> dict:
    return {"day": day, "asset": asset, "error_type": error_type, "message": message}


def test_a_failure_goes_through_its_record_unchanged():
    sent = DayFailure(D, "reach_geomap", "GeomapCheckFailed", "a: b\nc", "/data/l1c.cdf")
    assert failures_of([sent.as_record()], "reach_cdf") == [sent]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [record("2025-09-01", "CdfCheckFailed", "the CDF is not valid: x: y")],
            [("2025-09-01", "CdfCheckFailed", "the CDF is not valid: x: y", "reach_cdf")],
        ),
        (
            [record("2025-09-01", "A", "one"), record("2025-09-03", "B", "two", "")],
            [("2025-09-01", "A", "one", "reach_cdf"), ("2025-09-03", "B", "two", "reach_day")],
        ),
        (
            [record("2025-09-01", "UploadError", "refused: twice", "reach_cdf_s3")],
            [("2025-09-01", "UploadError", "refused: twice", "reach_cdf_s3")],
        ),
        (None, []),
        ([], []),
        ({"day": "2025-09-01"}, []),
        ([record("2025-09-01", "A", "one"), {"day": "2025-09-02"}], []),
        ([record("2025-13-01", "A", "not a day")], []),
        ([record("2025-09-01", "A", 3)], []),
        (["2025-09-01 reach_cdf: A: a line of text"], []),
    ],
)
def test_failures_of_records(records, expected):
    failures = failures_of(records, "reach_day")
    assert [(f.day.isoformat(), f.error_type, f.message, f.asset) for f in failures] == expected


@pytest.mark.parametrize(
    ("cls_name", "message", "expected"),
    [
        ("ValueError", "ValueError: bad value\n", ("ValueError", "bad value")),
        (
            "Failure",
            "dagster._core.definitions.events.Failure: no bucket",
            ("Failure", "no bucket"),
        ),
        ("KeyError", "something else: x", ("KeyError", "something else: x")),
        (None, "boom", ("Error", "boom")),
    ],
)
def test_error_parts(cls_name, message, expected):
    assert error_parts(cls_name, message) == expected


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [(D, D, 1), (D, dt.date(2025, 9, 5), 5), (dt.date(2024, 2, 28), dt.date(2024, 3, 1), 3)],
)
def test_days_between(first, last, count):
    result = days_between(first, last)
    assert len(result) == count and result[0] == first and result[-1] == last


@pytest.mark.parametrize(
    ("now", "lag", "deadline", "expected"),
    [
        ("2026-03-10T07:59:59+00:00", 2, dt.time(8, 0), None),
        ("2026-03-10T08:00:00+00:00", 2, dt.time(8, 0), dt.date(2026, 3, 8)),
        ("2026-03-10T23:59:00+00:00", 0, dt.time(8, 0), dt.date(2026, 3, 10)),
        ("2026-03-10T01:30:00+02:00", 1, dt.time(0, 0), dt.date(2026, 3, 8)),  # 23:30 UTC on 9th
        ("2026-03-01T12:00:00+00:00", 1, dt.time(12, 0), dt.date(2026, 2, 28)),
    ],
)
def test_due_day(now, lag, deadline, expected):
    assert due_day(dt.datetime.fromisoformat(now), lag, deadline) == expected


def changed(values: int, rel: float = 0.1) -> ChangeReport:
    dose = VariableChange("dose_rate", values, 1000, 1e-6, rel)
    return ChangeReport(Verdict.DATA_CHANGED, variables=(dose,))


def test_backfill_summary_counts_changed_and_unchanged_days_and_names_the_most_changed():
    ds = days(9)
    reports = {d: changed(n) for n, d in enumerate(ds[:7], start=1)}
    reports[ds[7]] = ChangeReport(Verdict.NO_CHANGE)
    reports[ds[8]] = ChangeReport(Verdict.METADATA_ONLY, ("PI_name",))
    tally = BackfillTally(
        "b", "COMPLETED_FAILED", [*ds, days(1, ds[-1])[0]], ds, [failure(D)], [], [], reports
    )
    alert = backfill_summary_alert(tally, BASE)
    fields = dict(alert.fields)
    assert (fields["Changed (data)"], fields["Changed (metadata only)"]) == ("7", "1")
    assert (fields["Unchanged"], fields["Failed"]) == ("1", "1")
    most = alert.detail.split("Most changed days:\n")[1].splitlines()
    assert [line.split()[0] for line in most] == [d.isoformat() for d in ds[6:1:-1]]
    assert most[0].endswith("DATA_CHANGED: dose_rate 7/1000 (max abs 1e-06, rel 0.1)")


def test_a_backfill_of_new_days_says_nothing_of_changes():
    tally = BackfillTally("b", "COMPLETED_SUCCESS", days(2), days(2), [], [], [])
    tally.changes.update({d: NEW_PRODUCT for d in days(2)})
    assert "Unchanged" not in dict(backfill_summary_alert(tally, BASE).fields)


def test_the_tally_keeps_the_change_of_each_materialized_days_last_run():
    d1, d2 = days(2)
    first = RunDays(days=[d1, d2], materialized={d1, d2}, changes={d1: changed(1), d2: changed(2)})
    again = RunDays(days=[d2], failures=[failure(d2)])
    tally = tally_backfill("b", "COMPLETED_FAILED", days(2), [first, again])
    assert tally.changes == {d1: changed(1)}


def test_tally_each_day_ends_as_its_last_run_says():
    d1, d2, d3, d4, d5 = days(5)
    first = RunDays(days=[d1, d2, d3], materialized={d1}, failures=[failure(d2), failure(d3)])
    retry = RunDays(days=[d2], materialized={d2})
    skipped = RunDays(days=[d4], skipped={d4})
    tally = tally_backfill("b", "COMPLETED_FAILED", days(5), [first, retry, skipped])
    assert tally.materialized == [d1, d2]
    assert [f.day for f in tally.failed] == [d3]
    assert tally.skipped == [d4]
    assert tally.not_run == [d5]
    assert tally.requested == days(5)


def test_tally_without_requested_days_counts_the_runs_days():
    run = RunDays(days=days(2), materialized=set(days(2)))
    tally = tally_backfill("b", "COMPLETED_SUCCESS", [], [run])
    assert tally.requested == days(2) and tally.not_run == []
