"""claims-svc's reactions to EncounterCoded, RemitReceived and DenialRaised, on real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import select

from claims_svc.adapters.orm import claim_denials, claim_status_history, claims
from claims_svc.application.reactions import (
    when_denial_raised_queue_for_billing, when_encounter_coded_create_claim, when_remit_received_update_claim,
)
from openrcm_shared.contracts import ClaimSubmitted
from openrcm_shared.contracts.events import Department
from openrcm_shared.db import outbox_events


async def _claims(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[dict]:
    response = await client.get("/v1/claims", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _detail(client: httpx.AsyncClient, headers: dict[str, str], claim_id: str) -> dict:
    response = await client.get(f"/v1/claims/{claim_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _claim_submitted_events(app, tenant: str) -> list[ClaimSubmitted]:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        rows = await session.scalars(
            select(outbox_events.c.envelope).where(outbox_events.c.tenant_id == tenant).order_by(outbox_events.c.id)
        )
        return [ClaimSubmitted.model_validate(json.loads(row)["payload"]) for row in rows]


def _remit_for(make_remit, claim: dict, **fields):  # type: ignore[no-untyped-def]
    return make_remit(claim_id=uuid.UUID(claim["id"]), encounter_id=uuid.UUID(claim["encounter_id"]),
                      patient_control_number=claim["patient_control_number"], **fields)


async def test_the_same_encounter_delivered_again_makes_one_claim_and_one_claim_submitted(
    app, client, tenant, wrap, deliver, count, as_role, make_coded
):
    event = make_coded()
    envelope = wrap(event)
    await deliver(when_encounter_coded_create_claim, envelope)
    await deliver(when_encounter_coded_create_claim, envelope)  # redelivered as is
    await deliver(when_encounter_coded_create_claim, wrap(event))  # the same revision re-emitted under a new event id

    assert await count(claims, claims.c.tenant_id == tenant) == 1
    [submitted] = await _claim_submitted_events(app, tenant)
    [summary] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    detail = await _detail(client, as_role("biller"), summary["id"])
    assert detail["status"] == "submitted" and detail["frequency_code"] == "1"
    assert Decimal(detail["total_charge"]) == Decimal("165.00") == submitted.total_charge
    assert str(submitted.claim_id) == detail["id"] and submitted.patient_control_number == detail["patient_control_number"]
    assert [line["line_control_number"] for line in detail["lines"]] == [line.line_control_number for line in submitted.lines]
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in detail["status_history"]] == [
        (None, "draft", "EncounterCoded"), ("draft", "ready", "EncounterCoded"), ("ready", "submitted", "EncounterCoded")]


async def test_a_line_without_a_charge_holds_the_claim_as_scrub_failed_without_claim_submitted(
    app, client, tenant, wrap, deliver, as_role, make_coded
):
    event = make_coded(charges=("125.00", None))
    await deliver(when_encounter_coded_create_claim, wrap(event))

    [summary] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    detail = await _detail(client, as_role("biller"), summary["id"])
    assert detail["status"] == "scrub_failed"
    assert [(f["rule_id"], f["line_number"]) for f in detail["scrub_findings"]] == [("CHARGE-MISSING", 2)]
    assert detail["lines"][1]["charge"] is None
    assert await _claim_submitted_events(app, tenant) == []


async def test_a_self_pay_encounter_makes_no_claim(client, tenant, wrap, deliver, count, make_coded):
    await deliver(when_encounter_coded_create_claim, wrap(make_coded(self_pay=True)))
    assert await count(claims, claims.c.tenant_id == tenant) == 0


async def test_remits_move_the_claim_and_every_move_is_in_its_history(
    client, tenant, wrap, deliver, count, as_role, make_coded, make_remit
):
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    [claim] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))

    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, claim, outcome="partially_paid")))
    paid = await _detail(client, as_role("payment_poster"), claim["id"])
    assert paid["status"] == "partially_paid" and paid["payer_claim_control_number"] == "PCC-9"
    assert Decimal(paid["total_paid"]) == Decimal("100.00") and Decimal(paid["patient_responsibility"]) == Decimal("20.00")

    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, claim, outcome="reversed", paid="-100.00")))
    reversed_ = await _detail(client, as_role("biller"), claim["id"])
    assert reversed_["status"] == "submitted" and reversed_["total_paid"] is None
    assert [(h["to_status"], h["actor"]) for h in reversed_["status_history"][-2:]] == [
        ("partially_paid", "RemitReceived"), ("submitted", "RemitReceived")]
    assert await count(claim_status_history, claim_status_history.c.tenant_id == tenant) == 5


async def test_a_corrected_revision_becomes_a_replacement_naming_the_payer_claim_number(
    app, client, tenant, wrap, deliver, count, as_role, make_coded, make_remit
):
    first = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(first))
    [original] = await _claims(client, as_role("biller"), encounter_id=str(first.encounter_id))
    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, original, outcome="denied", paid="0.00")))

    second = make_coded(encounter_id=first.encounter_id, revision=2, charges=("125.00", "45.00"))
    await deliver(when_encounter_coded_create_claim, wrap(second))
    await deliver(when_encounter_coded_create_claim, wrap(first))  # the old revision arriving late changes nothing

    newest, oldest = await _claims(client, as_role("biller"), encounter_id=str(first.encounter_id))
    assert (newest["encounter_revision"], newest["frequency_code"], oldest["id"]) == (2, "7", original["id"])
    assert newest["patient_control_number"] == original["patient_control_number"]
    assert (await _detail(client, as_role("biller"), newest["id"]))["original_payer_claim_number"] == "PCC-9"
    assert [(e.frequency_code, e.original_payer_claim_number, e.total_charge)
            for e in await _claim_submitted_events(app, tenant)] == [
        ("1", None, Decimal("165.00")), ("7", "PCC-9", Decimal("170.00"))]
    assert await count(claims, claims.c.tenant_id == tenant) == 2


async def test_billing_denial_is_queued_once_and_coding_denial_is_not(
    client, tenant, wrap, deliver, count, as_role, make_coded, make_denial
):
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    [claim] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    ids = {"claim_id": uuid.UUID(claim["id"]), "encounter_id": event.encounter_id}

    billing = make_denial(**ids, owner=Department.BILLING)
    await deliver(when_denial_raised_queue_for_billing, wrap(billing))
    await deliver(when_denial_raised_queue_for_billing, wrap(billing))  # the same denial re-emitted
    await deliver(when_denial_raised_queue_for_billing, wrap(make_denial(**ids, owner=Department.CODING)))

    assert await count(claim_denials, claim_denials.c.tenant_id == tenant) == 1
    queue = (await client.get("/v1/denials", params={"status": "open"}, headers=as_role("biller"))).json()["items"]
    assert [(d["denial_id"], d["claim_id"], d["category"], d["reason_codes"], d["status"]) for d in queue] == [
        (str(billing.denial_id), claim["id"], "missing_information", ["CO-16"], "open")]
    assert (await client.get("/v1/denials", params={"status": "closed"}, headers=as_role("biller"))).json()["items"] == []
    detail = await _detail(client, as_role("biller"), claim["id"])
    assert [d["denial_id"] for d in detail["denials"]] == [str(billing.denial_id)]


async def test_events_naming_another_tenants_claim_change_nothing(
    client, tenant, wrap, deliver, count, as_role, make_coded, make_remit, make_denial
):
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    [claim] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    intruder = f"other-{tenant}"

    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, claim), intruder))
    await deliver(when_denial_raised_queue_for_billing,
                  wrap(make_denial(claim_id=uuid.UUID(claim["id"]), encounter_id=event.encounter_id), intruder))

    detail = await _detail(client, as_role("biller"), claim["id"])
    assert detail["status"] == "submitted" and detail["payer_claim_control_number"] is None
    assert await count(claim_denials, claim_denials.c.tenant_id.in_((tenant, intruder))) == 0
