"""A whole OpenRCM (four service processes, each with its own PostgreSQL database) on its own broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openrcm_devtools.processes import SERVICES, LocalBroker
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET
from openrcm_devtools.stack import LocalStack

STACK_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_TOPIC_PARTITIONS": "3",
    "CONSUMER_RETRY_BACKOFF_SECONDS": "0.05",
    "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "OUTBOX_LEASE_SECONDS": "12",
    "LOG_LEVEL": "INFO",
}


@pytest.fixture
def own_broker(tmp_path) -> Iterator[LocalBroker]:
    """A broker for this test alone (outage tests stop it; others want no earlier test's messages)."""
    broker = LocalBroker(log_path=tmp_path / "broker.log").start()
    yield broker
    broker.stop()


@pytest.fixture
def database_urls(postgres_urls) -> dict[str, str]:
    return {name: postgres_urls() for name in SERVICES}


@pytest.fixture
def stack(database_urls, own_broker, tmp_path) -> Iterator[LocalStack]:
    local = LocalStack(
        database_urls=database_urls, broker=own_broker, jwt_secret=TEST_JWT_SECRET,
        log_dir=tmp_path / "logs", extra_env=STACK_ENV,
    )
    try:
        local.start()
        local.wait_ready()
        yield local
    finally:
        local.stop()
