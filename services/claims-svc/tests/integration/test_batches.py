"""Batches per route through a real file-drop directory: pyx12-valid files, control numbers that never repeat,
claims submitted only once the file is handed over, and the 999/277CA answers coming back."""

from __future__ import annotations

import asyncio
import uuid

from claims_svc.adapters.batch_repository import DatabaseControlNumbers
from claims_svc.application.reactions import when_encounter_coded_create_claim
from claims_svc.entrypoints.worker import ClearinghouseWorker
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_shared.contracts import ClaimAccepted, ClaimRejected, ClaimSubmitted, PartyName, Subscriber
from openrcm_shared.db import audit_log

DATE = "20261123"


async def _billed(deliver, wrap, make_coded, make_coverage, count: int = 2) -> list:  # type: ignore[no-untyped-def]
    spouse = make_coded().patient.model_copy(update={"patient_id": f"MRN-{uuid.uuid4().hex[:6]}"})
    events = [make_coded(patient=spouse.model_copy(update={"patient_id": f"MRN-{uuid.uuid4().hex[:6]}"})),
              make_coded(patient=spouse, coverages=[make_coverage(
                  relationship_to_subscriber="01", subscriber=Subscriber(name=PartyName(last="Doe", first="Ann")))])]
    for event in events[:count]:
        await deliver(when_encounter_coded_create_claim, wrap(event))
    return events[:count]


