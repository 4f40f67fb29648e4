"""Fixtures of the integration tests: settings for real PostgreSQL + broker, and event builders.

The builders are fixtures rather than an importable module: every service's tests live in a
directory named ``tests``, so a ``tests`` package here would clash with another service's.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from openrcm_devtools.pytest_plugin import auth_headers, running_app, service_env
from openrcm_shared.contracts import (
    Address, CodedServiceLine, Coverage, Diagnosis, EncounterCoded, EventEnvelope, PartyName, Patient,
    PatientResponsibility, PayerRef, PaymentInfo, Provider, RemitReceived, Subscriber,
)
from openrcm_shared.db import outbox_events
from patient_billing_svc.clock import FixedClock
from patient_billing_svc.config import Settings
from patient_billing_svc.entrypoints.consumer import HANDLERS
from patient_billing_svc.main import create_app

VALID_NPI = "1234567893"
PAYER = PayerRef(payer_id="ACME01", name="Acme Health")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings(postgres_url, broker) -> Settings:
    return Settings(**{k.lower(): v for k, v in service_env(postgres_url, broker.bootstrap_servers).items()})


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: the session's broker may hand this test earlier tests' messages."""
    return unique("tenant")


@pytest.fixture
def patient_id() -> str:
    return unique("MRN")


@pytest.fixture
def events(tenant) -> "EventFactory":
    return EventFactory(tenant)


@pytest.fixture
def clock() -> FixedClock:
    """The app's clock: tests move ``clock.day`` instead of sleeping."""
    return FixedClock(date.today())


@pytest.fixture
def app(settings, clock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as client:
        yield client
        await _outbox_drained(app)


async def _outbox_drained(app: FastAPI, within: float = 10.0) -> None:
    """Let the relay publish what the test emitted before the app stops.

    On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives together with the
    relay's wake-up (a commit that emitted events just before shutdown), and the relay task then
    never ends (shared/bus/relay.py; reported). Stopping with an empty outbox avoids that race.
    """
    deadline = asyncio.get_running_loop().time() + within
    while await app.state.runtime.relay.pending_count() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.05)


@pytest.fixture
def staff(tenant) -> Callable[..., dict[str, str]]:
    """``staff(role="patient_accounts", tenant=<the test's tenant>)``: auth headers."""

    def headers(role: str = "patient_accounts", tenant_id: str | None = None) -> dict[str, str]:
        return auth_headers(role, tenants=(tenant_id or tenant,))

    return headers


@pytest.fixture
def deliver(app) -> Callable[[EventEnvelope], Awaitable[None]]:
    """Run an event's handler as the consumer would, in a unit of work of its own."""

    async def run(envelope: EventEnvelope) -> None:
        async with app.state.runtime.uow_factory() as uow:
            await HANDLERS[envelope.contract](uow, envelope)

    return run


@pytest.fixture
def emitted(app) -> Callable[[str], Awaitable[list[dict[str, Any]]]]:
    """``await emitted("StatementIssued")``: payloads of that event type in the outbox, oldest first."""

    async def payloads(event_type: str) -> list[dict[str, Any]]:
        async with app.state.runtime.session_factory() as session:
            rows = (await session.scalars(select(outbox_events.c.envelope).order_by(outbox_events.c.id))).all()
        envelopes = [json.loads(row) for row in rows]
        return [e["payload"] for e in envelopes if e["event_type"] == event_type]

    return payloads


@pytest.fixture
def count(app) -> Callable[..., Awaitable[int]]:
    """``await count(table, *where)``: rows in one of the service's tables."""

    async def count_rows(table: Any, *where: Any) -> int:
        async with app.state.runtime.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)))

    return count_rows


