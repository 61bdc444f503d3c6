"""The run-failure sensor on real failed runs of a real instance, posting to a real
server on loopback: one message per failed day, none for a backfill's runs, nothing (but
one log line) when the destination fails, no secret anywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dagster import DagsterEventType, SkipReason

from reach_pipeline.defs.alerts import NO_DESTINATION
from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.support.alert_logs import SENTINEL
from reach_pipeline_tests.support.alert_processors import LEAKY, SECRET_FILE

from .sensors import BAD, BAD_1, BAD_2, GOOD, evaluate_failure_sensor, fill_input, run

pytestmark = pytest.mark.integration


@pytest.fixture
def input_dir(input_dir):
    fill_input(input_dir)
    return input_dir


@pytest.fixture
def webhook_env(webhook, monkeypatch):
    monkeypatch.setenv("REACH_ALERT_WEBHOOK_URL", webhook.url(f"/services/T1/B1/{SENTINEL}"))
    monkeypatch.setenv("REACH_UI_BASE_URL", "https://dagster.example.org")
    return webhook


def test_one_message_per_failed_day_of_a_ranged_run(instance, settings, input_dir, webhook_env):
    result = run(instance, settings, days=(BAD_1, BAD_2))  # 01 bad, 02 03 good, 04 bad
    returned, lines = evaluate_failure_sensor(instance, result, settings)

    assert returned is None
    bodies = webhook_env.bodies()
    assert len(bodies) == 2, bodies
    titles = [b["text"].splitlines()[0] for b in bodies]
    assert titles == [
        "REACH reach_cdf failed for 2026-01-01",
        "REACH reach_cdf failed for 2026-01-04",
    ]
    for day, body in zip((BAD_1, BAD_2), bodies, strict=True):
        text = body["text"]
        assert f"Day: {day}" in text and "Asset: reach_cdf" in text
        assert BAD[day].phrase in text  # the day's own error message
        assert re.search(r"^Error: \w+$", text, re.MULTILINE), text
        input_file = next(input_dir.glob(f"REACH-ALL_{day:%Y%m%d}T000000_*"))
        assert f"Input file: {input_file}" in text
        assert f"https://dagster.example.org/runs/{result.run_id}" in text
        assert "Steps failed" not in text  # the day's own error, not Dagster's summary
        assert [b["type"] for b in body["blocks"]] == ["header", "section", "section", "section"]
    assert any("2 failed day(s), alerts posted" in line for line in lines)


def test_a_one_day_run_names_the_days_own_error(instance, settings, webhook_env):
    result = run(instance, settings, day=BAD_1)
    evaluate_failure_sensor(instance, result, settings)
    [body] = webhook_env.bodies()
    lines = body["text"].splitlines()
    assert lines[:4] == [
        "REACH reach_cdf failed for 2026-01-01",
        "Day: 2026-01-01",
        "Asset: reach_cdf",
        "Error: ReachInputError",
    ]
    assert "file is empty" in body["text"]
    print(body)  # the closing note quotes one


def test_an_operators_mistake_is_posted_with_its_message(
    instance, settings, webhook_env, monkeypatch
):
    """A malformed setting fails the run with a SettingsError, not a day's error line."""
    monkeypatch.setenv("REACH_PROCESS_TIMEOUT_S", "1h")
    result = run(instance, settings, day=GOOD[0])
    evaluate_failure_sensor(instance, result, settings)
    [body] = webhook_env.bodies()
    assert body["text"].startswith("REACH reach_cdf failed for 2026-01-02\n")
    assert "REACH_PROCESS_TIMEOUT_S must be a number of seconds" in body["text"]


def test_runs_of_a_backfill_are_not_posted_one_by_one(instance, settings, webhook_env):
    result = run(instance, settings, day=BAD_1, tags={"dagster/backfill": "abcdefgh"})
    returned, lines = evaluate_failure_sensor(instance, result, settings)
    assert returned is None
    assert webhook_env.requests == []
    assert any("inside backfill abcdefgh" in line for line in lines)


