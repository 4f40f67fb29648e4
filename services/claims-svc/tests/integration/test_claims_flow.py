"""claims-svc reactions and API against real PostgreSQL and the broker."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from claims_svc.adapters.orm import claim_denials, claims
from claims_svc.application.reactions import (
    when_denial_raised_queue_for_billing, when_encounter_coded_create_claim, when_remit_received_update_claim,
)
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_shared.contracts import (
    Adjustment, DenialRaised, EncounterCoded, EventEnvelope, PayerRef,
)
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from openrcm_shared.db import outbox_events



async def _run(app, handler, envelope) -> None:  # type: ignore[no-untyped-def]
    """Run a reaction the way the consumer does: in one unit of work."""
    async with app.state.runtime.uow_factory() as uow:
        await handler(uow, envelope)
        if not uow.committed:
            await uow.commit()


async def _count(app, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)))


def _envelope(event, tenant: str) -> EventEnvelope:  # type: ignore[no-untyped-def]
    return EventEnvelope.wrap(event, tenant_id=tenant, producer="test")


def _denial(claim: dict, department: Department) -> DenialRaised:
    return DenialRaised(
        denial_id=uuid.uuid4(), remittance_id=uuid.uuid4(), remit_claim_id=uuid.uuid4(), claim_id=claim["id"],
        encounter_id=claim["encounter_id"], patient_control_number=claim["patient_control_number"],
        payer=PayerRef(payer_id="ACME01", name="Acme"), level="claim",
        adjustments=[Adjustment(group="CO", reason_code="16" if department == Department.BILLING else "50",
                                amount=Decimal("165.00"))],
        denied_amount=Decimal("165.00"),
        category=DenialCategory.MISSING_INFORMATION if department == Department.BILLING else DenialCategory.CODING,
        owning_department=department, recommended_action=RecommendedAction.CORRECT_AND_RESUBMIT,
        explanation="The payer needs more information.",
    )


async def test_encounter_coded_twice_makes_one_claim_and_one_claim_submitted(app, client, tenant, make_coded, make_remit):
    event = make_coded(encounter_id=uuid.uuid4())
    first = _envelope(event, tenant)
    await _run(app, when_encounter_coded_create_claim, first)
    await _run(app, when_encounter_coded_create_claim, _envelope(event, tenant))  # same revision, new event id
    assert await _count(app, claims, claims.c.tenant_id == tenant) == 1
    assert await _count(app, outbox_events, outbox_events.c.tenant_id == tenant) == 1

    listed = (await client.get("/v1/claims", params={"encounter_id": str(event.encounter_id)},
                               headers=auth_headers("biller", tenants=(tenant,)))).json()
    assert len(listed["items"]) == 1 and listed["items"][0]["status"] == "submitted"
    detail = (await client.get(f"/v1/claims/{listed['items'][0]['id']}", headers=auth_headers("biller", tenants=(tenant,)))).json()
    assert Decimal(detail["total_charge"]) == Decimal("165.00")
    assert [h["to_status"] for h in detail["status_history"]] == ["draft", "ready", "submitted"]


async def test_remit_then_billing_denial_update_the_claim_and_queue(app, client, tenant, make_coded, make_remit):
    event = make_coded(encounter_id=uuid.uuid4())
    await _run(app, when_encounter_coded_create_claim, _envelope(event, tenant))
    headers = auth_headers("biller", tenants=(tenant,))
    summary = (await client.get("/v1/claims", headers=headers)).json()["items"][0]
    claim = (await client.get(f"/v1/claims/{summary['id']}", headers=headers)).json()

    class Stub:  # the fields record_remit needs from a claim
        id = uuid.UUID(claim["id"]); encounter_id = uuid.UUID(claim["encounter_id"])  # noqa: E702
        patient_control_number = claim["patient_control_number"]; patient = claim["patient"]  # noqa: E702
        total_charge = Decimal(claim["total_charge"])

    await _run(app, when_remit_received_update_claim, _envelope(make_remit(Stub, outcome="denied", paid="0.00"), tenant))
    claim_row = {"id": Stub.id, "encounter_id": Stub.encounter_id, "patient_control_number": Stub.patient_control_number}
    await _run(app, when_denial_raised_queue_for_billing, _envelope(_denial(claim_row, Department.BILLING), tenant))
    await _run(app, when_denial_raised_queue_for_billing, _envelope(_denial(claim_row, Department.CODING), tenant))

    detail = (await client.get(f"/v1/claims/{claim['id']}", headers=headers)).json()
    assert detail["status"] == "denied" and detail["payer_claim_control_number"] == "PCC-9"
    queue = (await client.get("/v1/denials", headers=headers)).json()["items"]
    assert len(queue) == 1 and queue[0]["category"] == "missing_information" and queue[0]["reason_codes"] == ["CO-16"]
    assert len(detail["denials"]) == 1
    assert await _count(app, claim_denials) == 1


async def test_events_naming_another_tenants_claim_change_nothing(app, client, tenant, make_coded, make_remit):
    event = make_coded(encounter_id=uuid.uuid4())
    await _run(app, when_encounter_coded_create_claim, _envelope(event, tenant))
    headers = auth_headers("biller", tenants=(tenant,))
    claim = (await client.get("/v1/claims", headers=headers)).json()["items"][0]

    class Stub:
        id = uuid.UUID(claim["id"]); encounter_id = event.encounter_id  # noqa: E702
        patient_control_number = claim["patient_control_number"]; patient = event.patient.model_dump(mode="json")  # noqa: E702
        total_charge = Decimal("165.00")

    await _run(app, when_remit_received_update_claim, _envelope(make_remit(Stub), "some-other-tenant"))
    assert (await client.get(f"/v1/claims/{claim['id']}", headers=headers)).json()["status"] == "submitted"


async def test_tenant_isolation_roles_and_authentication(app, client, tenant, make_coded, make_remit):
    event = make_coded(encounter_id=uuid.uuid4())
    await _run(app, when_encounter_coded_create_claim, _envelope(event, tenant))
    claim = (await client.get("/v1/claims", headers=auth_headers("biller", tenants=(tenant,)))).json()["items"][0]
    other = auth_headers("biller", tenants=("someone-else",))
    assert (await client.get(f"/v1/claims/{claim['id']}", headers=other)).status_code == 404
    assert (await client.get("/v1/claims", headers=other)).json()["items"] == []
    assert (await client.get("/v1/denials", headers=auth_headers("coder", tenants=(tenant,)))).status_code == 403
    response = await client.get("/v1/claims")
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


async def test_the_running_consumer_turns_a_published_encounter_coded_into_a_claim(client, broker, tenant, make_coded, make_remit):
    envelope = _envelope(make_coded(encounter_id=uuid.uuid4()), tenant)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(EncounterCoded.topic(), envelope.model_dump_json().encode(),
                                     key=envelope.message_key.encode())
    finally:
        await producer.stop()
    headers = auth_headers("biller", tenants=(tenant,))
    for _ in range(200):
        items = (await client.get("/v1/claims", headers=headers)).json()["items"]
        if items:
            break
        await asyncio.sleep(0.1)
    assert len(items) == 1 and items[0]["encounter_id"] == str(envelope.payload["encounter_id"])