class EventFactory:
    """EncounterCoded and RemitReceived envelopes of one tenant, as coding-svc and payments-svc send them."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    def encounter_coded(
        self, patient_id: str, *, insured: bool = True, charges: tuple[str, ...] = ("125.00", "40.00"),
        guarantor: PartyName | None = None, on: date | None = None,
    ) -> EventEnvelope:
        """``on``: the day the event happened (a self-pay charge is posted that day); default today."""
        on = on or date.today()
        dos = on - timedelta(days=3)
        patient = Patient(
            patient_id=patient_id, name=PartyName(last="Doe", first="Jane"), date_of_birth=date(1980, 4, 2), sex="F",
            address=Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701"),
        )
        coverages = [
            Coverage(sequence="primary", payer_id=PAYER.payer_id, payer_name=PAYER.name, member_id="XJ123456",
                     relationship_to_subscriber="18", subscriber=Subscriber(name=patient.name))
        ] if insured else []
        event = EncounterCoded(
            encounter_id=uuid.uuid4(), revision=1, source_system="epic-test", external_encounter_id=unique("ENC"),
            patient=patient, guarantor=guarantor, coverages=coverages,
            billing_provider=Provider(npi=VALID_NPI, organization_name="Springfield Family Practice"),
            place_of_service="11", service_date_from=dos, service_date_to=dos,
            diagnoses=[Diagnosis(sequence=1, code="E119")],
            service_lines=[
                CodedServiceLine(line_number=n, code_system="CPT", procedure_code="99213", units=Decimal("1"),
                                 diagnosis_pointers=[1], service_date=dos, charge=Decimal(charge))
                for n, charge in enumerate(charges, start=1)
            ],
            coded_at=_at(on),
        )
        return EventEnvelope.wrap(event, tenant_id=self.tenant_id, producer="coding-svc", occurred_at=_at(on))

    def remit_received(
        self, encounter: EventEnvelope, *, deductible: str = "0", coinsurance: str = "0", copay: str = "0",
        other: str = "0", outcome: str = "paid", reverses: EventEnvelope | None = None, on: date | None = None,
    ) -> EventEnvelope:
        """The payer's answer on the encounter's claim; ``reverses`` makes it the reversal of that remit."""
        coded = encounter.payload_as(EncounterCoded)
        parts = {"deductible": Decimal(deductible), "coinsurance": Decimal(coinsurance), "copay": Decimal(copay),
                 "other": Decimal(other)}
        total_charge = sum((line.charge or Decimal(0) for line in coded.service_lines), Decimal(0))
        paid = total_charge - sum(parts.values())
        if outcome == "reversed":  # an 835 reversal repeats the claim with every amount negated
            parts, total_charge, paid = {k: -v for k, v in parts.items()}, -total_charge, -paid
        reversed_remit = reverses.payload_as(RemitReceived) if reverses else None
        event = RemitReceived(
            remit_claim_id=uuid.uuid4(), remittance_id=uuid.uuid4(),
            claim_id=reversed_remit.claim_id if reversed_remit else uuid.uuid4(),
            encounter_id=coded.encounter_id, patient_control_number=unique("PCN"), payer=PAYER,
            coverage_sequence="primary", patient=coded.patient,
            claim_status_code="22" if outcome == "reversed" else "1", outcome=outcome,
            total_charge=total_charge, total_paid=paid, patient_responsibility=PatientResponsibility(**parts),
            payment=PaymentInfo(trace_number=unique("TRN"), method="CHK", amount=paid),
            adjudicated_on=on or date.today(),
            reverses_remit_claim_id=reversed_remit.remit_claim_id if reversed_remit else None,
        )
        return EventEnvelope.wrap(event, tenant_id=self.tenant_id, producer="payments-svc",
                                  occurred_at=_at(on or date.today()))

    @staticmethod
    def redelivered(envelope: EventEnvelope) -> EventEnvelope:
        """The same event under a new event id, as if its producer had published it twice."""
        return EventEnvelope.wrap(
            envelope.event(), tenant_id=envelope.tenant_id, producer=envelope.producer,
            occurred_at=envelope.occurred_at,
        )


def _at(day: date) -> datetime:
    """Noon UTC of ``day``, or now when it is today (so that a later revision is coded later)."""
    if day == date.today():
        return datetime.now(timezone.utc)
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)
