"""Fixtures for the alert tests: recording servers on loopback, a closed port, a logger
whose lines the test reads, and no alert settings leaking from the machine."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from reach_pipeline.settings import ENV_VARS
from reach_pipeline_tests.support.ports import free_ports
from reach_pipeline_tests.support.webhook_server import WebhookServer

SENTINEL = "SENTINEL-SECRET-7f3a9c"  # in every webhook path and token the tests configure


@pytest.fixture(autouse=True)
def _clean_reach_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def _server(mode: str) -> Iterator[WebhookServer]:
    with WebhookServer(mode) as server:
        yield server


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    yield from _server("ok")


@pytest.fixture
def failing_webhook() -> Iterator[WebhookServer]:
    yield from _server("error")


@pytest.fixture
def hanging_webhook() -> Iterator[WebhookServer]:
    yield from _server("hang")


@pytest.fixture
def slack_api() -> Iterator[WebhookServer]:
    yield from _server("slack")


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_ports(1)[0]}/services/{SENTINEL}"


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def log_lines() -> Iterator[tuple[logging.Logger, list[str]]]:
    logger = logging.getLogger(f"reach_alerts_test.{id(object())}")
    handler = Lines()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, handler.lines
    logger.removeHandler(handler)
