"""Posting remittances through the HTTP API, against real PostgreSQL and the local broker."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

from openrcm_devtools import samples
from openrcm_shared.contracts import ClaimSubmitted, DenialRaised, RemitReceived
from openrcm_shared.db import audit_log, outbox_events
from payments_svc.adapters.orm import denials, remit_claims, remittances


def trace() -> str:
    return f"EFT-{uuid.uuid4().hex[:12]}"


async def test_matched_claims_are_posted_with_remit_received_and_denials_routed(
    client, claims, seed, headers, count, outbox
):
    paid, coding_denied, billing_denied = claims.submitted(), claims.submitted(), claims.submitted()
    await seed(paid, coding_denied, billing_denied)
    body = samples.remittance(
        [
            samples.remit_claim_paid(paid.payload, deductible=Decimal("20.00")),
            samples.remit_claim_denied(coding_denied.payload, group="CO", reason_code="50", remark_codes=["N115"]),
            samples.remit_claim_denied(billing_denied.payload, group="CO", reason_code="16", remark_codes=["MA130"]),
        ],
        trace_number=trace(),
    )
    response = await client.post("/v1/remittances", json=body, headers=headers())
    assert response.status_code == 201, response.text
    posted = response.json()
    assert response.headers["location"] == f"/v1/remittances/{posted['id']}"
    assert (posted["claim_count"], posted["posted_count"], posted["denial_count"]) == (3, 3, 2)
    assert [c["outcome"] for c in posted["claims"]] == ["paid", "denied", "denied"]

    fetched = (await client.get(f"/v1/remittances/{posted['id']}", headers=headers("biller"))).json()
    first = fetched["claims"][0]
    assert first["status"] == "posted" and first["matched"] and first["balanced"]
    assert first["claim_id"] == str(paid.payload_as(ClaimSubmitted).claim_id)
    assert first["patient_responsibility"]["deductible"] == "20.00"
    contractual = {"group": "CO", "reason_code": "45", "amount": "25.00", "quantity": None}
    assert first["lines"][0]["adjustments"][0] == contractual
    assert fetched["claims"][1]["denials"][0]["owning_department"] == "coding"

    assert await count(remittances) == 1 and await count(remit_claims) == 3 and await count(denials) == 2
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    submitted = paid.payload_as(ClaimSubmitted)
    assert [r.outcome for r in remits] == ["paid", "denied", "denied"]
    assert (remits[0].claim_id, remits[0].encounter_id, remits[0].patient, remits[0].coverage_sequence) == (
        submitted.claim_id, submitted.encounter_id, submitted.patient, "primary"
    )
    assert remits[0].total_paid == Decimal("112.00") and remits[0].patient_responsibility.deductible == Decimal("20.00")
    assert remits[0].lines[0].line_control_number == submitted.lines[0].line_control_number
    assert remits[0].payment.trace_number == body["payment"]["trace_number"]

    raised = [e.payload_as(DenialRaised) for e in await outbox("DenialRaised")]
    assert [(d.level, d.category.value, d.owning_department.value, d.recommended_action.value) for d in raised] == [
        ("claim", "coding", "coding", "appeal"), ("claim", "missing_information", "billing", "correct_and_resubmit"),
    ]
    coding = raised[0]
    assert coding.claim_id == coding_denied.payload_as(ClaimSubmitted).claim_id
    assert coding.remittance_id == uuid.UUID(posted["id"])
    assert coding.remit_claim_id == uuid.UUID(posted["claims"][1]["id"])
    assert coding.denied_amount == Decimal("165.00") and coding.remark_codes == ["N115"]
    assert {a.reason_code for a in coding.adjustments} == {"50"} and "CO-50" in coding.explanation
    envelopes = await outbox()
    assert all(e.tenant_id == claims.tenant_id for e in envelopes)
    assert await count(audit_log, audit_log.c.entity_type == "remittance") == 2  # create + read


async def test_a_denied_line_of_a_paid_claim_raises_a_line_denial(client, claims, seed, headers, outbox):
    envelope = claims.submitted(charges=("125.00", "40.00"))
    await seed(envelope)
    claim = samples.remit_claim_paid(envelope.payload, deductible=Decimal("0.00"))
    bundled = claim["lines"][1]
    bundled.update(allowed="0.00", paid="0.00", adjustments=[{"group": "CO", "reason_code": "97", "amount": "40.00"}],
                   remark_codes=["M15"])
    claim["total_paid"] = "100.00"
    body = samples.remittance([claim], trace_number=trace())
    response = await client.post("/v1/remittances", json=body, headers=headers())
    assert response.status_code == 201, response.text
    assert response.json()["claims"][0]["outcome"] == "partially_paid"
    [remit] = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    [denial] = [e.payload_as(DenialRaised) for e in await outbox("DenialRaised")]
    assert remit.outcome == "partially_paid"
    assert (denial.level, denial.line_control_number, denial.procedure_code, denial.denied_amount) == (
        "line", bundled["line_control_number"], "83036", Decimal("40.00")
    )
    assert (denial.owning_department.value, denial.recommended_action.value) == ("coding", "recode")
    assert denial.remark_codes == ["M15"]


async def test_the_same_payment_twice_is_refused_and_nothing_new_is_stored(client, claims, seed, headers, count):
    envelope = claims.submitted()
    await seed(envelope)
    body = samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace())
    first = await client.post("/v1/remittances", json=body, headers=headers())
    assert first.status_code == 201, first.text
    stored = (await count(remittances), await count(remit_claims), await count(outbox_events))
    again = await client.post("/v1/remittances", json=body, headers=headers("practice_admin"))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["remittance_id"] == first.json()["id"] and first.json()["id"] in again.json()["detail"]
    assert (await count(remittances), await count(remit_claims), await count(outbox_events)) == stored == (1, 1, 1)


async def test_unmatched_claim_waits_in_the_queue_and_emits_nothing(client, claims, seed, headers, outbox):
    known = claims.submitted()
    await seed(known)
    stranger = claims.submitted()  # never delivered: payments-svc does not know this claim
    body = samples.remittance([samples.remit_claim_paid(known.payload), samples.remit_claim_paid(stranger.payload)],
                              trace_number=trace())
    response = await client.post("/v1/remittances", json=body, headers=headers())
    assert response.status_code == 201, response.text
    assert [c["status"] for c in response.json()["claims"]] == ["posted", "unmatched"]
    queue = (await client.get("/v1/remittances/unmatched-claims", headers=headers("biller"))).json()
    [waiting] = queue["items"]
    assert waiting["patient_control_number"] == stranger.payload["patient_control_number"]
    assert waiting["matched"] is False and waiting["claim_id"] is None and waiting["denials"] == []
    assert waiting["remittance_id"] == response.json()["id"]
    assert len(await outbox("RemitReceived")) == 1
    assert [e.payload_as(RemitReceived).patient_control_number for e in await outbox("RemitReceived")] == [
        known.payload["patient_control_number"]
    ]


async def test_a_claim_that_does_not_balance_is_held_and_not_posted(client, claims, seed, headers, outbox):
    good, bad = claims.submitted(), claims.submitted()
    await seed(good, bad)
    off = samples.remit_claim_paid(bad.payload)
    off["lines"][0]["paid"] = str(Decimal(off["lines"][0]["paid"]) + Decimal("5.00"))  # the line no longer adds up
    off["total_paid"] = str(Decimal(off["total_paid"]) + Decimal("5.00"))
    body = samples.remittance([samples.remit_claim_paid(good.payload), off], trace_number=trace())
    response = await client.post("/v1/remittances", json=body, headers=headers())
    assert response.status_code == 201, response.text
    held = response.json()["claims"][1]
    assert (held["status"], held["matched"], held["balanced"]) == ("out_of_balance", True, False)
    assert {p["pointer"] for p in held["balance_problems"]} == {"", "/lines/0"}
    assert response.json()["out_of_balance_count"] == 1
    assert [e.payload_as(RemitReceived).patient_control_number for e in await outbox("RemitReceived")] == [
        good.payload["patient_control_number"]
    ]


async def test_a_reversal_names_the_posting_it_takes_back(client, claims, seed, headers, outbox):
    envelope = claims.submitted(charges=("100.00",))
    await seed(envelope)
    original = samples.remit_claim_paid(envelope.payload, deductible=Decimal("0.00"))
    reversal = {
        **copy.deepcopy(original), "status_code": "22", "total_charge": "-100.00", "total_paid": "-80.00", "lines": [],
        "adjustments": [{"group": "CO", "reason_code": "45", "amount": "-20.00"}],
    }
    first = await client.post("/v1/remittances", json=samples.remittance([original], trace_number=trace()),
                              headers=headers())
    assert first.status_code == 201, first.text
    take_back = samples.remittance([reversal], trace_number=trace())
    take_back["payment"].update(method="NON", amount="0.00")
    take_back["claims"].append({**copy.deepcopy(original), "payer_claim_control_number": "PAYER-CLM-2"})
    second = await client.post("/v1/remittances", json=take_back, headers=headers())
    assert second.status_code == 201, second.text
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [r.outcome for r in remits] == ["paid", "reversed", "paid"]
    assert remits[1].reverses_remit_claim_id == remits[0].remit_claim_id
    assert remits[1].total_paid == Decimal("-80.00")


async def test_a_reversal_after_a_replacement_goes_to_the_claim_it_takes_back(client, claims, seed, headers, outbox):
    """The payer reverses the original's payment when the replacement (same PCN, frequency 7) arrives:
    by then the expected claim points at the replacement, but the reversal belongs to the original."""
    original_claim = claims.submitted(charges=("100.00",))
    await seed(original_claim)
    paid = samples.remit_claim_paid(original_claim.payload, deductible=Decimal("0.00"))
    first = await client.post("/v1/remittances", json=samples.remittance([paid], trace_number=trace()),
                              headers=headers())
    assert first.status_code == 201, first.text
    replacement = claims.submitted(pcn=original_claim.payload["patient_control_number"], charges=("100.00",),
                                   frequency_code="7")
    await seed(replacement)
    reversal = {
        **copy.deepcopy(paid), "status_code": "22", "total_charge": "-100.00", "total_paid": "-80.00", "lines": [],
        "adjustments": [{"group": "CO", "reason_code": "45", "amount": "-20.00"}],
    }
    repaid = samples.remit_claim_paid(replacement.payload, deductible=Decimal("0.00"))
    repaid["payer_claim_control_number"] = "PAYER-CLM-2"
    second = await client.post("/v1/remittances", json=samples.remittance([reversal, repaid], trace_number=trace()),
                               headers=headers())
    assert second.status_code == 201, second.text
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [(r.outcome, r.claim_id) for r in remits] == [
        ("paid", uuid.UUID(original_claim.payload["claim_id"])), ("reversed", uuid.UUID(original_claim.payload["claim_id"])),
        ("paid", uuid.UUID(replacement.payload["claim_id"]))]


async def test_another_tenants_remittance_is_not_found_and_roles_are_enforced(client, claims, seed, headers):
    envelope = claims.submitted()
    await seed(envelope)
    body = samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace())
    posted = await client.post("/v1/remittances", json=body, headers=headers())
    assert posted.status_code == 201, posted.text
    remittance_id = posted.json()["id"]
    other_tenant = headers("payment_poster", tenant_id="tenant-b-" + uuid.uuid4().hex[:6])
    missing = await client.get(f"/v1/remittances/{remittance_id}", headers=other_tenant)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/remittances", headers=other_tenant)).json()["items"] == []
    assert (await client.get("/v1/expected-claims", headers=other_tenant)).json()["items"] == []

    as_coder = await client.get(f"/v1/remittances/{remittance_id}", headers=headers("coder"))
    assert as_coder.status_code == 403
    another_payment = {**body, "payment": {**body["payment"], "trace_number": trace()}}
    as_biller = await client.post("/v1/remittances", json=another_payment, headers=headers("biller"))
    assert as_biller.status_code == 403 and as_biller.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/remittances", headers={})).status_code == 401


async def test_bad_input_lists_every_bad_field_and_stores_nothing(client, claims, seed, headers, count):
    envelope = claims.submitted()
    await seed(envelope)
    body = samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace())
    body["payment"]["method"] = "CASH"
    body["payment"]["amount"] = "12.345"
    claim = body["claims"][0]
    claim["status_code"] = "5"
    claim["lines"][0]["procedure_code"] = "9921"
    claim["lines"][0]["adjustments"][0]["group"] = "XX"
    claim["lines"][1]["remark_codes"] = ["not a code"]
    del claim["total_paid"]
    response = await client.post("/v1/remittances", json=body, headers=headers())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {
        "/payment/method", "/payment/amount", "/claims/0/status_code", "/claims/0/total_paid",
        "/claims/0/lines/0/procedure_code", "/claims/0/lines/0/adjustments/0/group", "/claims/0/lines/1/remark_codes/0",
    } <= pointers
    assert "9921" not in response.text  # rejected values are not echoed

    unbalanced = samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace())
    unbalanced["payment"]["amount"] = "1.00"
    unbalanced["claims"][0]["adjudicated_on"] = "2999-01-01"
    cross = await client.post("/v1/remittances", json=unbalanced, headers=headers())
    assert cross.status_code == 422
    assert {e["pointer"] for e in cross.json()["errors"]} == {"/payment/amount", "/claims/0/adjudicated_on"}
    assert await count(remittances) == 0 and await count(remit_claims) == 0 and await count(outbox_events) == 0


async def test_remittances_are_listed_newest_first_a_page_at_a_time(client, claims, seed, headers):
    envelopes = [claims.submitted() for _ in range(3)]
    await seed(*envelopes)
    ids = []
    for envelope in envelopes:
        body = samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace())
        response = await client.post("/v1/remittances", json=body, headers=headers())
        ids.append(response.json()["id"])
    first = (await client.get("/v1/remittances", params={"limit": 2}, headers=headers("biller"))).json()
    assert [r["id"] for r in first["items"]] == ids[::-1][:2] and first["next_offset"] == 2
    assert (first["items"][0]["claim_count"], first["items"][0]["posted_count"]) == (1, 1)
    rest = (await client.get("/v1/remittances", params={"limit": 2, "offset": 2}, headers=headers("biller"))).json()
    assert [r["id"] for r in rest["items"]] == ids[:1] and rest["next_offset"] is None
