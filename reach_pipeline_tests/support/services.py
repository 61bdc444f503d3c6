"""The machine's services (PostgreSQL, RabbitMQ, Redis) for the tests that need them.

The checks raise :class:`ServiceUnavailable` (the benchmarks report it); in a test,
``services_required()`` turns it into a skip with the reason, or into a failure under
``REACH_REQUIRE_SERVICES=1`` (CI).

``postgres.fresh_database()`` is the per-test database built on ``create_database`` and
``drop_database``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
RABBITMQ_URL = "pyamqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_S = 3


class ServiceUnavailable(RuntimeError):
    """A service the caller needs does not answer."""


@contextmanager
def services_required() -> Iterator[None]:
    """In a test: a :class:`ServiceUnavailable` inside skips the test with the reason, or
    fails it when the services are required (``REACH_REQUIRE_SERVICES=1``, CI)."""
    import pytest

    try:
        yield
    except ServiceUnavailable as exc:
        if os.environ.get("REACH_REQUIRE_SERVICES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def check_rabbitmq(url: str = RABBITMQ_URL) -> None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        raise ServiceUnavailable(f"RabbitMQ is not reachable at {url}: {exc}") from None


def check_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S).ping()
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is not reachable at {url}: {exc}") from None


def _postgres_admin():
    import psycopg2

    try:
        conn = psycopg2.connect(dbname="postgres", connect_timeout=CONNECT_TIMEOUT_S, **POSTGRES)
    except psycopg2.OperationalError as exc:
        where = f"{POSTGRES['host']}:{POSTGRES['port']}"
        raise ServiceUnavailable(f"PostgreSQL is not reachable on {where}: {exc}") from None
    conn.autocommit = True
    return conn


def create_database() -> str:
    """A new, empty database (its name)."""
    conn = _postgres_admin()
    name = f"reach_test_{uuid.uuid4().hex[:10]}"
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return name


def drop_database(name: str) -> None:
    """Drop ``name``, ending the sessions still connected to it."""
    conn = _postgres_admin()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
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
