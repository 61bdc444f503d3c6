"""No secret in a message or a log line: values and shapes, masked."""

from __future__ import annotations

import pytest

from reach_pipeline.alerts.redact import (
    MASK,
    describe_url,
    environment_secrets,
    redact,
    redact_payload,
    url_secrets,
)

HOOK = "https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnop"


@pytest.mark.parametrize(
    ("text", "secret_part"),
    [
        (f"posting to {HOOK} failed", "T0000/B0000/abcdefghijklmnop"),
        ("token xoxb-1234-5678-abcdefABCDEF refused", "xoxb-1234-5678-abcdefABCDEF"),
        ("app token xapp-1-A111-222-abc", "xapp-1-A111-222-abc"),
        ("key AKIAABCDEFGHIJKLMNOP in the error", "AKIAABCDEFGHIJKLMNOP"),
        (
            "https://prod-01.westus.logic.azure.com/workflows/1/triggers/manual/paths/invoke"
            "?api-version=2016-06-01&sp=%2Ftriggers&sig=SIGNATUREvalue123",
            "SIGNATUREvalue123",
        ),
        ("https://x.webhook.office.com/webhookb2/abc-def@ghi/IncomingWebhook/xyz", "abc-def@ghi"),
        ("https://chat.example.org/hooks/k5bq9xr8sfy7jcz", "k5bq9xr8sfy7jcz"),
        ("s3://b/k?X-Amz-Signature=deadbeef&X-Amz-Credential=AK/2025", "deadbeef"),
        ("postgresql://reach:hunter2hunter2@db:5432/reach", "hunter2hunter2"),
    ],
)
def test_secret_shapes_are_masked(text, secret_part):
    masked = redact(text)
    assert secret_part not in masked
    assert MASK in masked


def test_known_values_are_masked_wherever_they_appear():
    secret = "s3cr3t-VALUE-0042"
    text = f"failed: {secret}; again {secret}"
    assert redact(text, [secret]) == f"failed: {MASK}; again {MASK}"


@pytest.mark.parametrize("short", ["k", "s", "abc1234"])
def test_short_values_are_not_masked_by_value(short):
    """A test credential like "k" would otherwise mask every letter k."""
    assert redact("keep this kind of text", [short]) == "keep this kind of text"


def test_a_webhook_url_and_its_path_are_both_secrets():
    url = "http://127.0.0.1:8080/services/SENTINEL-0001?x=1"
    secrets = url_secrets(url)
    assert secrets == (url, "/services/SENTINEL-0001?x=1")
    assert "SENTINEL" not in redact("POST /services/SENTINEL-0001?x=1 -> 500", secrets)
    assert url_secrets("") == ()


def test_environment_secrets():
    environ = {
        "REACH_SLACK_TOKEN": "xoxb-token-value",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-value-1",
        "REACH_ALERT_WEBHOOK_URL": "https://example.org/hook/SENTINEL-PATH",
        "REACH_INPUT_DIR": "/not/a/secret",
        "AWS_SESSION_TOKEN": "",
    }
    found = environment_secrets(environ)
    assert "xoxb-token-value" in found and "aws-secret-value-1" in found
    assert "/hook/SENTINEL-PATH" in found
    assert "/not/a/secret" not in found and "" not in found


def test_redact_payload_reaches_every_string():
    secret = "SENTINEL-SECRET-99"
    payload = {
        "text": f"a {secret}",
        "blocks": [{"type": "section", "fields": [{"text": f"*x*\n{secret}"}]}],
        "n": 3,
    }
    redacted = redact_payload(payload, [secret])
    assert secret not in repr(redacted)
    assert redacted["n"] == 3
    assert redacted["blocks"][0]["fields"][0]["text"] == f"*x*\n{MASK}"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (HOOK, "https://hooks.slack.com/…"),
        ("http://127.0.0.1:8099/services/SECRET", "http://127.0.0.1:8099/…"),
        ("https://user:pw@example.org/x?sig=1", "https://example.org/…"),
        ("http://example.org:notaport/x", "http://example.org/…"),
    ],
)
def test_describe_url_shows_only_scheme_host_and_port(url, shown):
    assert describe_url(url) == shown
