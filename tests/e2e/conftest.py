"""A whole OpenRCM (four service processes, each with its own PostgreSQL database) on its own broker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from openrcm_devtools import samples
from openrcm_devtools.processes import SERVICES, LocalBroker
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for
from openrcm_devtools.stack import LocalStack

#: The tenant the scenarios submit encounters for.
TENANT = "tenant-a"

STACK_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_TOPIC_PARTITIONS": "3",
    "CONSUMER_RETRY_BACKOFF_SECONDS": "0.05",
    "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "OUTBOX_LEASE_SECONDS": "12",
    "BATCH_INTERVAL_SECONDS": "0.5",  # claims-svc batches READY claims and hands them to the file-drop clearinghouse
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
        log_dir=tmp_path / "logs", extra_env={**STACK_ENV, **clearinghouse_env(tmp_path / "clearinghouse")},
    )
    try:
        local.start()
        local.wait_ready()
        auto_release_provider_codes(local, TENANT)
        set_up_billing(local, TENANT)
        yield local
    finally:
        local.stop()


def auto_release_provider_codes(stack: LocalStack, tenant: str) -> None:
    """The scenarios follow provider-coded encounters straight to billing: the tenant's coding policy
    releases clean provider codes at intake instead of queueing them for a coder."""
    with stack.client("coding-svc", token_for("practice_admin", tenants=(tenant,))) as coding:
        coding.put("/v1/coding-policy", json={"auto_release_clean_provider_codes": True}).raise_for_status()


def clearinghouse_env(directory: Path) -> dict[str, str]:
    """claims-svc's one clearinghouse: a file-drop directory of the test's own."""
    return {"CLEARINGHOUSES": json.dumps({"local-drop": {"adapter": "file_drop", "directory": str(directory)}})}


def set_up_billing(stack: LocalStack, tenant: str) -> None:
    """The tenant's claims-svc reference data: route, payer, billing profile, fee schedule (clean claims go out)."""
    with stack.client("claims-svc", token_for("practice_admin", tenants=(tenant,))) as claims:
        samples.post_billing_reference(claims)