async def _claims(client, as_role, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    return (await client.get("/v1/claims", params=params, headers=as_role("biller"))).json()["items"]


async def test_ready_claims_go_out_in_one_valid_837p_per_route_and_only_then_count_as_submitted(
    client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, send_batches, emitted,
    clearinghouse_dir, assert_valid_837p, count
):
    await seed_reference()
    await _billed(deliver, wrap, make_coded, make_coverage)
    assert {c["status"] for c in await _claims(client, as_role)} == {"ready"}

    [batch] = await send_batches()

    assert (batch["status"], batch["claim_count"], batch["route_id"], batch["clearinghouse"]) == (
        "sent", 2, "gateway", "local-drop")
    assert (batch["interchange_control_number"], batch["group_control_number"]) == (1, 1)
    dropped = clearinghouse_dir / "outbound" / tenant / batch["file_name"]
    content = dropped.read_text()
    assert_valid_837p(content)
    served = await client.get(f"/v1/batches/{batch['id']}/file", headers=as_role("biller"))
    assert served.text == content and served.headers["content-type"].startswith("application/edi-x12")
    assert await count(audit_log, audit_log.c.tenant_id == tenant, audit_log.c.entity_type == "claim_batch",
                       audit_log.c.action == "read") == 1
    claims = await _claims(client, as_role)
    assert {(c["status"]) for c in claims} == {"submitted"}
    assert sorted(e.patient_control_number for e in await emitted(ClaimSubmitted)) == sorted(
        c["patient_control_number"] for c in claims)
    assert all(f"CLM*{c['patient_control_number']}*" in content for c in claims)

    assert await send_batches() == []  # nothing READY any more
    listed = (await client.get("/v1/batches", headers=as_role("biller"))).json()["items"]
    assert [b["id"] for b in listed] == [batch["id"]]


async def test_control_numbers_never_repeat_per_tenant_even_under_concurrency(
    app, client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, send_batches
):
    await seed_reference()
    numbers = []
    for _ in range(2):
        await _billed(deliver, wrap, make_coded, make_coverage, count=1)
        [batch] = await send_batches()
        numbers.append((batch["interchange_control_number"], batch["group_control_number"],
                        batch["transaction_control_numbers"]))
    assert numbers == [(1, 1, [1]), (2, 2, [2])]

    async def take(kind: str) -> int:
        async with app.state.runtime.session_factory() as session:
            source = DatabaseControlNumbers(session, tenant)
            number = await getattr(source, f"next_{kind}")()
            await asyncio.sleep(0.01)  # hold the row lock a little while others wait
            await session.commit()
            return number
    taken = await asyncio.gather(*(take("interchange") for _ in range(20)))
    assert sorted(taken) == list(range(3, 23))
    fresh = await asyncio.gather(*(take("group") for _ in range(5)), *(_other_tenant(app) for _ in range(5)))
    assert sorted(fresh[:5]) == [3, 4, 5, 6, 7]
    assert sorted(fresh[5:]) == [1, 2, 3, 4, 5]


_OTHER = f"other-{uuid.uuid4().hex[:6]}"


async def _other_tenant(app) -> int:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        number = await DatabaseControlNumbers(session, _OTHER).next_group()
        await session.commit()
        return number


async def test_a_failed_hand_over_keeps_the_batch_and_its_claims_until_a_resend_succeeds(
    app, client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, send_batches, emitted,
    clearinghouse_dir
):
    await seed_reference()
    await _billed(deliver, wrap, make_coded, make_coverage, count=1)
    blocker = clearinghouse_dir / "outbound"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the outbound directory should be")

    [batch] = await send_batches()

    assert (batch["status"], batch["attempts"]) == ("built", 1) and "file drop failed" in batch["last_error"]
    [claim] = await _claims(client, as_role)
    assert (claim["status"], await emitted(ClaimSubmitted)) == ("ready", [])
    assert await send_batches() == []  # the claim is in the built batch, not batched twice
    blocker.unlink()
    resent = await client.post(f"/v1/batches/{batch['id']}/send", headers=as_role("biller"))
    assert resent.json()["status"] == "sent" and resent.json()["attempts"] == 2
    again = await client.post(f"/v1/batches/{batch['id']}/send", headers=as_role("biller"))
    assert again.json()["status"] == "sent"
    assert len(await emitted(ClaimSubmitted)) == 1
    assert (await _claims(client, as_role))[0]["status"] == "submitted"


def _999(group: int, transaction: int, accepted: bool) -> str:
    body = "IK5*A" if accepted else "IK3*NM1*12*2010*8~IK4*9*67*7~IK5*R*5"
    return (f"ISA*00*          *00*          *ZZ*GATEWAY1       *ZZ*SUB123         *261123*1200*^*00501*000000901*0*T*:~"
            f"GS*FA*GATEWAY1*SUB123*{DATE}*1200*901*X*005010X231A1~ST*999*0001*005010X231A1~"
            f"AK1*HC*{group}*005010X222A1~AK2*837*{transaction:04d}*005010X222A1~{body}~"
            f"AK9*{'A' if accepted else 'R'}*1*1*{1 if accepted else 0}~SE*7*0001~GE*1*901~IEA*1*000000901~")


def _277ca(pcn: str, stc: str, payer_claim_number: str = "") -> str:
    ref = f"REF*1K*{payer_claim_number}~" if payer_claim_number else ""
    return ("ISA*00*          *00*          *ZZ*ACME01         *ZZ*SUB123         *261123*1200*^*00501*000000902*0*T*:~"
            f"GS*HN*ACME01*SUB123*{DATE}*1200*902*X*005010X214~ST*277*0001*005010X214~"
            f"BHT*0085*08*B1*{DATE}*1200*TH~HL*1**20*1~NM1*PR*2*ACME*****PI*ACME01~TRN*1*1~DTP*050*D8*{DATE}~"
            f"DTP*009*D8*{DATE}~HL*2*1*21*1~NM1*41*2*PRAIRIE*****46*SUB123~TRN*2*1~STC*A1:19*{DATE}*WQ*172~"
            f"QTY*90*1~AMT*YU*172~HL*3*2*19*1~NM1*85*2*PRAIRIE*****XX*1234567893~TRN*1*1~HL*4*3*PT~"
            f"NM1*QC*1*DOE*JO****MI*M1~TRN*2*{pcn}~STC*{stc}*{DATE}*WQ*172~{ref}DTP*472*D8*20261116~"
            f"SE*20*0001~GE*1*902~IEA*1*000000902~")


async def test_a_999_rejection_sends_claims_back_and_a_corrected_claim_goes_out_and_is_accepted_by_277ca(
    client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, send_batches, emitted
):
    await seed_reference()
    await _billed(deliver, wrap, make_coded, make_coverage, count=1)
    [batch] = await send_batches()
    post = lambda text: client.post("/v1/acknowledgments", content=text, headers=as_role("biller"))  # noqa: E731

    rejected = await post(_999(batch["group_control_number"], batch["transaction_control_numbers"][0], False))
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["kind"], len(rejected.json()["rejected"]), rejected.json()["duplicate"]) == ("999", 1, False)
    [event] = await emitted(ClaimRejected)
    assert event.reasons[0].code == "IK3:NM1:8:IK4:7"
    assert "an element has an invalid code value in NM109" in event.reasons[0].description
    assert (await client.get(f"/v1/batches/{batch['id']}", headers=as_role("biller"))).json()["acknowledgment"] == "rejected"
    [item] = (await client.get("/v1/work-queue", headers=as_role("biller"))).json()["items"]
    assert item["status"] == "rejected" and item["scrub_findings"][0]["rule_id"] == "999-IK3:NM1:8:IK4:7"

    corrected = await client.post(f"/v1/claims/{item['id']}/corrections", json={"member_id": "M2"},
                                  headers=as_role("biller"))
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["status"], corrected.json()["member_id"]) == ("ready", "M2")
    [second] = await send_batches()
    assert second["id"] != batch["id"]
    pcn = item["patient_control_number"]

    accepted = await post(_277ca(pcn, "A2:20", "PAYER-CLAIM-55"))
    assert accepted.json()["accepted"] == [item["id"]]
    [acceptance] = await emitted(ClaimAccepted)
    assert (acceptance.payer_claim_control_number, acceptance.status_code) == ("PAYER-CLAIM-55", "A2:20")
    detail = (await client.get(f"/v1/claims/{item['id']}", headers=as_role("biller"))).json()
    assert (detail["status"], detail["payer_claim_control_number"]) == ("accepted", "PAYER-CLAIM-55")
    assert [h["to_status"] for h in detail["status_history"]] == [
        "draft", "ready", "submitted", "rejected", "rejected", "ready", "submitted", "accepted"]

    duplicate = await post(_277ca(pcn, "A2:20", "PAYER-CLAIM-55"))
    assert duplicate.json()["duplicate"] is True and len(await emitted(ClaimAccepted)) == 1
    not_x12 = await client.post("/v1/acknowledgments", content="hello", headers=as_role("biller"))
    assert not_x12.status_code == 422 and not_x12.headers["content-type"] == "application/problem+json"