def test_no_destination_skips_saying_so(instance, settings, webhook):
    result = run(instance, settings, day=BAD_1)
    returned, _ = evaluate_failure_sensor(instance, result, settings)
    assert isinstance(returned, SkipReason)
    assert returned.skip_message == NO_DESTINATION
    assert webhook.requests == []


@pytest.mark.parametrize("how", ["closed port", "HTTP 500", "hangs past the timeout"])
def test_a_destination_that_fails_is_logged_once_and_fails_nothing(
    how, instance, settings, monkeypatch, request
):
    if how == "closed port":
        url, server = request.getfixturevalue("closed_port_url"), None
    else:
        server = request.getfixturevalue(
            "failing_webhook" if how == "HTTP 500" else "hanging_webhook"
        )
        url = server.url(f"/services/{SENTINEL}")
    monkeypatch.setenv("REACH_ALERT_WEBHOOK_URL", url)
    result = run(instance, settings, days=(BAD_1, BAD_2))  # two failed days

    returned, lines = evaluate_failure_sensor(instance, result, settings)

    assert returned is None  # the tick goes on
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1, lines
    assert "alert not delivered to webhook http://127.0.0.1:" in warnings[0]
    assert SENTINEL not in "\n".join(lines)
    if server is not None:
        assert len(server.requests) == 1  # the second day was not tried: no loop
    # the run's own result is what the run said, nothing was added by the sensor
    assert [e.event_type for e in result.all_events if e.is_failure][-1] == (
        DagsterEventType.RUN_FAILURE
    )


def test_slack_destination_through_dagster_slack(instance, settings, slack_api, monkeypatch):
    monkeypatch.setenv("REACH_SLACK_TOKEN", f"xoxb-{SENTINEL}")
    monkeypatch.setenv("REACH_SLACK_CHANNEL", "#reach-alerts")
    monkeypatch.setenv("REACH_SLACK_API_URL", slack_api.url("/api/"))
    result = run(instance, settings, day=BAD_2)
    evaluate_failure_sensor(instance, result, settings)
    [request] = slack_api.requests
    assert request.path == "/api/chat.postMessage"
    body = request.json()
    assert body["channel"] == "#reach-alerts"
    assert body["text"].startswith("REACH reach_cdf failed for 2026-01-04")
    assert SENTINEL not in request.body.decode()


def test_no_secret_in_a_message_a_log_line_or_metadata(
    instance, input_dir, tmp_path, webhook_env, monkeypatch
):
    aws_secret = f"aws-{SENTINEL}-key"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_secret)
    (input_dir / SECRET_FILE).write_text(aws_secret)
    settings = ReachSettings(
        input_dir=str(input_dir), output_dir=str(tmp_path / "out"), processor=LEAKY
    )
    result = run(instance, settings, day=GOOD[0])  # the processor quotes the secret
    _, lines = evaluate_failure_sensor(instance, result, settings)

    [request] = webhook_env.requests
    posted = request.body.decode()
    assert "UploadRefused" in posted and "[redacted]" in posted
    assert SENTINEL not in posted and SENTINEL not in request.path.replace(SENTINEL, "", 1)
    assert SENTINEL not in "\n".join(lines)
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE)
    user = failure.step_failure_data.user_failure_data
    assert SENTINEL not in user.description
    assert all(SENTINEL not in str(v.value) for v in user.metadata.values())


def test_the_input_file_line_says_where_none_was_found(
    instance, settings, input_dir, webhook_env, monkeypatch
):
    """A day that fails at the upload stage may have no input any more: say where we looked.
    (A bucket is set, so the upload is tried: it fails at once, the day having no CDF; the
    loopback endpoint is never reached.)"""
    monkeypatch.setenv("REACH_S3_BUCKET", "reach-alerts-test")
    monkeypatch.setenv("REACH_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    day = dt.date(2026, 1, 9)
    result = run(instance, settings, day=day, selection=("reach_cdf_s3",))
    evaluate_failure_sensor(instance, result, settings)
    [body] = webhook_env.bodies()
    assert f"Input file: none in {input_dir}" in body["text"]
