"""Fixtures shared by every test tier: PostgreSQL databases, the local broker, tokens, in-process apps."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from openrcm_devtools.databases import create_database, drop_database
from openrcm_devtools.processes import LocalBroker
from openrcm_shared.auth.tokens import mint_token

TEST_JWT_SECRET = "test-secret-not-for-production-0123456789"


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """One memory-only tansu broker for the test session (tests use unique consumer groups or topics)."""
    local = LocalBroker().start()
    yield local
    local.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture
def postgres_urls() -> Iterator[Callable[[], str]]:
    """Make as many fresh databases as a test needs; all are dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        made.append(create_database())
        return made[-1]

    yield make
    for url in made:
        drop_database(url)


def token_for(*roles: str, tenants: tuple[str, ...] = ("tenant-a",), subject: str = "tester") -> str:
    return mint_token(secret=TEST_JWT_SECRET, subject=subject, roles=roles, tenants=tenants)


def auth_headers(*roles: str, tenants: tuple[str, ...] = ("tenant-a",), subject: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(*roles, tenants=tenants, subject=subject)}"}


def service_env(database_url: str, bootstrap_servers: str, **extra: Any) -> dict[str, str]:
    """Environment for a service under test (fast retries, test signing key)."""
    env = {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        "AUTH_JWT_SECRET": TEST_JWT_SECRET,
        "CONSUMER_RETRY_BACKOFF_SECONDS": "0.05",
        "OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
        "KAFKA_TOPIC_PARTITIONS": "3",
        "KAFKA_SESSION_TIMEOUT_MS": "2000",
    }
    env.update({k.upper(): str(v) for k, v in extra.items()})
    return env


@contextlib.asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan in-process and give an HTTP client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