async def test_a_277ca_rejection_in_plain_english_and_files_collected_from_the_drop_directory(
    app, client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, emitted,
    clearinghouse_dir
):
    await seed_reference()
    await _billed(deliver, wrap, make_coded, make_coverage, count=1)
    worker = ClearinghouseWorker(app.state.runtime.uow_factory, app.state.clearinghouses, interval_seconds=1,
                                 max_claims=100)
    await worker.run_once()  # batches and sends the READY claim
    [claim] = await _claims(client, as_role)
    assert claim["status"] == "submitted"

    inbound = clearinghouse_dir / "inbound" / tenant
    inbound.mkdir(parents=True)
    (inbound / "277CA-0001.x12").write_text(_277ca(claim["patient_control_number"], "A7:562:85"))
    (inbound / "garbage.txt").write_text("not x12")
    await worker.run_once()

    [event] = await emitted(ClaimRejected)
    assert event.reasons[0].description == ("The payer rejected for invalid information the claim: the billing "
                                            "provider: the National Provider Identifier (NPI) is wrong or missing.")
    assert "/v1/billing-profiles" in event.reasons[0].suggested_fix
    assert sorted(p.name for p in (inbound / "processed").iterdir()) == ["277CA-0001.x12", "garbage.txt"]
    assert [p.name for p in inbound.iterdir() if p.is_file()] == []
    assert (await _claims(client, as_role))[0]["status"] == "rejected"


async def test_the_same_claim_ids_in_another_tenant_are_not_found_by_acknowledgments(
    client, tenant, as_role, wrap, deliver, make_coded, make_coverage, seed_reference, send_batches
):
    await seed_reference()
    await _billed(deliver, wrap, make_coded, make_coverage, count=1)
    [batch] = await send_batches()
    [claim] = await _claims(client, as_role)
    intruder = auth_headers("biller", tenants=("someone-else",))
    answer = await client.post("/v1/acknowledgments", content=_277ca(claim["patient_control_number"], "A7:562:85"),
                               headers=intruder)
    assert answer.json()["unmatched"] == [claim["patient_control_number"]]
    answer = await client.post("/v1/acknowledgments",
                               content=_999(batch["group_control_number"], 1, False), headers=intruder)
    assert answer.json()["unmatched"] == [f"GS06 {batch['group_control_number']}"]
    assert (await _claims(client, as_role))[0]["status"] == "submitted"
    assert (await client.get(f"/v1/batches/{batch['id']}", headers=intruder)).status_code == 404


async def test_batch_routes_admit_only_billing_roles(client, as_role):
    for role in ("coder", "payment_poster", "ehr_integration"):
        assert (await client.post("/v1/batches", headers=as_role(role))).status_code == 403
        assert (await client.post("/v1/acknowledgments", content="x", headers=as_role(role))).status_code == 403
