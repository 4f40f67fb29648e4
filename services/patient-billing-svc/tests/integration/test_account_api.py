"""patient-billing-svc against real PostgreSQL and the local broker: events in, the account view out.

Each test uses its own tenant and patient (fixtures in conftest.py): the broker lives for the whole
session, so a consumer may re-read messages of earlier tests.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

from aiokafka import AIOKafkaProducer

from openrcm_shared.bus.kafka import KafkaConfig, ensure_topics
from openrcm_shared.contracts import EncounterCoded, PartyName
from openrcm_shared.db import audit_log
from patient_billing_svc.adapters.orm import ledger_entries, visits


async def account_of(client, staff, patient_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/accounts/by-patient/{patient_id}", headers=staff())
    assert response.status_code == 200, response.text
    return response.json()


async def test_insured_visit_is_pending_with_insurance_until_the_remit_posts_the_patient_share(
    client, staff, deliver, count, patient_id, events
):
    encounter = events.encounter_coded(patient_id, insured=True)
    await deliver(encounter)
    account = await account_of(client, staff, patient_id)
    assert account["guarantor"]["is_patient"] is True
    assert Decimal(account["balance"]) == Decimal(account["patient_due"]) == Decimal("0")
    assert Decimal(account["insurance_pending"]) == Decimal("165.00")
    [visit] = account["visits"]
    assert visit["status"] == "claim_pending" and visit["self_pay"] is False
    assert visit["encounter_id"] == str(encounter.payload["encounter_id"]) and account["entries"] == []

    remit = events.remit_received(encounter, deductible="20.00", coinsurance="5.50", copay="10.00")
    await deliver(remit)
    account = await account_of(client, staff, patient_id)
    assert Decimal(account["balance"]) == Decimal(account["patient_due"]) == Decimal("35.50")
    assert Decimal(account["insurance_pending"]) == Decimal("0")
    assert Decimal(account["aging"]["days_0_30"]) == Decimal("35.50")
    assert account["visits"][0]["status"] == "adjudicated"
    [entry] = account["entries"]
    assert entry["entry_type"] == "insurance_patient_responsibility"
    assert {k: Decimal(v) for k, v in entry["patient_share"].items()} == {
        "deductible": Decimal("20.00"), "coinsurance": Decimal("5.50"), "copay": Decimal("10.00"),
        "other": Decimal("0"),
    }
    assert entry["payer_id"] == "ACME01"
    assert entry["claim_id"] == remit.payload["claim_id"]
    assert entry["remit_claim_id"] == remit.payload["remit_claim_id"]

    by_id = await client.get(f"/v1/accounts/{account['id']}", headers=staff("biller"))
    assert by_id.status_code == 200 and by_id.json() == account
    listed = await client.get(
        "/v1/accounts", params={"patient_id": patient_id}, headers=staff("practice_admin")
    )
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["items"]] == [account["id"]]
    assert await count(audit_log) == 6  # 2 postings + 4 reads, each audited


async def test_self_pay_visit_is_charged_to_the_guarantor_the_encounter_names(
    client, staff, deliver, count, patient_id, events
):
    encounter = events.encounter_coded(patient_id, insured=False, guarantor=PartyName(last="Doe", first="Alex"))
    await deliver(encounter)
    account = await account_of(client, staff, patient_id)
    assert account["guarantor"]["is_patient"] is False and account["guarantor"]["name"]["first"] == "Alex"
    assert Decimal(account["balance"]) == Decimal(account["patient_due"]) == Decimal("165.00")
    assert Decimal(account["insurance_pending"]) == Decimal("0")
    [entry] = account["entries"]
    assert entry["entry_type"] == "patient_charge" and entry["patient_share"] is None
    assert account["visits"][0]["status"] == "self_pay"


async def test_duplicate_delivery_changes_nothing(client, staff, deliver, count, patient_id, events):
    encounter = events.encounter_coded(patient_id)
    remit = events.remit_received(encounter, deductible="20.00")
    for envelope in (encounter, remit):
        await deliver(envelope)
    before = await account_of(client, staff, patient_id)
    # The very same envelopes again (the handler without the inbox), and re-published under new event ids.
    for envelope in (encounter, remit, events.redelivered(encounter), events.redelivered(remit)):
        await deliver(envelope)
    after = await account_of(client, staff, patient_id)
    assert after == before
    assert Decimal(after["balance"]) == Decimal("20.00")
    assert (await count(ledger_entries), await count(visits)) == (1, 1)


async def test_a_reversal_cancels_the_patient_share_exactly(client, staff, deliver, count, patient_id, events):
    encounter = events.encounter_coded(patient_id)
    paid = events.remit_received(encounter, deductible="20.00", copay="15.00")
    reversal = events.remit_received(encounter, deductible="20.00", copay="15.00", outcome="reversed", reverses=paid)
    for envelope in (encounter, paid, reversal, reversal, events.redelivered(reversal)):
        await deliver(envelope)
    account = await account_of(client, staff, patient_id)
    assert Decimal(account["balance"]) == Decimal(account["patient_due"]) == Decimal("0")
    assert all(Decimal(v) == 0 for v in account["aging"].values())
    original, reversing = account["entries"]
    assert reversing["entry_type"] == "reversal" and reversing["reverses_entry_id"] == original["id"]
    assert Decimal(reversing["amount"]) == -Decimal(original["amount"]) == Decimal("-35.00")
    assert {k: -Decimal(v) for k, v in reversing["patient_share"].items()} == {
        k: Decimal(v) for k, v in original["patient_share"].items()
    }
    assert reversing["remit_claim_id"] == reversal.payload["remit_claim_id"]
    # The payer took its answer back: the claim is with insurance again.
    assert account["visits"][0]["status"] == "claim_pending"
    assert Decimal(account["insurance_pending"]) == Decimal("165.00")


async def test_a_reversal_handled_after_the_replacement_paid_leaves_the_visit_adjudicated(
    client, staff, deliver, patient_id, events,
):
    """The payer pays a replacement claim and reverses the original in one 835: two claims, two keys, so
    patient billing may see the replacement's payment before the original's reversal."""
    encounter = events.encounter_coded(patient_id)
    original = events.remit_received(encounter, deductible="20.00", copay="15.00")
    replacement = events.remit_received(encounter, copay="15.00", coinsurance="9.00")
    reversal = events.remit_received(encounter, deductible="20.00", copay="15.00", outcome="reversed",
                                     reverses=original)
    for envelope in (encounter, original, replacement, reversal):
        await deliver(envelope)
    account = await account_of(client, staff, patient_id)
    assert Decimal(account["balance"]) == Decimal("24.00")  # the replacement's share only
    assert account["visits"][0]["status"] == "adjudicated"
    assert Decimal(account["insurance_pending"]) == Decimal("0")


async def test_accounts_are_tenant_scoped_and_role_checked(client, staff, deliver, count, patient_id, events):
    other_tenant = f"tenant-{uuid.uuid4().hex[:10]}"
    await deliver(events.encounter_coded(patient_id, insured=False))
    account = await account_of(client, staff, patient_id)

    for path in (f"/v1/accounts/{account['id']}", f"/v1/accounts/by-patient/{patient_id}"):
        response = await client.get(path, headers=staff(tenant_id=other_tenant))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "guarantor" not in response.json() and "Doe" not in response.text
    listed = await client.get("/v1/accounts", headers=staff(tenant_id=other_tenant))
    assert listed.status_code == 200 and listed.json()["items"] == []

    forbidden = await client.get(f"/v1/accounts/{account['id']}", headers=staff("coder"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/accounts", headers=staff("ehr_integration"))).status_code == 403
    assert (await client.get(f"/v1/accounts/{account['id']}")).status_code == 401


async def test_the_consumer_opens_the_account_from_a_published_encounter(client, staff, broker, patient_id, events):
    envelope = events.encounter_coded(patient_id, insured=False, charges=("80.00",))
    kafka = KafkaConfig(bootstrap_servers=broker.bootstrap_servers, partitions=3)
    await ensure_topics(kafka, [EncounterCoded.topic()])
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            EncounterCoded.topic(), key=envelope.message_key.encode(), value=envelope.model_dump_json().encode()
        )
    finally:
        await producer.stop()

    deadline = time.monotonic() + 20
    response = None
    while time.monotonic() < deadline:
        response = await client.get(f"/v1/accounts/by-patient/{patient_id}", headers=staff())
        if response.status_code == 200:
            break
        await asyncio.sleep(0.2)
    assert response is not None and response.status_code == 200, "the consumer did not post the encounter in 20s"
    assert Decimal(response.json()["balance"]) == Decimal("80.00")
