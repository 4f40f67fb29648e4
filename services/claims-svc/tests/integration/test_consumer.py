"""The running consumer: an EncounterCoded published to the broker becomes a claim, ready for the next batch."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from openrcm_shared.contracts import EncounterCoded

WAIT_SECONDS = 20


async def test_a_published_encounter_coded_becomes_a_claim(client, broker, wrap, as_role, make_coded, seed_reference):
    await seed_reference()
    event = make_coded()
    envelope = wrap(event)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(EncounterCoded.topic(), envelope.model_dump_json().encode(),
                                     key=envelope.message_key.encode())
    finally:
        await producer.stop()

    items: list[dict] = []
    for _ in range(WAIT_SECONDS * 10):
        response = await client.get("/v1/claims", params={"encounter_id": str(event.encounter_id)},
                                    headers=as_role("biller"))
        items = response.json()["items"]
        if items:
            break
        await asyncio.sleep(0.1)
    assert [(c["encounter_id"], c["status"]) for c in items] == [(str(event.encounter_id), "ready")]
