"""835 files through the HTTP API: upload (raw and multipart), preview, confirm, auto-post, duplicates,
errors with segment and element, reversals and line matching, against real PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

from openrcm_shared.contracts import ClaimSubmitted, DenialRaised, RemitReceived
from openrcm_shared.db import audit_log, outbox_events
from payments_svc.adapters.orm import denials, era_files, provider_adjustments, remit_claims, remittances

X12 = {"Content-Type": "application/edi-x12"}
SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "tests" / "data" / "x12-samples" / "835"


def trace() -> str:
    return f"EFT{uuid.uuid4().hex[:10].upper()}"


async def upload(client, headers, content: bytes, *roles: str, params=None):  # type: ignore[no-untyped-def]
    return await client.post("/v1/remittances", content=content, headers={**headers(*roles), **X12}, params=params)


async def test_an_uploaded_835_is_staged_previewed_and_posted_on_confirmation(
    client, claims, seed, headers, x12, outbox, count
):
    paid, denied = claims.submitted(), claims.submitted()
    await seed(paid, denied)
    content = x12.one([x12.paid(paid), x12.denied(denied, reason="50", remark="N115")], trace=trace())
    response = await upload(client, headers, content)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/remittance-files/{body['id']}"
    [tx] = body["transactions"]
    assert (tx["status"], tx["remittance"]["claim_count"], tx["remittance"]["posted_count"]) == ("pending", 2, 2)
    assert tx["remittance"]["balanced"] and tx["remittance"]["claims_paid_total"] == "112.00"
    assert await outbox() == []  # a preview emits nothing

    preview = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers("biller"))).json()
    first, second = preview["claims"]
    assert [m["method"] for m in first["line_matches"]] == ["line_control_number", "line_control_number"]
    assert first["patient_responsibility"]["deductible"] == "20.00"
    assert first["adjustments_by_group"] == {"CO": "33.00", "PR": "20.00"}
    assert first["details"]["parties"][0]["entity"] == "QC"
    assert [(d["id"], d["owning_department"]) for d in second["denials"]] == [(None, "coding")]  # would be raised

    posted = await client.post(f"/v1/remittances/{tx['remittance_id']}/post", headers=headers())
    assert posted.status_code == 200, posted.text
    assert (posted.json()["status"], posted.json()["denial_count"]) == ("posted", 1)
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [r.claim_id for r in remits] == [paid.payload_as(ClaimSubmitted).claim_id,
                                            denied.payload_as(ClaimSubmitted).claim_id]
    assert remits[0].patient_responsibility.deductible == Decimal("20.00") and remits[0].lines[0].allowed == Decimal("100.00")
    [denial] = [e.payload_as(DenialRaised) for e in await outbox("DenialRaised")]
    assert (denial.category.value, denial.remark_codes) == ("coding", ["N115"])
    again = await client.post(f"/v1/remittances/{tx['remittance_id']}/post", headers=headers())
    assert again.status_code == 409 and await count(denials) == 1


async def test_multipart_upload_and_the_same_file_again_is_a_no_op_with_the_earlier_result(
    client, claims, seed, headers, x12, count
):
    envelope = claims.submitted()
    await seed(envelope)
    content = x12.one([x12.paid(envelope)], trace=trace())
    first = await client.post("/v1/remittances", files={"file": ("acme.835", content, "application/octet-stream")},
                              headers=headers())
    assert first.status_code == 201, first.text
    assert first.json()["filename"] == "acme.835" and not first.json()["replayed"]
    stored = (await count(era_files), await count(remittances), await count(remit_claims))
    again = await upload(client, headers, content)
    assert again.status_code == 200 and again.json()["replayed"]
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["transactions"][0]["remittance_id"] == first.json()["transactions"][0]["remittance_id"]
    assert (await count(era_files), await count(remittances), await count(remit_claims)) == stored == (1, 1, 1)
    fetched = await client.get(f"/v1/remittance-files/{first.json()['id']}", headers=headers("biller"))
    assert fetched.status_code == 200 and fetched.json()["content_sha256"] == first.json()["content_sha256"]


async def test_clean_remittances_auto_post_when_the_tenant_allows_it_and_others_wait(
    client, claims, seed, headers, x12, outbox
):
    clean, known, stranger = claims.submitted(), claims.submitted(), claims.submitted()
    await seed(clean, known)
    assert (await client.put("/v1/posting-settings", json={"auto_post_clean_remits": True},
                             headers=headers())).status_code == 403  # practice admins only
    settings = await client.put("/v1/posting-settings", json={"auto_post_clean_remits": True},
                                headers=headers("practice_admin"))
    assert settings.status_code == 200 and settings.json()["auto_post_clean_remits"]
    content = x12.file(
        x12.transaction([x12.paid(clean)], trace=trace(), control="0001"),
        x12.transaction([x12.paid(known), x12.paid(stranger)], trace=trace(), control="0002"),
        line_breaks=False,
    )
    response = await upload(client, headers, content)
    assert response.status_code == 201, response.text
    assert [t["status"] for t in response.json()["transactions"]] == ["posted", "pending"]
    assert [e.payload_as(RemitReceived).claim_id for e in await outbox("RemitReceived")] == [
        clean.payload_as(ClaimSubmitted).claim_id]


async def test_the_same_payment_in_another_file_is_reported_as_a_duplicate_and_not_posted_twice(
    client, claims, seed, headers, x12, count
):
    envelope = claims.submitted()
    await seed(envelope)
    number = trace()
    first = await upload(client, headers, x12.one([x12.paid(envelope)], trace=number))
    assert first.status_code == 201
    other_bytes = x12.file(x12.transaction([x12.paid(envelope)], trace=number, control="0099"))
    second = await upload(client, headers, other_bytes)
    assert second.status_code == 201, second.text
    [tx] = second.json()["transactions"]
    assert (tx["status"], tx["duplicate_of"], tx["remittance_id"]) == (
        "duplicate", first.json()["transactions"][0]["remittance_id"], None)
    assert await count(remittances) == 1 and await count(remit_claims) == 1


async def test_a_broken_file_is_refused_with_every_problem_by_segment_and_element_and_nothing_stored(
    client, claims, seed, headers, x12, count
):
    envelope = claims.submitted()
    await seed(envelope)
    good = x12.transaction([x12.paid(envelope)], trace=trace())
    broken = [s for s in x12.transaction([x12.paid(envelope)], trace=trace(), control="0002")
              if not s.startswith("BPR")]
    broken[-1] = f"SE*{len(broken)}*0002"
    response = await upload(client, headers, x12.file(good, broken))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {(e["segment_id"], e["location"]) for e in problem["errors"]} == {("ST", "x12")}
    assert problem["errors"][0]["pointer"] == f"/segments/{3 + len(good)}"
    assert (await count(era_files), await count(remittances), await count(remit_claims)) == (0, 0, 0)
    not_x12 = await upload(client, headers, b"hello")
    assert not_x12.status_code == 422 and not_x12.json()["errors"][0]["pointer"] == "/segments/1"
    assert (await client.post("/v1/remittances", content=b"<x/>", headers={**headers(), "Content-Type": "text/xml"})
            ).status_code == 415


async def test_an_unreadable_claim_keeps_the_others_and_the_payment_posts_only_when_accepted(
    client, claims, seed, headers, x12, outbox
):
    good, bad = claims.submitted(), claims.submitted()
    await seed(good, bad)
    unreadable = x12.paid(bad)
    unreadable[0] = unreadable[0].replace("*1*165.00*112.00*", "*1*165.00*11x.00*")
    response = await upload(client, headers, x12.one([x12.paid(good), unreadable], trace=trace(),
                                                     amount=Decimal("224.00")))
    assert response.status_code == 201, response.text
    [tx] = response.json()["transactions"]
    assert (tx["remittance"]["claim_count"], tx["remittance"]["balanced"]) == (1, False)
    remittance = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers())).json()
    assert [(p["segment_id"], p["element"]) for p in remittance["problems"] if p["code"] == "error"] == [("CLP", "CLP04")]
    refused = await client.post(f"/v1/remittances/{tx['remittance_id']}/post", headers=headers())
    assert refused.status_code == 409 and "does not balance" in refused.json()["detail"]
    accepted = await client.post(f"/v1/remittances/{tx['remittance_id']}/post", json={"accept_out_of_balance": True},
                                 headers=headers())
    assert accepted.status_code == 200
    assert [e.payload_as(RemitReceived).claim_id for e in await outbox("RemitReceived")] == [
        good.payload_as(ClaimSubmitted).claim_id]


async def test_a_dry_run_answers_what_would_happen_and_stores_nothing(client, claims, seed, headers, x12, count):
    envelope = claims.submitted()
    await seed(envelope)
    response = await upload(client, headers, x12.one([x12.paid(envelope)], trace=trace()),
                            params={"dry_run": "true"})
    assert response.status_code == 200, response.text
    [tx] = response.json()["transactions"]
    assert response.json()["dry_run"] and tx["claims"][0]["status"] == "posted"
    assert (await count(era_files), await count(remittances), await count(remit_claims), await count(outbox_events),
            await count(audit_log, audit_log.c.entity_type != "expected_claim")) == (0, 0, 0, 0, 0)
    json_preview = await client.post("/v1/remittances", params={"dry_run": "true"}, headers=headers(), json={
        "payer": {"payer_id": "ACME01", "name": "Acme"},
        "payment": {"trace_number": trace(), "method": "CHK", "amount": "10.00", "payment_date": "2026-11-20"},
        "claims": [{"patient_control_number": "NOBODY", "status_code": "1", "total_charge": "10.00",
                    "total_paid": "10.00"}],
    })
    assert json_preview.status_code == 200 and json_preview.json()["claims"][0]["status"] == "unmatched"
    assert await count(remittances) == 0


async def test_lines_match_without_control_numbers_when_modifiers_change_or_codes_are_bundled(
    client, claims, seed, headers, x12
):
    envelope = claims.submitted(charges=("125.00", "40.00"))
    await seed(envelope)
    claim = x12.paid(envelope, echo_control_numbers=False, modifiers={0: "25"}, original={1: "83036"})
    claim = [s.replace("SVC*HC:83036*", "SVC*HC:82947*") for s in claim]  # the payer paid another code for it
    response = await upload(client, headers, x12.one([claim], trace=trace()))
    [tx] = response.json()["transactions"]
    preview = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers())).json()
    submitted = envelope.payload_as(ClaimSubmitted)
    matches = preview["claims"][0]["line_matches"]
    assert [(m["method"], m["line_control_number"]) for m in matches] == [
        ("modifiers_changed", submitted.lines[0].line_control_number),
        ("original_procedure", submitted.lines[1].line_control_number)]
    assert {n["code"] for n in preview["claims"][0]["notes"]} == {"modifiers_changed", "procedure_changed"}
    assert tx["status"] == "pending"


async def test_an_unmatched_line_goes_to_the_unmatched_queue_after_posting(client, claims, seed, headers, x12):
    envelope = claims.submitted(charges=("125.00",))
    await seed(envelope)
    claim = [s.replace("SVC*HC:99213*", "SVC*HC:99999*") for s in x12.paid(envelope, echo_control_numbers=False)]
    [tx] = (await upload(client, headers, x12.one([claim], trace=trace()))).json()["transactions"]
    assert (await client.post(f"/v1/remittances/{tx['remittance_id']}/post", headers=headers())).status_code == 200
    queue = (await client.get("/v1/remittances/unmatched-lines", headers=headers("biller"))).json()
    [waiting] = queue["items"]
    assert waiting["line_matches"][0]["method"] == "unmatched" and waiting["status"] == "posted"


async def test_a_reversal_and_correction_in_a_later_file_undo_the_earlier_posting(
    client, claims, seed, headers, x12, outbox
):
    envelope = claims.submitted()
    await seed(envelope)
    await client.put("/v1/posting-settings", json={"auto_post_clean_remits": True}, headers=headers("practice_admin"))
    first = await upload(client, headers, x12.one([x12.paid(envelope)], trace=trace()))
    original_claim = (await client.get(f"/v1/remittances/{first.json()['transactions'][0]['remittance_id']}",
                                       headers=headers())).json()["claims"][0]
    reversal = x12.paid(envelope, status="22", sign=-1)
    correction = x12.paid(envelope, payer_claim_number="ICN-NEW", pcn="CHANGED-BY-PAYER")
    correction.insert(2, f"REF*F8*ICN-{envelope.payload['patient_control_number']}")
    second = await upload(client, headers, x12.one([reversal, correction], trace=trace(), amount=Decimal("0.00")))
    assert second.status_code == 201, second.text
    [tx] = second.json()["transactions"]
    assert tx["status"] == "posted", tx  # clean: the reversal found its posting, the correction its claim
    events = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [(e.outcome, e.reverses_remit_claim_id) for e in events[1:]] == [
        ("reversed", uuid.UUID(original_claim["id"])), ("paid", None)]
    assert events[2].claim_id == envelope.payload_as(ClaimSubmitted).claim_id
    reread = (await client.get(f"/v1/remittances/{first.json()['transactions'][0]['remittance_id']}",
                               headers=headers())).json()["claims"][0]
    assert reread["reversed_by_remit_claim_id"] == str(events[1].remit_claim_id)


async def test_plb_is_recorded_and_balances_the_payment(client, claims, seed, headers, x12, count):
    envelope = claims.submitted()
    await seed(envelope)
    content = x12.one([x12.paid(envelope)], trace=trace(), amount=Decimal("92.00"),
                      plb=["PLB*1234567893*20261231*WO:ICN-OLD*25.00*L6*-5.00"])
    [tx] = (await upload(client, headers, content)).json()["transactions"]
    assert tx["remittance"]["balanced"] and tx["remittance"]["provider_adjustment_total"] == "20.00"
    remittance = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers())).json()
    assert [(a["reason_code"], a["amount"]) for a in remittance["provider_adjustments"]] == [("WO", "25.00"),
                                                                                           ("L6", "-5.00")]
    assert await count(provider_adjustments, provider_adjustments.c.is_takeback.is_(True)) == 1


async def test_roles_and_tenants(client, claims, seed, headers, x12):
    envelope = claims.submitted()
    await seed(envelope)
    content = x12.one([x12.paid(envelope)], trace=trace())
    assert (await upload(client, headers, content, "biller")).status_code == 403
    response = await upload(client, headers, content)
    era_id = response.json()["id"]
    remittance_id = response.json()["transactions"][0]["remittance_id"]
    other = headers(tenant_id="someone-else")
    assert (await client.get(f"/v1/remittance-files/{era_id}", headers=other)).status_code == 404
    assert (await client.get(f"/v1/remittances/{remittance_id}/claims", headers=other)).status_code == 404
    assert (await client.post(f"/v1/remittances/{remittance_id}/post", headers=other)).status_code == 404
    assert (await client.get(f"/v1/remittances/{remittance_id}/claims", headers=headers("biller"))).status_code == 200


async def test_every_sample_file_is_received_without_a_server_error(client, headers):
    statuses = {}
    for path in sorted(SAMPLES.glob("*.x12")):
        response = await upload(client, headers, path.read_bytes())
        assert response.status_code == 201, (path.name, response.text)
        [tx] = response.json()["transactions"]
        statuses[path.name] = tx["status"]
    # Two pairs of samples are the same payment (payer, trace number, amount) written by different people.
    assert {name for name, status in statuses.items() if status == "duplicate"} == {
        "albmarin_badX12_835-dollars-and-data-together.x12", "albmarin_badX12_835-secondary-payments.x12"}
    assert set(statuses.values()) == {"pending", "duplicate"}
