"""Appeals and the A/R follow-up queue over HTTP, on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import update

from claims_svc.application.reactions import (
    when_denial_raised_queue_for_billing, when_encounter_coded_create_claim, when_remit_received_update_claim,
)
from claims_svc.adapters.orm import claims
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_shared.db import audit_log, utcnow

ARGUMENT = "The service was medically necessary; the enclosed note documents the indication."


async def test_a_denied_claim_is_appealed_with_a_letter_and_its_billing_denials_close(
    client, tenant, wrap, deliver, as_role, make_coded, make_remit, make_denial, seed_reference, send_batches, count
):
    await seed_reference()
    event = make_coded()
    await deliver(when_encounter_coded_create_claim, wrap(event))
    await send_batches()
    follow_up = (await client.get("/v1/follow-up", params={"min_age_days": 0}, headers=as_role("biller"))).json()
    [waiting] = follow_up["items"]
    assert (waiting["status"], waiting["days_silent"]) == ("submitted", 0) and "999/277CA" in waiting["next_step"]
    assert (await client.get("/v1/follow-up", headers=as_role("biller"))).json()["items"] == []  # 30 days by default

    ids = {"claim_id": uuid.UUID(waiting["id"]), "encounter_id": event.encounter_id}
    await deliver(when_remit_received_update_claim, wrap(make_remit(
        **ids, patient_control_number=waiting["patient_control_number"], outcome="denied", paid="0.00")))
    await deliver(when_denial_raised_queue_for_billing, wrap(make_denial(**ids)))

    filed = await client.post(f"/v1/claims/{waiting['id']}/appeals", json={"argument": ARGUMENT},
                              headers=as_role("biller"))
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert ARGUMENT in appeal["letter"] and "CO-16" in appeal["letter"] and appeal["deadline"] > appeal["denied_on"]
    detail = (await client.get(f"/v1/claims/{waiting['id']}", headers=as_role("biller"))).json()
    assert detail["status"] == "appealed" and [d["status"] for d in detail["denials"]] == ["closed"]
    again = await client.post(f"/v1/claims/{waiting['id']}/appeals", json={"argument": ARGUMENT},
                              headers=as_role("biller"))
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    too_short = await client.post(f"/v1/claims/{waiting['id']}/appeals", json={"argument": "pay"},
                                  headers=as_role("biller"))
    assert too_short.status_code == 422

    [listed] = (await client.get(f"/v1/claims/{waiting['id']}/appeals", headers=as_role("biller"))).json()
    assert listed["id"] == appeal["id"]
    assert await count(audit_log, audit_log.c.tenant_id == tenant, audit_log.c.entity_type == "claim_appeal") == 1
    other = auth_headers("biller", tenants=("someone-else",))
    assert (await client.get(f"/v1/claims/{waiting['id']}/appeals", headers=other)).status_code == 404
    assert (await client.post(f"/v1/claims/{waiting['id']}/appeals", json={"argument": ARGUMENT},
                              headers=other)).status_code == 404
    assert (await client.get("/v1/follow-up", headers=as_role("coder"))).status_code == 403


async def test_follow_up_uses_each_payers_days_and_lists_the_largest_of_the_oldest_first(
    client, app, tenant, wrap, deliver, as_role, make_coded, seed_reference, send_batches, reference_bodies
):
    await seed_reference()
    await deliver(when_encounter_coded_create_claim, wrap(make_coded(codes=("83036",), charges=("40.00",))))
    await deliver(when_encounter_coded_create_claim, wrap(make_coded()))
    await send_batches()
    async with app.state.runtime.session_factory() as session:  # both went out 15 days ago
        await session.execute(update(claims).where(claims.c.tenant_id == tenant)
                              .values(updated_at=utcnow() - timedelta(days=15)))
        await session.commit()
    biller = as_role("biller")
    assert (await client.get("/v1/follow-up", headers=biller)).json()["items"] == []  # the payer's 30 days

    payer = {**reference_bodies["payer"], "follow_up_days": 14}
    updated = await client.put(f"/v1/payers/{payer['payer_id']}", json=payer, headers=as_role("practice_admin"))
    assert updated.status_code == 200, updated.text
    waiting = (await client.get("/v1/follow-up", headers=biller)).json()["items"]
    totals = [Decimal(item["total_charge"]) for item in waiting]
    assert len(totals) == 2 and totals == sorted(totals, reverse=True)  # as old: the largest first
