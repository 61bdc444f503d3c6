"""A service that does not answer: a skip with the reason, a failure when required (CI)."""

from __future__ import annotations

import pytest

from .ports import free_ports
from .services import ServiceUnavailable, check_rabbitmq, check_redis, services_required

UNREACHABLE = [
    (check_rabbitmq, "pyamqp://guest:guest@127.0.0.1:{port}//", "RabbitMQ"),
    (check_redis, "redis://127.0.0.1:{port}/0", "Redis"),
]


# the port is found when the test runs: ids found at collection differ between xdist workers
@pytest.mark.parametrize(("check", "template", "name"), UNREACHABLE, ids=["RabbitMQ", "Redis"])
def test_an_unreachable_service_is_named(check, template, name):
    url = template.format(port=free_ports(1)[0])  # nothing listens on a port just found free
    with pytest.raises(ServiceUnavailable, match=f"{name} is not reachable at {url}"):
        check(url)


@pytest.mark.parametrize(
    ("required", "outcome"), [("", pytest.skip.Exception), ("1", pytest.fail.Exception)]
)
def test_unavailable_skips_unless_required(monkeypatch, required, outcome):
    monkeypatch.setenv("REACH_REQUIRE_SERVICES", required)
    with pytest.raises(outcome, match="Redis is not reachable"):
        with services_required():
            check_redis(f"redis://127.0.0.1:{free_ports(1)[0]}/0")  # closed
