"""Fixtures: claims-svc running in-process on a fresh PostgreSQL database and the session's broker.

The broker lives for the whole session and the consumer group is always ``claims-svc``, so a test's
consumer may be handed events other tests published: each test works in a tenant of its own and
asserts only about that tenant.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
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
from openrcm_shared.db import outbox_events


@pytest.fixture
def clearinghouse_dir(tmp_path) -> Path:
    """The file-drop clearinghouse "local-drop": a real directory."""
    return tmp_path / "clearinghouse"


@pytest.fixture
def settings(postgres_url, broker, clearinghouse_dir) -> Settings:
    connections = {"local-drop": {"adapter": "file_drop", "directory": str(clearinghouse_dir)}}
    env = service_env(postgres_url, broker.bootstrap_servers, clearinghouses=json.dumps(connections))
    return Settings(**{k.lower(): v for k, v in env.items()})


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


@pytest.fixture
def seed_reference(client, as_role, reference_bodies) -> Callable[[], Awaitable[None]]:
    """The test tenant's route, payer, billing profile and fee schedule, through the API."""
    async def _seed() -> None:
        headers = as_role("practice_admin")
        for path, body in (("/v1/routes", reference_bodies["route"]), ("/v1/payers", reference_bodies["payer"]),
                           ("/v1/billing-profiles", reference_bodies["billing_profile"]),
                           *(("/v1/fee-schedule", fee) for fee in reference_bodies["fees"])):
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 201, response.text
    return _seed


@pytest.fixture
def send_batches(client, as_role) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """POST /v1/batches as a biller: the batches built and sent."""
    async def _send(**body: Any) -> list[dict[str, Any]]:
        response = await client.post("/v1/batches", json=body or None, headers=as_role("biller"))
        assert response.status_code == 201, response.text
        return response.json()
    return _send


@pytest.fixture
def emitted(app, client, tenant) -> Callable[[type[EventContract]], Awaitable[list[Any]]]:
    """The events of one contract the test's tenant wrote to the outbox, oldest first."""
    async def _emitted(contract: type[EventContract]) -> list[Any]:
        async with app.state.runtime.session_factory() as session:
            rows = await session.scalars(
                select(outbox_events.c.envelope).where(outbox_events.c.tenant_id == tenant,
                                                       outbox_events.c.topic == contract.topic())
                .order_by(outbox_events.c.id))
            return [contract.model_validate(json.loads(row)["payload"]) for row in rows]
    return _emitted
