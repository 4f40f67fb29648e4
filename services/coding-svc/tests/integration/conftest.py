"""coding-svc in-process against real PostgreSQL and the local broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from coding_svc.config import Settings
from coding_svc.main import create_app
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
    async with running_app(app) as client:
        yield client


@pytest.fixture
def count(app) -> Callable[..., Awaitable[int]]:
    """``await count(table, *where)``: rows in one of the service's tables."""

    async def count_rows(table: Any, *where: Any) -> int:
        async with app.state.runtime.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)))

    return count_rows


@pytest.fixture
def set_policy(client) -> Callable[..., Awaitable[dict]]:
    """``await set_policy(tenant="tenant-a", **fields)``: PUT the tenant's coding policy as its practice admin."""

    async def put(tenant: str = "tenant-a", **fields: Any) -> dict:
        response = await client.put("/v1/coding-policy", json=fields,
                                    headers=auth_headers("practice_admin", tenants=(tenant,), subject="admin"))
        assert response.status_code == 200, response.text
        return response.json()

    return put


@pytest.fixture
async def auto_release(set_policy) -> None:
    """tenant-a releases clean provider codes at intake (as encounters did before the coding queue)."""
    await set_policy(auto_release_clean_provider_codes=True)


@pytest.fixture
def deliver(app, client) -> Callable[[EventHandler, EventEnvelope], Awaitable[None]]:
    """Run a reaction the way the consumer does, in one unit of work, against the real database."""

    async def run(handler: EventHandler, envelope: EventEnvelope) -> None:
        async with app.state.runtime.uow_factory() as uow:
            await handler(uow, envelope)
            if not uow.committed:
                await uow.commit()

    return run


@pytest.fixture
def wrap() -> Callable[..., EventEnvelope]:
    """``wrap(event, tenant_id="tenant-a")``: an event as another service would publish it."""

    def envelope(event: EventContract, tenant_id: str = "tenant-a") -> EventEnvelope:
        return EventEnvelope.wrap(event, tenant_id=tenant_id, producer="test")

    return envelope
