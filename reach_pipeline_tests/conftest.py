"""Fixtures every tier shares: the bundled data, the session's S3 server, and none of the
developer's REACH_*/DAGSTER_* settings (helpers in ``reach_pipeline_tests.support``)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import DagsterInstance

from reach_pipeline_tests.support.data import S3_BUCKET
from reach_pipeline_tests.support.environment import developer_variables
from reach_pipeline_tests.support.s3server import S3Server


def pytest_configure(config: pytest.Config) -> None:
    """The developer's settings go before any test module is imported (the code location
    reads a few at load) and before any worker or subprocess is started (they inherit it)."""
    for name in developer_variables(os.environ):
        del os.environ[name]
    stop_signals_as_at_a_terminal()


def stop_signals_as_at_a_terminal() -> None:
    """SIGINT and SIGTERM not ignored in this process, as when pytest runs at a terminal
    (a real SIGINT to a test raises KeyboardInterrupt, as the interrupt tests need).

    A run started as a background job inherits SIGINT ignored, and Python keeps it so.
    After each in-process Dagster run in the main thread, Dagster gives SIGTERM the handler
    SIGINT has (``setup_interrupt_handlers``): ignored too from then on. Every process
    started afterwards then ignores SIGTERM, Dagster's own compute-log ``tail`` included,
    which outlives its 30 s wait for the end and the suite itself."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first, the longest first (``slow(N)``: about N seconds in a full run),
    the others in their order: on several processes the suite then ends with short tests
    rather than waiting for a long one handed out last."""
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None, -_seconds(item)))


def _seconds(item: pytest.Item) -> float:
    slow = item.get_closest_marker("slow")
    return slow.args[0] if slow is not None and slow.args else 0.0


@pytest.fixture(autouse=True)
def _no_developer_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """And none set since (by a test that did not undo its change) reaches the next test."""
    for name in developer_variables(os.environ):
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One real S3 server (SeaweedFS) for the whole session, stopped by PID at the end."""
    server = S3Server(tmp_path_factory.mktemp("seaweedfs"), S3_BUCKET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, s3_server):
    """The normal AWS environment chain pointed at the test server's credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "REACH_S3_BUCKET", "REACH_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return s3_server


@pytest.fixture
def s3_client(aws_env):
    return aws_env.client()


@pytest.fixture
def persistent_instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    """A persistent (SQLite) instance in the test's temp folder: sensor and schedule
    contexts refuse an ephemeral one, and where a test reads the runs while a run's thread
    writes them, an ephemeral (in-memory, shared-cache) one refuses the read at once under
    load ("database table is locked") where one on disk waits for the writer."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(str(home)) as inst:
        yield inst
