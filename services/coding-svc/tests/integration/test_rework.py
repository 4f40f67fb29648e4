"""Rework on real PostgreSQL: a coding denial reopens the encounter; the corrected release is revision 2."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from sqlalchemy import select

from coding_svc.adapters.orm import coding_releases
from coding_svc.application.denials import when_denial_raised_reopen_encounter
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body
from openrcm_shared.contracts import Adjustment, DenialRaised, EncounterCoded, PayerRef
from openrcm_shared.contracts.events import AdjustmentGroup, DenialCategory, Department, RecommendedAction
from openrcm_shared.db import outbox_events

EHR = auth_headers("ehr_integration", subject="ehr-epic")
ANN = auth_headers("coder", subject="ann")


def denial_for(encounter_id: str, *, department: Department = Department.CODING, reason: str = "50") -> DenialRaised:
    return DenialRaised(
        denial_id=uuid.uuid4(), remittance_id=uuid.uuid4(), remit_claim_id=uuid.uuid4(), claim_id=uuid.uuid4(),
        encounter_id=uuid.UUID(encounter_id), patient_control_number="PCN-1", payer=PayerRef(payer_id="ACME01", name="Acme"),
        level="claim", adjustments=[Adjustment(group=AdjustmentGroup.CONTRACTUAL, reason_code=reason, amount=Decimal("165.00"))],
        remark_codes=["N115"], denied_amount=Decimal("165.00"),
        category=DenialCategory.CODING if department == Department.CODING else DenialCategory.MISSING_INFORMATION,
        owning_department=department, recommended_action=RecommendedAction.RECODE,
        explanation="The payer found the service not medically necessary for the diagnoses billed.",
    )


async def events(app, tenant: str = "tenant-a") -> list[EncounterCoded]:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        rows = await session.scalars(
            select(outbox_events.c.envelope).where(outbox_events.c.tenant_id == tenant).order_by(outbox_events.c.id))
        return [EncounterCoded.model_validate(json.loads(row)["payload"]) for row in rows]


async def test_a_coding_denial_reopens_in_rework_and_the_corrected_release_is_revision_2(
    client, app, auto_release, deliver, wrap
):
    encounter = (await client.post("/v1/encounters", json=encounter_body("ENC-RW1"), headers=EHR)).json()
    assert (encounter["status"], encounter["revision"]) == ("coded", 1)
    envelope = wrap(denial_for(encounter["id"]))
    await deliver(when_denial_raised_reopen_encounter, envelope)
    await deliver(when_denial_raised_reopen_encounter, envelope)  # redelivered: one reason, not two

    queue = (await client.get("/v1/work-queue", params={"queue": "rework"}, headers=ANN)).json()["items"]
    [item] = queue
    assert (item["encounter_id"], item["status"], item["revision"]) == (encounter["id"], "rework", 1)
    assert item["rework_reason"]["reason_codes"] == ["CO-50"] and item["rework_reason"]["category"] == "coding"
    assert "medically necessary" in item["rework_reason"]["explanation"]
    assert (await client.get("/v1/work-queue", headers=ANN)).json()["items"] == []  # not in the coding queue

    claimed = await client.post("/v1/work-queue/next", params={"queue": "rework"}, headers=ANN)
    assert claimed.status_code == 200 and claimed.json()["id"] == encounter["id"]
    corrected = {"diagnoses": ["E11.65", "I10"], "service_lines": [
        {"procedure_code": "99213", "diagnosis_pointers": [1, 2], "charge": "125.00"},
        {"procedure_code": "83036", "diagnosis_pointers": [1], "charge": "40.00"},
    ]}
    assert (await client.put(f"/v1/encounters/{encounter['id']}/draft", json=corrected, headers=ANN)).status_code == 200
    released = await client.post(f"/v1/encounters/{encounter['id']}/release", headers=ANN)
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["revision"]) == ("coded", 2)
    assert released.json()["rework_reasons"][0]["resolved_in_revision"] == 2

    first, second = await events(app)
    assert (first.revision, second.revision) == (1, 2)
    assert [d.code for d in second.diagnoses] == ["E1165", "I10"]
    async with app.state.runtime.session_factory() as session:
        records = (await session.execute(select(coding_releases).order_by(coding_releases.c.revision))).mappings().all()
    assert [(r["revision"], r["coder"], r["from_status"], r["auto_released"]) for r in records] == [
        (1, None, "awaiting_coding", True), (2, "ann", "rework", False)]
    assert (await client.get("/v1/work-queue", params={"queue": "rework"}, headers=ANN)).json()["items"] == []


async def test_billing_denials_and_other_tenants_denials_change_nothing(client, auto_release, deliver, wrap):
    encounter = (await client.post("/v1/encounters", json=encounter_body("ENC-RW2"), headers=EHR)).json()
    await deliver(when_denial_raised_reopen_encounter, wrap(denial_for(encounter["id"], department=Department.BILLING)))
    await deliver(when_denial_raised_reopen_encounter, wrap(denial_for(encounter["id"]), tenant_id="tenant-b"))
    stored = (await client.get(f"/v1/encounters/{encounter['id']}", headers=ANN)).json()
    assert (stored["status"], stored["rework_reasons"]) == ("coded", [])
