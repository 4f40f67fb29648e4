"""ClaimSubmitted -> expected claims: the reaction directly, and the real consumer over the broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from openrcm_shared.bus.kafka import ensure_topics
from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import inbox_events
from payments_svc.adapters.orm import expected_claims

CONSUMER_WAIT_SECONDS = 20


async def _expected_rows(app, pcn: str) -> list[dict]:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(expected_claims).where(expected_claims.c.patient_control_number == pcn))
        return [dict(row) for row in rows.mappings()]


async def test_a_submitted_claim_becomes_an_expected_claim_and_repeats_change_nothing(
    app, client, claims, seed, headers
):
    envelope = claims.submitted()
    pcn = envelope.payload["patient_control_number"]
    await seed(envelope)
    [stored] = await _expected_rows(app, pcn)

    # The same event again, and the same claim republished under a new event id: nothing changes.
    republished = EventEnvelope.wrap(envelope.event(), tenant_id=envelope.tenant_id, producer=envelope.producer)
    await seed(envelope, republished)
    assert await _expected_rows(app, pcn) == [stored]

    response = await client.get(
        "/v1/expected-claims", params={"patient_control_number": pcn}, headers=headers("biller")
    )
    [item] = response.json()["items"]
    submitted = envelope.payload_as(ClaimSubmitted)
    assert (item["claim_id"], item["encounter_id"], item["total_charge"]) == (
        str(submitted.claim_id), str(submitted.encounter_id), "165.00"
    )
    assert item["patient"]["patient_id"] == submitted.patient.patient_id
    assert [line["line_control_number"] for line in item["lines"]] == [f"{pcn}-1", f"{pcn}-2"]


async def test_a_replacement_claim_supersedes_and_a_late_older_one_is_ignored(app, client, claims, seed):
    original = claims.submitted()
    pcn = original.payload["patient_control_number"]
    submitted_at = original.payload_as(ClaimSubmitted).submitted_at
    replacement = claims.submitted(pcn=pcn, frequency_code="7", charges=("130.00",),
                                   submitted_at=submitted_at + timedelta(hours=1))
    stale = claims.submitted(pcn=pcn, submitted_at=submitted_at - timedelta(days=1))
    await seed(original, replacement, stale)
    [row] = await _expected_rows(app, pcn)
    assert (row["claim_id"], row["frequency_code"], str(row["total_charge"])) == (
        replacement.payload_as(ClaimSubmitted).claim_id, "7", "130.00"
    )


async def test_expected_claims_are_scoped_to_the_tenant(client, claims, seed, headers):
    envelope = claims.submitted()
    await seed(envelope)
    pcn = envelope.payload["patient_control_number"]
    mine = await client.get("/v1/expected-claims", params={"patient_control_number": pcn}, headers=headers())
    theirs = await client.get("/v1/expected-claims", params={"patient_control_number": pcn},
                              headers=headers(tenant_id=f"other-{uuid.uuid4().hex[:6]}"))
    assert len(mine.json()["items"]) == 1 and theirs.json()["items"] == []


async def test_the_consumer_records_claims_from_the_broker_once_even_when_delivered_twice(
    app, client, claims, headers, broker
):
    runtime = app.state.runtime
    await ensure_topics(runtime.kafka, [ClaimSubmitted.topic()])
    envelope, sentinel = claims.submitted(), claims.submitted()
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        async def publish(item: EventEnvelope, partition: int | None = None) -> int:
            metadata = await producer.send_and_wait(
                ClaimSubmitted.topic(), key=item.message_key.encode(), value=item.model_dump_json().encode(),
                partition=partition,
            )
            return metadata.partition

        partition = await publish(envelope)
        await publish(envelope, partition)  # redelivery: the same event id again
        # The sentinel follows on the same partition, so once it is handled both copies were too.
        await publish(sentinel, partition)
    finally:
        await producer.stop()

    async def handled(item: EventEnvelope) -> bool:
        pcn = item.payload["patient_control_number"]
        response = await client.get("/v1/expected-claims", params={"patient_control_number": pcn}, headers=headers())
        return bool(response.json()["items"])

    deadline = asyncio.get_running_loop().time() + CONSUMER_WAIT_SECONDS
    while not await handled(sentinel):
        assert asyncio.get_running_loop().time() < deadline, "the consumer did not handle the published claims"
        await asyncio.sleep(0.2)

    assert len(await _expected_rows(app, envelope.payload["patient_control_number"])) == 1
    async with runtime.session_factory() as session:
        inbox = (await session.execute(select(inbox_events).where(inbox_events.c.event_id == envelope.event_id))).all()
    assert len(inbox) == 1
