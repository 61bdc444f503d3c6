"""Where alerts go: an incoming webhook (JSON POST with urllib) or the Slack Web API.

``send(payload)`` makes one attempt with a short timeout and raises ``NotDelivered`` with
a one-line reason (no URL path, no token) when it fails. Nothing here retries.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from .redact import describe_url

TIMEOUT_S = 5.0


class NotDelivered(Exception):
    """The destination did not take the alert; the message says why, without secrets."""


class WebhookDestination:
    def __init__(self, url: str, timeout_s: float = TIMEOUT_S):
        self._url = url
        self.timeout_s = timeout_s
        self.label = f"webhook {describe_url(url)}"

    def send(self, payload: dict) -> None:
        request = urllib.request.Request(
            self._url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            raise NotDelivered(f"answered HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise NotDelivered(f"did not answer: {exc.reason}") from None
        except (TimeoutError, OSError) as exc:  # a read timeout, a reset connection
            raise NotDelivered(f"did not answer within {self.timeout_s:g} s: {exc}") from None


class SlackDestination:
    """``chat.postMessage`` through a ``slack_sdk.WebClient`` (dagster-slack's
    ``SlackResource.get_client()``), one attempt: its retry handlers are removed."""

    def __init__(self, client, channel: str, base_url: str, timeout_s: float = TIMEOUT_S):
        client.base_url = base_url if base_url.endswith("/") else base_url + "/"
        client.timeout = timeout_s
        client.retry_handlers = []
        self._client = client
        self.channel = channel
        self.label = f"Slack {channel} via {describe_url(base_url)}"

    def send(self, payload: dict) -> None:
        from slack_sdk.errors import SlackApiError, SlackClientError

        try:
            self._client.chat_postMessage(
                channel=self.channel, text=payload["text"], blocks=payload["blocks"]
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            raise NotDelivered(f"Slack refused it: {error or exc}") from None
        except SlackClientError as exc:
            raise NotDelivered(f"Slack client error: {exc}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise NotDelivered(f"did not answer within {self.timeout_s:g} s: {exc}") from None
