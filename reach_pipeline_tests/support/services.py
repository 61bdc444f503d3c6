"""The machine's services (PostgreSQL, RabbitMQ, Redis) for the tests that need them.

A test that needs a service skips with the reason when the service is not reachable, except
under ``REACH_REQUIRE_SERVICES=1`` (CI), where the missing service is a failure.

(``fresh_postgres_database`` repeats the few lines of ``test_production_instance``'s fixture
that another change moves into ``support/``; one of the two can go once both are in.)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
RABBITMQ_URL = "pyamqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_S = 3


def unavailable(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when the services are required (CI)."""
    if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def require_rabbitmq(url: str = RABBITMQ_URL) -> None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        unavailable(f"RabbitMQ is not reachable at {url}: {exc}")


def require_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {url}: {exc}")


def _postgres_admin():
    import psycopg2

    try:
        conn = psycopg2.connect(dbname="postgres", connect_timeout=CONNECT_TIMEOUT_S, **POSTGRES)
    except psycopg2.OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable on {POSTGRES['host']}:{POSTGRES['port']}: {exc}")
    conn.autocommit = True
    return conn


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database for one test (its name), dropped afterwards."""
    conn = _postgres_admin()
    name = f"reach_test_{uuid.uuid4().hex[:10]}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()


def postgres_env(database: str) -> dict[str, str]:
    """The ``REACH_PG_*`` variables of ``deploy/*.yaml`` for ``database``."""
    return {
        "REACH_PG_HOST": POSTGRES["host"],
        "REACH_PG_PORT": str(POSTGRES["port"]),
        "REACH_PG_USER": POSTGRES["user"],
        "REACH_PG_PASSWORD": "",
        "REACH_PG_DB": database,
    }
