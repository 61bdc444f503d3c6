"""Posting to real HTTP servers on loopback: a webhook, the Slack Web API (through
dagster-slack's SlackResource), and destinations that fail in each way they can."""

from __future__ import annotations

import time

import pytest
from dagster_slack import SlackResource

from reach_pipeline.alerts.destinations import NotDelivered, SlackDestination, WebhookDestination
from reach_pipeline.alerts.dispatch import Dispatcher
from reach_pipeline.alerts.message import Alert
from reach_pipeline_tests.support.alert_logs import SENTINEL
from reach_pipeline_tests.support.webhook_server import WebhookServer

ALERT = Alert(
    title="REACH reach_cdf failed for 2025-09-01",
    fields=(("Day", "2025-09-01"),),
    detail="boom",
    link=("Open the run", "http://127.0.0.1:3000/runs/r1"),
    kind="day failure",
)


def hook_url(server: WebhookServer) -> str:
    return server.url(f"/services/T1/B1/{SENTINEL}")


def test_webhook_posts_json_with_text_and_blocks(webhook):
    WebhookDestination(hook_url(webhook)).send(ALERT.payload())
    [request] = webhook.wait_for(1)
    assert request.path == f"/services/T1/B1/{SENTINEL}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == ALERT.payload()


def test_webhook_answering_500_is_not_delivered(failing_webhook):
    with pytest.raises(NotDelivered, match=r"^answered HTTP 500"):
        WebhookDestination(hook_url(failing_webhook)).send(ALERT.payload())
    assert len(failing_webhook.wait_for(1)) == 1  # one attempt, no retry


def test_closed_port_is_not_delivered(closed_port_url):
    with pytest.raises(NotDelivered, match="did not answer") as info:
        WebhookDestination(closed_port_url).send(ALERT.payload())
    assert SENTINEL not in str(info.value)


def test_a_hanging_webhook_is_given_up_at_the_timeout(hanging_webhook):
    destination = WebhookDestination(hook_url(hanging_webhook), timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(NotDelivered, match="did not answer") as info:
        destination.send(ALERT.payload())
    waited = time.monotonic() - started
    assert len(hanging_webhook.wait_for(1)) == 1
    assert waited < 30  # bounded by the timeout, not by the server (which never answers)
    assert SENTINEL not in str(info.value)


def slack_destination(server: WebhookServer, channel: str = "#reach-alerts") -> SlackDestination:
    client = SlackResource(token=f"xoxb-{SENTINEL}").get_client()
    return SlackDestination(client, channel, server.url("/api/"), timeout_s=2.0)


def test_slack_through_dagster_slack(slack_api):
    slack_destination(slack_api).send(ALERT.payload())
    [request] = slack_api.wait_for(1)
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer xoxb-{SENTINEL}"
    body = request.json()
    assert body["channel"] == "#reach-alerts"
    assert body["text"] == ALERT.text()
    assert body["blocks"] == ALERT.blocks()


def test_slack_refusing_is_not_delivered_and_not_retried():
    with WebhookServer("slack-error") as server:
        with pytest.raises(NotDelivered, match="channel_not_found") as info:
            slack_destination(server).send(ALERT.payload())
        assert len(server.wait_for(1)) == 1
    assert SENTINEL not in str(info.value)


def test_slack_answering_500_is_tried_once(failing_webhook):
    with pytest.raises(NotDelivered) as info:
        slack_destination(failing_webhook).send(ALERT.payload())
    assert len(failing_webhook.requests) == 1
    assert SENTINEL not in str(info.value)


def test_a_failing_destination_is_logged_once_and_the_others_still_get_every_alert(
    webhook, closed_port_url, log_lines
):
    logger, lines = log_lines
    broken = WebhookDestination(closed_port_url)
    working = WebhookDestination(hook_url(webhook))
    sender = Dispatcher([broken, working], secrets=[closed_port_url], log=logger)
    took = [sender.send(ALERT) for _ in range(3)]
    assert took == [1, 1, 1]
    assert len(webhook.wait_for(3)) == 3
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1, lines
    assert "alert not delivered to webhook http://127.0.0.1:" in warnings[0]
    assert "Not retried" in warnings[0]
    assert SENTINEL not in "\n".join(lines)


def test_what_is_posted_is_redacted(webhook, log_lines):
    logger, _ = log_lines
    secret = "aws-secret-access-key-value"
    leaky = Alert(title="failed", detail=f"S3 said: bad key {secret} and AKIAABCDEFGHIJKLMNOP")
    Dispatcher([WebhookDestination(hook_url(webhook))], [secret], logger).send(leaky)
    [request] = webhook.wait_for(1)
    assert secret.encode() not in request.body
    assert b"AKIAABCDEFGHIJKLMNOP" not in request.body
    assert b"[redacted]" in request.body


def test_an_unexpected_error_in_a_destination_does_not_escape(log_lines):
    logger, lines = log_lines

    class Broken:  # a destination whose client raises something unforeseen
        label = "broken"

        def send(self, payload):
            raise RuntimeError("unforeseen")

    assert Dispatcher([Broken()], [], logger).send(ALERT) == 0
    assert any("RuntimeError: unforeseen" in line for line in lines)
