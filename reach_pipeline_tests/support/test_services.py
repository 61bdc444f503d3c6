"""A service that does not answer: a skip with the reason, a failure when required (CI)."""

from __future__ import annotations

import pytest

from .ports import free_ports
from .services import ServiceUnavailable, check_rabbitmq, check_redis, services_required

# nothing listens on a port just found free on loopback
CLOSED = free_ports(1)[0]
UNREACHABLE = [
    (check_rabbitmq, f"pyamqp://guest:guest@127.0.0.1:{CLOSED}//", "RabbitMQ"),
    (check_redis, f"redis://127.0.0.1:{CLOSED}/0", "Redis"),
]


@pytest.mark.parametrize(("check", "url", "name"), UNREACHABLE)
def test_an_unreachable_service_is_named(check, url, name):
    with pytest.raises(ServiceUnavailable, match=f"{name} is not reachable at {url}"):
        check(url)


@pytest.mark.parametrize(
    ("required", "outcome"), [("", pytest.skip.Exception), ("1", pytest.fail.Exception)]
)
def test_unavailable_skips_unless_required(monkeypatch, required, outcome):
    monkeypatch.setenv("REACH_REQUIRE_SERVICES", required)
    with pytest.raises(outcome, match="Redis is not reachable"):
        with services_required():
            check_redis(f"redis://127.0.0.1:{CLOSED}/0")
