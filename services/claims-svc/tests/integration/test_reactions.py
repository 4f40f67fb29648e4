"""claims-svc's reactions to EncounterCoded, RemitReceived and DenialRaised, on real PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx

from claims_svc.adapters.orm import claim_denials, claim_status_history, claims
from claims_svc.adapters.repository import ClaimRepository
from claims_svc.application.reactions import (
    when_denial_raised_queue_for_billing, when_encounter_coded_create_claim, when_remit_received_update_claim,
)
from openrcm_shared.contracts import ClaimSubmitted
from openrcm_shared.contracts.events import Department


async def _claims(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[dict]:
    response = await client.get("/v1/claims", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _detail(client: httpx.AsyncClient, headers: dict[str, str], claim_id: str) -> dict:
    response = await client.get(f"/v1/claims/{claim_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _remit_for(make_remit, claim: dict, **fields):  # type: ignore[no-untyped-def]
    return make_remit(claim_id=uuid.UUID(claim["id"]), encounter_id=uuid.UUID(claim["encounter_id"]),
                      patient_control_number=claim["patient_control_number"], **fields)


async def test_a_coded_encounter_becomes_one_ready_claim_priced_by_the_fee_schedule_however_often_delivered(
    client, tenant, wrap, deliver, count, as_role, make_coded, seed_reference, emitted
):
    await seed_reference()
    event = make_coded()
    envelope = wrap(event)
    await deliver(when_encounter_coded_create_claim, envelope)
    await deliver(when_encounter_coded_create_claim, envelope)  # redelivered as is
    await deliver(when_encounter_coded_create_claim, wrap(event))  # the same revision re-emitted under a new event id

    assert await count(claims, claims.c.tenant_id == tenant) == 1
    [summary] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    detail = await _detail(client, as_role("biller"), summary["id"])
    assert (detail["status"], detail["frequency_code"], detail["scrub_findings"]) == ("ready", "1", [])
    assert Decimal(detail["total_charge"]) == Decimal("172.00")  # 130 + 42 from the fee schedule, not the EHR's 165
    assert [(line["charge_source"], line["diagnosis_pointers"]) for line in detail["lines"]] == [
        ("fee_schedule", [1]), ("fee_schedule", [1])]
    assert (detail["place_of_service"], detail["diagnoses"], detail["batch_id"]) == ("11", ["E119"], None)
    assert detail["coverage"]["relationship_to_subscriber"] == "18"
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in detail["status_history"]] == [
        (None, "draft", "EncounterCoded"), ("draft", "ready", "EncounterCoded")]
    assert await emitted(ClaimSubmitted) == []  # submitted only when its batch is handed over


async def test_without_reference_data_the_claim_waits_in_the_work_queue_until_scrubbed_again(
    client, tenant, wrap, deliver, as_role, make_coded, seed_reference
):
    event = make_coded(charges=("125.00", None))
    await deliver(when_encounter_coded_create_claim, wrap(event))

    [item] = (await client.get("/v1/work-queue", headers=as_role("biller"))).json()["items"]
    assert item["status"] == "scrub_failed"
    assert [f["rule_id"] for f in item["scrub_findings"]] == [
        "REF-PAYER-UNKNOWN", "REF-BILLING-PROFILE-MISSING", "CHARGE-MISSING"]
    assert all(f["message"] and f["fix"] for f in item["scrub_findings"])

    await seed_reference()  # the fee schedule prices 83036 now
    rescrubbed = await client.post(f"/v1/claims/{item['id']}/scrub", headers=as_role("biller"))
    assert rescrubbed.status_code == 200, rescrubbed.text
    assert (rescrubbed.json()["status"], rescrubbed.json()["scrub_findings"]) == ("ready", [])
    assert Decimal(rescrubbed.json()["total_charge"]) == Decimal("167.00")  # the EHR's 125.00 stays, 83036 at 42.00
    assert (await client.get("/v1/work-queue", headers=as_role("biller"))).json()["items"] == []


async def test_a_self_pay_encounter_makes_no_claim(client, tenant, wrap, deliver, count, make_coded):
    await deliver(when_encounter_coded_create_claim, wrap(make_coded(self_pay=True)))
    assert await count(claims, claims.c.tenant_id == tenant) == 0


async def test_a_claim_per_coverage_and_the_secondary_goes_out_with_the_primarys_adjudication(
    app, client, tenant, wrap, deliver, as_role, make_coded, make_coverage, seed_reference, reference_bodies,
    send_batches, balanced_remit, clearinghouse_dir, assert_valid_837p
):
    await seed_reference()
    beta = {**reference_bodies["payer"], "payer_id": "BETA02", "name": "Beta Insurance", "claim_filing_indicator": "BL"}
    assert (await client.post("/v1/payers", json=beta, headers=as_role("biller"))).status_code == 201
    event = make_coded(coverages=[make_coverage("primary"), make_coverage("secondary", payer_id="BETA02",
                                                                         member_id="XYZ123")])
    await deliver(when_encounter_coded_create_claim, wrap(event))
    found = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    assert sorted((c["payer"]["payer_id"], c["status"]) for c in found) == [("ACME01", "ready"), ("BETA02", "draft")]
    await send_batches()
    [primary] = [c for c in found if c["payer"]["payer_id"] == "ACME01"]

    async with app.state.runtime.session_factory() as session:
        stored = await ClaimRepository(session).get(tenant, uuid.UUID(primary["id"]))
    await deliver(when_remit_received_update_claim, wrap(balanced_remit(stored)))

    [secondary] = [c for c in await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
                   if c["payer"]["payer_id"] == "BETA02"]
    assert secondary["status"] == "ready"
    [batch] = await send_batches()
    content = (clearinghouse_dir / "outbound" / tenant / batch["file_name"]).read_text()
    assert_valid_837p(content)
    assert "AMT*D*110~" in content and "SVD*ACME01*80*HC:99213" in content


async def test_remits_move_the_claim_and_every_move_is_in_its_history(
    client, tenant, wrap, deliver, count, as_role, make_coded, make_remit, seed_reference, send_batches
):
    await seed_reference()
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    await send_batches()
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


async def test_a_corrected_revision_is_a_replacement_held_until_the_payer_names_its_claim_number(
    app, client, tenant, wrap, deliver, count, as_role, make_coded, make_remit, seed_reference, send_batches, emitted
):
    await seed_reference()
    first = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(first))
    await send_batches()
    [original] = await _claims(client, as_role("biller"), encounter_id=str(first.encounter_id))

    second = make_coded(encounter_id=first.encounter_id, revision=2, charges=("125.00", "45.00"),
                        prior_authorization_number="AUTH-2")
    await deliver(when_encounter_coded_create_claim, wrap(second))
    await deliver(when_encounter_coded_create_claim, wrap(first))  # the old revision arriving late changes nothing
    newest, oldest = await _claims(client, as_role("biller"), encounter_id=str(first.encounter_id))
    assert (newest["encounter_revision"], newest["frequency_code"], newest["status"]) == (2, "7", "scrub_failed")
    assert oldest["id"] == original["id"] and newest["patient_control_number"] == original["patient_control_number"]
    held = await _detail(client, as_role("biller"), newest["id"])
    assert [f["rule_id"] for f in held["scrub_findings"]] == ["HOLD-PAYER-CLAIM-NUMBER"]

    # The payer's remit of the original names its claim number: the replacement goes out in the next batch.
    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, original, outcome="denied", paid="0.00")))
    released = await _detail(client, as_role("biller"), newest["id"])
    assert (released["status"], released["original_payer_claim_number"]) == ("ready", "PCC-9")
    await send_batches()
    assert [(e.frequency_code, e.original_payer_claim_number) for e in await emitted(ClaimSubmitted)] == [
        ("1", None), ("7", "PCC-9")]
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
    client, tenant, wrap, deliver, count, as_role, make_coded, make_remit, make_denial, seed_reference, send_batches
):
    await seed_reference()
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    await send_batches()
    [claim] = await _claims(client, as_role("biller"), encounter_id=str(event.encounter_id))
    intruder = f"other-{tenant}"

    await deliver(when_remit_received_update_claim, wrap(_remit_for(make_remit, claim), intruder))
    await deliver(when_denial_raised_queue_for_billing,
                  wrap(make_denial(claim_id=uuid.UUID(claim["id"]), encounter_id=event.encounter_id), intruder))

    detail = await _detail(client, as_role("biller"), claim["id"])
    assert detail["status"] == "submitted" and detail["payer_claim_control_number"] is None
    assert await count(claim_denials, claim_denials.c.tenant_id.in_((tenant, intruder))) == 0
