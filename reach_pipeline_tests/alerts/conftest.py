"""Fixtures for the alert tests: recording servers on loopback, a closed port, a logger
whose lines the test reads, an ephemeral instance with its settings (the root conftest
keeps the machine's settings out)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance

from reach_pipeline.defs.resources import ReachSettings
from reach_pipeline_tests.support.alert_logs import SENTINEL, Lines
from reach_pipeline_tests.support.ports import free_ports
from reach_pipeline_tests.support.webhook_server import WebhookServer


def _server_fixture(name: str, mode: str):
    """A fixture ``name``: a recording server on loopback answering as ``mode`` says."""

    @pytest.fixture(name=name)
    def server() -> Iterator[WebhookServer]:
        with WebhookServer(mode) as started:
            yield started

    return server


webhook = _server_fixture("webhook", "ok")
failing_webhook = _server_fixture("failing_webhook", "error")
hanging_webhook = _server_fixture("hanging_webhook", "hang")
slack_api = _server_fixture("slack_api", "slack")


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as inst:
        yield inst


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    """The day files' folder, empty (a module that wants days overrides this fixture)."""
    folder = tmp_path / "in"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(input_dir: Path, tmp_path: Path) -> ReachSettings:
    return ReachSettings(input_dir=str(input_dir), output_dir=str(tmp_path / "out"))


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_ports(1)[0]}/services/{SENTINEL}"


@pytest.fixture
def log_lines() -> Iterator[tuple[logging.Logger, list[str]]]:
    logger = logging.getLogger(f"reach_alerts_test.{id(object())}")
    handler = Lines()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, handler.lines
    logger.removeHandler(handler)
