"""Fixtures of the integration tests: settings for real PostgreSQL + broker, tenants, claim builders.

Builders are fixtures rather than an importable module: every service's tests live in a directory
named ``tests``, so a ``tests`` package here would clash with another service's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.sql import Selectable

from openrcm_devtools.pytest_plugin import auth_headers, running_app, service_env
from openrcm_shared.contracts import (
    ClaimSubmitted, EventEnvelope, PartyName, Patient, PayerRef, SubmittedServiceLine,
)
from openrcm_shared.db import outbox_events
from payments_svc.application.expected_claims import when_claim_submitted_expect_remittance
from payments_svc.config import Settings
from payments_svc.main import create_app

PAYER = PayerRef(payer_id="ACME01", name="Acme Health Plan")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings(postgres_url, broker) -> Settings:
    return Settings(**{k.lower(): v for k, v in service_env(postgres_url, broker.bootstrap_servers).items()})


@pytest.fixture
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """The app running in-process (database migrated, relay and consumer started) and a client for it."""
    async with running_app(app) as http:
        yield http


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: the session's broker may hand this test earlier tests' messages."""
    return unique("tenant")


@pytest.fixture
def headers(tenant) -> Callable[..., dict[str, str]]:
    def make(*roles: str, tenant_id: str | None = None) -> dict[str, str]:
        return auth_headers(*(roles or ("payment_poster",)), tenants=(tenant_id or tenant,))

    return make


@pytest.fixture
def claims(tenant) -> "ClaimFactory":
    return ClaimFactory(tenant)


class ClaimFactory:
    """ClaimSubmitted envelopes of one tenant, as claims-svc sends them."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    def submitted(
        self, *, pcn: str | None = None, charges: tuple[str, ...] = ("125.00", "40.00"), frequency_code: str = "1",
        submitted_at: datetime | None = None,
    ) -> EventEnvelope:
        pcn = pcn or unique("PCN")
        dos = date.today() - timedelta(days=10)
        codes = ("99213", "83036", "36415")[: len(charges)]
        lines = [
            SubmittedServiceLine(line_number=n, line_control_number=f"{pcn}-{n}", procedure_code=code,
                                 units=Decimal(1), charge=Decimal(charge), service_date=dos)
            for n, (code, charge) in enumerate(zip(codes, charges, strict=True), start=1)
        ]
        event = ClaimSubmitted(
            claim_id=uuid.uuid4(), encounter_id=uuid.uuid4(), encounter_revision=1, patient_control_number=pcn,
            frequency_code=frequency_code, coverage_sequence="primary", payer=PAYER, member_id="XJ123456",
            patient=Patient(patient_id=unique("MRN"), name=PartyName(last="Rivera", first="Ana"),
                            date_of_birth=date(1978, 6, 15), sex="F"),
            billing_provider_npi="1234567893", service_date_from=dos, service_date_to=dos,
            total_charge=sum((line.charge for line in lines), Decimal("0.00")), lines=lines,
            submitted_at=submitted_at or datetime.now(timezone.utc),
        )
        return EventEnvelope.wrap(event, tenant_id=self.tenant_id, producer="claims-svc")


async def deliver(app: FastAPI, envelope: EventEnvelope) -> None:
    """Run the ClaimSubmitted reaction directly, as the consumer would (without the inbox)."""
    async with app.state.runtime.uow_factory() as uow:
        await when_claim_submitted_expect_remittance(uow, envelope)


@pytest.fixture
def seed(app, client) -> Callable[..., Any]:
    async def run(*envelopes: EventEnvelope) -> None:
        for envelope in envelopes:
            await deliver(app, envelope)

    return run


@pytest.fixture
def count(app, client) -> Callable[..., Any]:
    async def run(table: Selectable, *where: Any) -> int:
        async with app.state.runtime.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)))

    return run


@pytest.fixture
def outbox(app, client) -> Callable[..., Any]:
    """The envelopes in the outbox, optionally of one event type, oldest first."""

    async def run(event_type: str | None = None) -> list[EventEnvelope]:
        async with app.state.runtime.session_factory() as session:
            rows = await session.scalars(select(outbox_events.c.envelope).order_by(outbox_events.c.id))
            envelopes = [EventEnvelope.model_validate_json(text) for text in rows]
        return [e for e in envelopes if event_type is None or e.event_type == event_type]

    return run
