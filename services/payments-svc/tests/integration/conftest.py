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


@pytest.fixture
def x12() -> "Era835":
    return Era835()


class Era835:
    """Builds 835 files answering ClaimSubmitted envelopes, as a payer would send them."""

    ISA = ("ISA*00*          *00*          *ZZ*ACME01         *ZZ*PRACTICE       *261123*0930*^*00501*000000001*0*P*:")

    def paid(self, envelope: EventEnvelope, *, status: str = "1", echo_control_numbers: bool = True,
             modifiers: dict[int, str] | None = None, original: dict[int, str] | None = None,
             payer_claim_number: str | None = None, sign: int = 1, pcn: str | None = None) -> list[str]:
        """Every line allowed at 80% (CO-45 the rest), PR-1 20.00 on the first line."""
        claim = envelope.payload_as(ClaimSubmitted)
        lines, paid_total = [], Decimal("0.00")
        for n, line in enumerate(claim.lines):
            allowed = (line.charge * Decimal("0.80")).quantize(Decimal("0.01"))
            deductible = Decimal("20.00") if n == 0 else Decimal("0.00")
            paid = allowed - deductible
            paid_total += paid
            code = f"HC:{line.procedure_code}" + (f":{(modifiers or {})[n]}" if n in (modifiers or {}) else "")
            svc = f"SVC*{code}*{sign * line.charge}*{sign * paid}**1"
            if n in (original or {}):
                svc += f"*HC:{original[n]}"
            lines += [svc, f"DTM*472*{line.service_date:%Y%m%d}", f"CAS*CO*45*{sign * (line.charge - allowed)}"]
            if deductible:
                lines.append(f"CAS*PR*1*{sign * deductible}")
            if echo_control_numbers:
                lines.append(f"REF*6R*{line.line_control_number}")
            lines.append(f"AMT*B6*{sign * allowed}")
        clp = (f"CLP*{pcn or claim.patient_control_number}*{status}*{sign * claim.total_charge}*{sign * paid_total}*"
               f"{sign * Decimal('20.00')}*12*{payer_claim_number or 'ICN-' + claim.patient_control_number}*11*1")
        return [clp, "NM1*QC*1*RIVERA*ANA****MI*XJ123456", *lines]

    def denied(self, envelope: EventEnvelope, *, reason: str = "16", remark: str = "MA130") -> list[str]:
        claim = envelope.payload_as(ClaimSubmitted)
        lines = []
        for line in claim.lines:
            lines += [f"SVC*HC:{line.procedure_code}*{line.charge}*0**1", f"DTM*472*{line.service_date:%Y%m%d}",
                      f"CAS*CO*{reason}*{line.charge}", f"REF*6R*{line.line_control_number}", f"LQ*HE*{remark}"]
        return [f"CLP*{claim.patient_control_number}*4*{claim.total_charge}*0**12*ICN-D*11*1",
                "NM1*QC*1*RIVERA*ANA****MI*XJ123456", *lines]

    @staticmethod
    def paid_amount(claim_segments: list[str]) -> Decimal:
        return Decimal(claim_segments[0].split("*")[4])

    def transaction(self, claims: list[list[str]], *, trace: str, control: str = "0001", amount: Decimal | None = None,
                    plb: list[str] = (), credit: str = "C") -> list[str]:
        total = sum((self.paid_amount(c) for c in claims), Decimal("0.00")) if amount is None else amount
        body = [f"ST*835*{control}", f"BPR*I*{abs(total)}*{credit}*ACH*CCP*01*999999992*DA*123456*1512345678**01*"
                f"999988880*DA*98765*{date.today():%Y%m%d}",
                f"TRN*1*{trace}*1512345678", f"DTM*405*{date.today():%Y%m%d}", "N1*PR*ACME HEALTH PLAN",
                "N3*1 MAIN ST", "N4*SPRINGFIELD*IL*62701", "REF*2U*ACME01", "PER*BL*EDI*TE*8005551212",
                "N1*PE*PRAIRIE FAMILY MEDICINE*XX*1234567893", "LX*1"]
        for claim in claims:
            body += claim
        body += list(plb)
        return [*body, f"SE*{len(body) + 1}*{control}"]

    def file(self, *transactions: list[str], line_breaks: bool = True) -> bytes:
        segments = [self.ISA, f"GS*HP*ACME01*PRACTICE*{date.today():%Y%m%d}*0930*1*X*005010X221A1"]
        for transaction in transactions:
            segments += transaction
        segments += [f"GE*{len(transactions)}*1", "IEA*1*000000001"]
        return (("~\n" if line_breaks else "~").join(segments) + "~\n").encode()

    def one(self, claims: list[list[str]], *, trace: str, **kwargs: Any) -> bytes:
        return self.file(self.transaction(claims, trace=trace, **kwargs))
