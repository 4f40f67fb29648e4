"""Statements and dunning against real PostgreSQL, with the app's clock moved by the test (no sleeping)."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from openrcm_devtools import samples
from openrcm_devtools.pytest_plugin import running_app
from patient_billing_svc.adapters.orm import dunning_steps, statements
from patient_billing_svc.entrypoints.consumer import HANDLERS
from patient_billing_svc.main import create_app

D = Decimal
START = date.today() - timedelta(days=200)  # the scenarios' first day; the clock walks on from it
POLICY = samples.billing_policy(statement_cycle_days=[START.day], reminder_after_days=30, final_notice_after_days=20,
                                collections_after_days=15)


@pytest.fixture
async def policy(client, staff, clock):  # type: ignore[no-untyped-def]
    clock.day = START
    response = await client.put("/v1/policy", headers=staff("practice_admin"), json=POLICY)
    assert response.status_code == 200, response.text
    return response.json()


async def _account(client, staff, patient_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/accounts/by-patient/{patient_id}", headers=staff())
    assert response.status_code == 200, response.text
    return response.json()


async def _job(client, staff, job: str, **params) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post(f"/v1/jobs/{job}", headers=staff(), params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_statement_run_issues_one_statement_per_guarantor_owing_and_nothing_twice(
    client, staff, deliver, events, patient_id, policy, emitted, count
):
    insured_remitted = events.encounter_coded(patient_id, on=START - timedelta(days=30))
    await deliver(insured_remitted)
    await deliver(events.remit_received(insured_remitted, deductible="40.00", copay="25.00",
                                        on=START - timedelta(days=20)))
    await deliver(events.encounter_coded(patient_id, on=START - timedelta(days=3)))  # still with insurance
    small = f"MRN-small-{uuid.uuid4().hex[:6]}"
    await deliver(events.encounter_coded(small, insured=False, charges=("4.99",), on=START - timedelta(days=3)))
    pending_only = f"MRN-pending-{uuid.uuid4().hex[:6]}"
    await deliver(events.encounter_coded(pending_only, on=START - timedelta(days=3)))

    report = await _job(client, staff, "statement-run")
    assert report["ran"] is True and report["outcomes"] == {"issued": 1}  # 4.99 < minimum; pending owes nothing
    again = await _job(client, staff, "statement-run")
    assert again["outcomes"] == {"already_issued": 1} and again["ids"] == []
    assert await count(statements) == 1

    [issued] = await emitted("StatementIssued")
    account = await _account(client, staff, patient_id)
    assert issued["account_id"] == account["id"] and issued["kind"] == "statement"
    assert D(issued["amount_due"]) == D("65.00") and D(issued["insurance_pending"]) == D("165.00")
    assert issued["statement_date"] == START.isoformat() and issued["due_date"] == (START + timedelta(21)).isoformat()
    assert issued["document_path"] == f"/v1/statements/{report['ids'][0]}/pdf"
    assert account["dunning_step"] == "statement" and account["dunning_since"] == START.isoformat()

    statement = (await client.get(f"/v1/statements/{report['ids'][0]}", headers=staff("biller"))).json()
    assert statement["trigger"] == "cycle" and D(statement["amount_due"]) == D("65.00")
    visits = statement["content"]["visits"]
    assert [v["status"] for v in visits] == ["patient_due", "insurance_pending"]
    assert D(visits[0]["insurance_paid"]) == D("100.00") and D(visits[0]["amount_due"]) == D("65.00")
    assert D(visits[0]["patient_share"]["deductible"]) == D("40.00")

    pdf = await client.get(statement["pdf"], headers=staff())
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Patient Statement", "$65.00", "$165.00", "$100.00", "deductible $40.00", "copay $25.00",
                     "Insurance pending", "Jane Doe", patient_id, (START + timedelta(21)).strftime("%m/%d/%Y"),
                     "https://pay.example.test"):
        assert expected in text, expected

    listed = (await client.get("/v1/statements", headers=staff(),
                               params={"account_id": account["id"], "from": START.isoformat()})).json()
    assert [s["id"] for s in listed["items"]] == report["ids"]
    assert (await client.get("/v1/statements", headers=staff(),
                             params={"to": (START - timedelta(1)).isoformat()})).json()["items"] == []


async def test_the_statement_run_waits_for_a_cycle_day_unless_on_demand(
    client, staff, deliver, events, patient_id, policy, clock
):
    await deliver(events.encounter_coded(patient_id, insured=False, on=START - timedelta(days=2)))
    clock.day = START + timedelta(days=1)
    assert (await _job(client, staff, "statement-run"))["ran"] is False
    assert (await _job(client, staff, "statement-run", on_demand="true"))["outcomes"] == {"issued": 1}
    future = await client.post("/v1/jobs/statement-run", headers=staff(),
                               params={"as_of": (clock.day + timedelta(1)).isoformat()})
    assert future.status_code == 422 and future.json()["errors"][0]["pointer"] == "/as_of"


async def test_an_on_demand_statement_for_one_account(client, staff, deliver, events, patient_id, policy):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("3.00",), on=START))
    account = await _account(client, staff, patient_id)
    issued = await client.post(f"/v1/accounts/{account['id']}/statements", headers=staff())
    assert issued.status_code == 201 and issued.json()["trigger"] == "on_demand"  # below the minimum is fine
    again = await client.post(f"/v1/accounts/{account['id']}/statements", headers=staff())
    assert again.status_code == 409 and again.json()["reason"] == "already_issued"
    pending = f"MRN-p-{uuid.uuid4().hex[:6]}"
    await deliver(events.encounter_coded(pending, on=START))
    nothing = await client.post(f"/v1/accounts/{(await _account(client, staff, pending))['id']}/statements",
                                headers=staff())
    assert nothing.status_code == 409 and nothing.json()["reason"] == "nothing_due"


async def test_dunning_moves_on_the_tenants_days_then_hands_off_to_collections(
    client, staff, deliver, events, patient_id, policy, clock, emitted, count
):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("120.00",), on=START))
    assert (await _job(client, staff, "statement-run"))["outcomes"] == {"issued": 1}
    account_id = (await _account(client, staff, patient_id))["id"]
    walk = []
    for offset in range(1, 70):
        clock.day = START + timedelta(days=offset)
        report = await _job(client, staff, "dunning")
        if report["ids"]:
            walk.append((offset, next(iter(report["outcomes"]))))
        assert (await _job(client, staff, "dunning"))["ids"] == []  # twice a day moves once
    assert walk == [(30, "reminder"), (50, "final_notice"), (65, "collections")]

    account = await _account(client, staff, patient_id)
    assert account["dunning_step"] == "collections" and "collections" in account["statuses"]
    notices = [(e["kind"], e["statement_date"]) for e in await emitted("StatementIssued")]
    assert notices == [("statement", START.isoformat()), ("reminder", (START + timedelta(30)).isoformat()),
                       ("final_notice", (START + timedelta(50)).isoformat())]
    assert await count(dunning_steps) == 4
    listed = (await client.get("/v1/accounts", headers=staff(), params={"status": "collections"})).json()["items"]
    assert [a["id"] for a in listed] == [account_id]
    # An account in collections gets no more cycle statements.
    clock.day = START + timedelta(days=90)
    assert (await _job(client, staff, "statement-run", on_demand="true"))["outcomes"] == {"in_collections": 1}


async def test_a_plan_or_a_dispute_holds_dunning_and_paying_down_clears_it(
    client, staff, deliver, events, patient_id, policy, clock
):
    disputing, paying = f"MRN-d-{uuid.uuid4().hex[:6]}", f"MRN-p-{uuid.uuid4().hex[:6]}"
    for mrn in (patient_id, disputing, paying):
        await deliver(events.encounter_coded(mrn, insured=False, charges=("120.00",), on=START))
    await _job(client, staff, "statement-run")
    on_plan = (await _account(client, staff, patient_id))["id"]
    plan = await client.post(f"/v1/accounts/{on_plan}/payment-plans", headers=staff(), json={
        "installment_amount": "40.00", "frequency": "monthly", "first_due_on": (START + timedelta(5)).isoformat()})
    assert plan.status_code == 201, plan.text
    disputed = (await _account(client, staff, disputing))["id"]
    response = await client.put(f"/v1/accounts/{disputed}/dispute", headers=staff(), json={"disputed": True})
    assert response.status_code == 200 and "disputed" in response.json()["statuses"]
    paid = (await _account(client, staff, paying))["id"]
    await client.post(f"/v1/accounts/{paid}/payments", headers=staff(), json={"amount": "118.00", "method": "cash"})

    clock.day = START + timedelta(days=30)
    await client.post(f"/v1/accounts/{on_plan}/payments", headers=staff(), json={"amount": "40.00", "method": "card"})
    report = await _job(client, staff, "dunning")
    assert report["outcomes"] == {"held": 2, "cleared": 1} and report["ids"] == [uuid.UUID(paid).__str__()]
    assert (await _account(client, staff, paying))["dunning_step"] == "none"

    await client.put(f"/v1/accounts/{disputed}/dispute", headers=staff(), json={"disputed": False})
    report = await _job(client, staff, "dunning")
    assert report["outcomes"] == {"held": 1, "reminder": 1} and report["ids"] == [disputed]


async def test_statements_and_jobs_are_tenant_scoped_and_role_checked(
    client, staff, deliver, events, patient_id, policy, count
):
    await deliver(events.encounter_coded(patient_id, insured=False, on=START))
    statement_id = (await _job(client, staff, "statement-run"))["ids"][0]
    account_id = (await _account(client, staff, patient_id))["id"]
    other = f"tenant-{uuid.uuid4().hex[:10]}"
    for path in (f"/v1/statements/{statement_id}", f"/v1/statements/{statement_id}/pdf"):
        response = await client.get(path, headers=staff(tenant_id=other))
        assert response.status_code == 404 and "Doe" not in response.text
        assert (await client.get(path, headers=staff("coder"))).status_code == 403
    assert (await client.post(f"/v1/accounts/{account_id}/statements", headers=staff(tenant_id=other))).status_code \
        == 404
    assert (await client.get("/v1/statements", headers=staff(tenant_id=other))).json()["items"] == []
    # Another tenant's jobs never touch this tenant's accounts, and its policy is its own.
    for job in ("statement-run?on_demand=true", "dunning", "payment-plans", "small-balance-write-off", "daily"):
        response = await client.post(f"/v1/jobs/{job}", headers=staff(tenant_id=other))
        assert response.status_code == 200
        assert "issued" not in str(response.json())
        assert (await client.post(f"/v1/jobs/{job}", headers=staff("biller"))).status_code == 403
    assert (await client.get("/v1/policy", headers=staff(tenant_id=other))).json()["reminder_after_days"] == 30
    assert (await client.get("/v1/policy", headers=staff(tenant_id=other))).json()["statement_cycle_days"] == [1]
    assert await count(statements) == 1


async def test_the_background_loop_runs_the_days_jobs_for_every_tenant(settings, clock, events, patient_id, staff):
    clock.day = date(2026, 3, 1)  # the default policy's cycle day
    app = create_app(settings.model_copy(update={"billing_jobs_interval_seconds": 0.2}), clock=clock)
    async with running_app(app) as client:
        async with app.state.runtime.uow_factory() as uow:
            envelope = events.encounter_coded(patient_id, insured=False, on=clock.day)
            await HANDLERS[envelope.contract](uow, envelope)
        for _ in range(100):
            listed = (await client.get("/v1/statements", headers=staff())).json()["items"]
            if listed:
                break
            await asyncio.sleep(0.1)
        assert [(s["trigger"], s["statement_date"]) for s in listed] == [("cycle", "2026-03-01")]
        await asyncio.sleep(0.5)  # later runs of the same day issue nothing more
        assert len((await client.get("/v1/statements", headers=staff())).json()["items"]) == 1
        while await app.state.runtime.relay.pending_count():
            await asyncio.sleep(0.05)
