"""Fixtures: claims-svc running in-process on a fresh PostgreSQL database and the session's broker.

The broker lives for the whole session and the consumer group is always ``claims-svc``, so a test's
consumer may be handed events other tests published: each test works in a tenant of its own and
asserts only about that tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, func, select

from claims_svc.config import Settings
from claims_svc.main import create_app
from openrcm_devtools.pytest_plugin import auth_headers, running_app, service_env
from openrcm_shared.bus.consumer import EventHandler
from openrcm_shared.contracts import EventContract, EventEnvelope


@pytest.fixture
def settings(postgres_url, broker) -> Settings:
    return Settings(**{k.lower(): v for k, v in service_env(postgres_url, broker.bootstrap_servers).items()})


@pytest.fixture
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as http:
        yield http


@pytest.fixture
def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def as_role(tenant) -> Callable[[str], dict[str, str]]:
    """Authorization headers for one role in the test's tenant."""
    return lambda role: auth_headers(role, tenants=(tenant,))


@pytest.fixture
def wrap(tenant) -> Callable[..., EventEnvelope]:
    def _wrap(event: EventContract, tenant_id: str | None = None) -> EventEnvelope:
        return EventEnvelope.wrap(event, tenant_id=tenant_id or tenant, producer="test")
    return _wrap


@pytest.fixture
def deliver(app, client) -> Callable[[EventHandler, EventEnvelope], Awaitable[None]]:
    """Run a reaction the way the consumer does, in one unit of work, against the real database."""
    async def _deliver(handler: EventHandler, envelope: EventEnvelope) -> None:
        async with app.state.runtime.uow_factory() as uow:
            await handler(uow, envelope)
            if not uow.committed:
                await uow.commit()
    return _deliver


@pytest.fixture
def count(app, client) -> Callable[..., Awaitable[int]]:
    async def _count(table: Table, *where: Any) -> int:
        async with app.state.runtime.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)))
    return _count
