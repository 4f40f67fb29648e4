"""An 835 that comes before its claims' ClaimSubmitted: the claims wait unmatched, and are matched and
posted (once) when the expected claim is recorded. Against real PostgreSQL and the local broker."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import timedelta
from decimal import Decimal

from aiokafka import AIOKafkaProducer
from sqlalchemy import event, select, text

from openrcm_devtools import samples
from openrcm_shared.bus.kafka import ensure_topics
from openrcm_shared.contracts import ClaimSubmitted, DenialRaised, EventEnvelope, RemitReceived
from openrcm_shared.db import audit_log, utcnow
from payments_svc.adapters.orm import denials, remit_claims, remittances
from payments_svc.adapters.repository import RemittanceRepository
from payments_svc.application.posting import post_staged, stage_all
from payments_svc.domain.remittance import Remittance
from payments_svc.domain.remittance_document import RemittanceDocument

X12 = {"Content-Type": "application/edi-x12"}
CONSUMER_WAIT_SECONDS = 20


def trace() -> str:
    return f"EFT{uuid.uuid4().hex[:10].upper()}"


def claim_id(envelope: EventEnvelope) -> uuid.UUID:
    return envelope.payload_as(ClaimSubmitted).claim_id


async def upload(client, headers, content: bytes) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/remittances", content=content, headers={**headers(), **X12})
    assert response.status_code == 201, response.text
    [tx] = response.json()["transactions"]
    return tx


async def claim_statuses(client, headers, remittance_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    remittance = (await client.get(f"/v1/remittances/{remittance_id}", headers=headers())).json()
    return [c["status"] for c in remittance["claims"]]


async def test_an_835_before_its_claims_auto_posts_once_the_last_claim_is_submitted(
    client, claims, seed, headers, x12, outbox, count
):
    paid, denied = claims.submitted(), claims.submitted()
    await client.put("/v1/posting-settings", json={"auto_post_clean_remits": True}, headers=headers("practice_admin"))
    tx = await upload(client, headers, x12.one([x12.paid(paid), x12.denied(denied, reason="50", remark="N115")],
                                               trace=trace()))
    assert tx["status"] == "pending" and tx["remittance"]["unmatched_count"] == 2  # not clean: waits

    await seed(paid)  # one of the two: the match is kept, the payment still waits
    assert await claim_statuses(client, headers, tx["remittance_id"]) == ["posted", "unmatched"]
    assert await outbox() == []

    await seed(denied)  # the last one: the payment is clean now and the tenant lets clean payments post
    summary = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers())).json()
    assert (summary["status"], summary["posted_count"], summary["unmatched_count"], summary["denial_count"]) == (
        "posted", 2, 0, 1)
    assert await count(remittances, remittances.c.posted_by.like("auto-post:%")) == 1
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [(r.claim_id, r.total_paid, r.outcome) for r in remits] == [
        (claim_id(paid), Decimal("112.00"), "paid"), (claim_id(denied), Decimal("0.00"), "denied")]
    assert remits[0].patient_responsibility.deductible == Decimal("20.00")
    assert remits[0].lines[0].line_control_number == paid.payload_as(ClaimSubmitted).lines[0].line_control_number
    [denial] = [e.payload_as(DenialRaised) for e in await outbox("DenialRaised")]
    assert (denial.claim_id, denial.remit_claim_id, denial.owning_department.value) == (
        claim_id(denied), remits[1].remit_claim_id, "coding")

    await seed(paid, denied)  # delivered again without the inbox: nothing left to match
    assert len(await outbox()) == 3 and await count(denials) == 1
    assert await count(audit_log, audit_log.c.entity_type == "remittance", audit_log.c.action == "match") == 2


async def test_a_claim_matched_late_in_a_posted_payment_posts_once_and_leaves_the_unmatched_queue(
    client, claims, seed, headers, outbox, count
):
    known, stranger, denied = claims.submitted(), claims.submitted(), claims.submitted()
    await seed(known)
    body = samples.remittance(
        [samples.remit_claim_paid(known.payload), samples.remit_claim_paid(stranger.payload),
         samples.remit_claim_denied(denied.payload, group="CO", reason_code="16", remark_codes=["MA130"])],
        trace_number=trace())
    posted = await client.post("/v1/remittances", json=body, headers=headers())
    assert posted.status_code == 201, posted.text
    remittance_id = posted.json()["id"]
    assert [c["status"] for c in posted.json()["claims"]] == ["posted", "unmatched", "unmatched"]
    queue = (await client.get("/v1/remittances/unmatched-claims", headers=headers("biller"))).json()["items"]
    assert len(queue) == 2
    [before] = (await client.get("/v1/reconciliation/payments", headers=headers("biller"))).json()["items"]
    assert (before["posted_claims_paid"], before["held_claims_paid"], before["difference"]) == (
        "112.00", "112.00", "0.00")

    await seed(stranger, denied)
    assert await claim_statuses(client, headers, remittance_id) == ["posted", "posted", "posted"]
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [(r.claim_id, r.remit_claim_id, r.total_paid) for r in remits] == [
        (claim_id(known), uuid.UUID(posted.json()["claims"][0]["id"]), Decimal("112.00")),
        (claim_id(stranger), uuid.UUID(posted.json()["claims"][1]["id"]), Decimal("112.00")),
        (claim_id(denied), uuid.UUID(posted.json()["claims"][2]["id"]), Decimal("0.00"))]
    assert all(r.remittance_id == uuid.UUID(remittance_id) for r in remits)
    [denial] = [e.payload_as(DenialRaised) for e in await outbox("DenialRaised")]
    assert (denial.claim_id, denial.owning_department.value) == (claim_id(denied), "billing")
    assert (await client.get("/v1/remittances/unmatched-claims", headers=headers())).json()["items"] == []
    [after] = (await client.get("/v1/reconciliation/payments", headers=headers("biller"))).json()["items"]
    assert (after["posted_claims_paid"], after["held_claims_paid"], after["difference"]) == ("224.00", "0.00", "0.00")

    # The same claims again, and a replacement under the stranger's number: nothing is posted twice.
    replacement = claims.submitted(pcn=stranger.payload["patient_control_number"], frequency_code="7",
                                   submitted_at=stranger.payload_as(ClaimSubmitted).submitted_at + timedelta(hours=1))
    await seed(stranger, denied, replacement)
    assert len(await outbox("RemitReceived")) == 3 and len(await outbox("DenialRaised")) == 1
    assert await count(denials) == 1


async def test_a_staged_payment_gets_the_match_and_posting_it_later_emits_once(
    client, claims, seed, headers, x12, outbox
):
    envelope = claims.submitted()
    tx = await upload(client, headers, x12.one([x12.paid(envelope)], trace=trace()))  # auto-post is off
    assert tx["status"] == "pending"
    await seed(envelope)
    remittance = (await client.get(f"/v1/remittances/{tx['remittance_id']}", headers=headers())).json()
    assert (remittance["status"], remittance["claims"][0]["status"], remittance["claims"][0]["claim_id"]) == (
        "pending", "posted", str(claim_id(envelope)))
    assert [m["method"] for m in remittance["claims"][0]["line_matches"]] == ["line_control_number"] * 2
    assert await outbox() == []  # matched, not posted: the payment poster has not confirmed

    await seed(envelope)
    confirmed = await client.post(f"/v1/remittances/{tx['remittance_id']}/post", headers=headers())
    assert confirmed.status_code == 200, confirmed.text
    [remit] = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert (remit.claim_id, remit.total_paid) == (claim_id(envelope), Decimal("112.00"))
    await seed(envelope)
    assert len(await outbox()) == 1


async def test_a_late_claim_that_does_not_balance_is_held(client, claims, seed, headers, outbox):
    envelope = claims.submitted()
    off = samples.remit_claim_paid(envelope.payload)
    off["lines"][0]["paid"] = str(Decimal(off["lines"][0]["paid"]) + Decimal("5.00"))
    off["total_paid"] = str(Decimal(off["total_paid"]) + Decimal("5.00"))
    posted = await client.post("/v1/remittances", json=samples.remittance([off], trace_number=trace()),
                               headers=headers())
    assert posted.status_code == 201, posted.text
    await seed(envelope)
    [held] = (await client.get(f"/v1/remittances/{posted.json()['id']}", headers=headers())).json()["claims"]
    assert (held["status"], held["matched"], held["balanced"]) == ("out_of_balance", True, False)
    assert await outbox() == []


async def test_a_payment_and_its_reversal_both_received_before_the_claim_post_in_order(
    client, claims, seed, headers, outbox
):
    envelope = claims.submitted(charges=("100.00",))
    paid = samples.remit_claim_paid(envelope.payload, deductible=Decimal("0.00"))
    reversal = {
        **copy.deepcopy(paid), "status_code": "22", "total_charge": "-100.00", "total_paid": "-80.00", "lines": [],
        "adjustments": [{"group": "CO", "reason_code": "45", "amount": "-20.00"}],
    }
    first = await client.post("/v1/remittances", json=samples.remittance([paid], trace_number=trace()),
                              headers=headers())
    take_back = samples.remittance([reversal], trace_number=trace())
    take_back["payment"].update(method="NON", amount="0.00")
    take_back["claims"].append({**copy.deepcopy(paid), "payer_claim_control_number": "PAYER-CLM-2"})
    second = await client.post("/v1/remittances", json=take_back, headers=headers())
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert await outbox() == []

    await seed(envelope)
    remits = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert [(r.outcome, r.total_paid, r.claim_id) for r in remits] == [
        ("paid", Decimal("80.00"), claim_id(envelope)), ("reversed", Decimal("-80.00"), claim_id(envelope)),
        ("paid", Decimal("80.00"), claim_id(envelope))]
    assert remits[1].reverses_remit_claim_id == remits[0].remit_claim_id
    original = (await client.get(f"/v1/remittances/{first.json()['id']}", headers=headers())).json()["claims"][0]
    assert original["reversed_by_remit_claim_id"] == str(remits[1].remit_claim_id)


async def test_a_claim_recorded_while_its_835_is_being_staged_is_not_missed(app, client, claims, seed, outbox):
    """The 835's transaction stages the claim unmatched, ClaimSubmitted is handled before that commits:
    the handler waits for it instead of finding nothing, then matches and posts the claim."""
    from payments_svc.application.expected_claims import when_claim_submitted_expect_remittance

    envelope = claims.submitted()
    runtime = app.state.runtime
    document = RemittanceDocument.model_validate(
        samples.remittance([samples.remit_claim_paid(envelope.payload)], trace_number=trace()))

    async def handle() -> None:
        async with runtime.uow_factory() as uow:
            await when_claim_submitted_expect_remittance(uow, envelope)

    async def consumer_waits() -> bool:
        async with runtime.session_factory() as session:
            return bool(await session.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")))

    async with runtime.uow_factory() as staging:
        remittance = Remittance.receive(tenant_id=claims.tenant_id, actor="poster", header=document.header,
                                        received_at=utcnow(), source="json", keep_claims=False)
        await RemittanceRepository(staging.session).add_header(remittance)
        await stage_all(staging, remittance, document.claims)
        remittance.close(document.provider_adjustments)
        await post_staged(staging, remittance, actor="poster", at=utcnow())
        handler = asyncio.create_task(handle())
        deadline = asyncio.get_running_loop().time() + CONSUMER_WAIT_SECONDS
        while not handler.done() and not await consumer_waits():
            assert asyncio.get_running_loop().time() < deadline, "the handler neither finished nor waited"
            await asyncio.sleep(0.05)
        await staging.commit()
    await handler

    [remit] = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert (remit.claim_id, remit.remittance_id) == (claim_id(envelope), remittance.id)
    async with runtime.session_factory() as session:
        statuses = (await session.scalars(select(remit_claims.c.status).where(
            remit_claims.c.remittance_id == remittance.id))).all()
    assert statuses == ["posted"]


async def test_claim_submitted_through_the_broker_twice_posts_the_waiting_claim_once(
    app, client, claims, headers, broker, outbox
):
    envelope, sentinel = claims.submitted(), claims.submitted()
    posted = await client.post("/v1/remittances", headers=headers(), json=samples.remittance(
        [samples.remit_claim_paid(envelope.payload)], trace_number=trace()))
    assert posted.status_code == 201 and posted.json()["claims"][0]["status"] == "unmatched"
    await ensure_topics(app.state.runtime.kafka, [ClaimSubmitted.topic()])
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async def publish(item: EventEnvelope, partition: int | None = None) -> int:
            metadata = await producer.send_and_wait(
                ClaimSubmitted.topic(), key=item.message_key.encode(), value=item.model_dump_json().encode(),
                partition=partition)
            return metadata.partition

        partition = await publish(envelope)
        await publish(envelope, partition)  # redelivered: the inbox absorbs it
        await publish(sentinel, partition)  # handled last: both copies were handled before it
    finally:
        await producer.stop()

    async def handled(item: EventEnvelope) -> bool:
        response = await client.get("/v1/expected-claims", headers=headers(),
                                    params={"patient_control_number": item.payload["patient_control_number"]})
        return bool(response.json()["items"])

    deadline = asyncio.get_running_loop().time() + CONSUMER_WAIT_SECONDS
    while not await handled(sentinel):
        assert asyncio.get_running_loop().time() < deadline, "the consumer did not handle the published claims"
        await asyncio.sleep(0.2)
    [remit] = [e.payload_as(RemitReceived) for e in await outbox("RemitReceived")]
    assert (remit.claim_id, str(remit.remit_claim_id)) == (claim_id(envelope), posted.json()["claims"][0]["id"])


async def test_the_lookup_of_waiting_claims_keeps_to_the_unmatched_index_in_a_cached_plan(app, client):
    """ClaimSubmitted looks for claims waiting under its patient control number. Run as a prepared statement
    (asyncpg caches them), PostgreSQL soon plans it once for any parameter values: that plan can use the
    partial index of unmatched claims only if the status is in the SQL text rather than a parameter."""
    statements: list[str] = []
    engine = app.state.runtime.engine.sync_engine

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        async with app.state.runtime.session_factory() as session:
            await RemittanceRepository(session).unmatched_claims_with_control_number("tenant-x", "PCN-1")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    [lookup] = [s for s in statements if "remit_claims" in s]
    async with app.state.runtime.session_factory() as session:
        await session.execute(text("SET plan_cache_mode = force_generic_plan"))
        await session.execute(text(f"PREPARE waiting_claims AS {lookup}"))
        plan = "\n".join(await session.scalars(text("EXPLAIN EXECUTE waiting_claims('tenant-x', 'PCN-1')")))
    assert "ix_remit_claims_tenant_unmatched_pcn" in plan, plan
