"""The services the deployment tests share: a fresh PostgreSQL database, a Celery queue of
their own on the machine's RabbitMQ (Redis as the result backend); skipped where missing,
failed under ``REACH_REQUIRE_SERVICES=1`` (CI)."""

from __future__ import annotations

import pytest

from reach_pipeline_tests.support.celery_workers import celery_env, delete_queue, unique_queue
from reach_pipeline_tests.support.postgres import fresh_database, postgres_env
from reach_pipeline_tests.support.services import check_rabbitmq, check_redis, services_required


@pytest.fixture
def postgres_db():
    """A fresh database for the instance, dropped afterwards."""
    with fresh_database() as name:
        yield name


@pytest.fixture
def celery_queue():
    """A queue of our own on the shared broker, removed afterwards."""
    with services_required():
        check_rabbitmq()
        check_redis()
    queue = unique_queue()
    yield queue
    delete_queue(queue)


@pytest.fixture
def services(postgres_db, celery_queue) -> dict[str, str]:
    """The variables that point an instance and its workers at both."""
    return {**postgres_env(postgres_db), **celery_env(celery_queue)}
