"""Payment plans and the missed-installment job, the tenant policy (self-pay discount, small-balance
write-off), and filtering accounts by status and aging, against real PostgreSQL with a moved clock."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from openrcm_devtools import samples

D = Decimal
START = date.today() - timedelta(days=200)


async def _account(client, staff, patient_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/accounts/by-patient/{patient_id}", headers=staff())
    assert response.status_code == 200, response.text
    return response.json()


async def _set_policy(client, staff, **changes) -> dict:  # type: ignore[no-untyped-def]
    response = await client.put("/v1/policy", headers=staff("practice_admin"), json=samples.billing_policy(**changes))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_plan_holds_until_installments_are_missed_then_defaults(
    client, staff, deliver, events, patient_id, clock
):
    clock.day = START
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("300.00",), on=START))
    account = await _account(client, staff, patient_id)
    first_due = START + timedelta(days=10)
    created = await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "installment_amount": "100.00", "frequency": "monthly", "first_due_on": first_due.isoformat()})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert D(plan["total"]) == D("300.00") and len(plan["schedule"]) == 3 and plan["status"] == "active"
    assert plan["standing"]["next_due_on"] == first_due.isoformat()
    assert created.headers["Location"] == f"/v1/payment-plans/{plan['id']}"
    account = await _account(client, staff, patient_id)
    assert account["active_plan_id"] == plan["id"] and "payment_plan" in account["statuses"]
    second = await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "installment_amount": "10.00", "frequency": "weekly", "first_due_on": first_due.isoformat()})
    assert second.status_code == 409

    # First installment paid on time; the second is missed once its grace days (10) are over.
    clock.day = first_due
    await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(), json={"amount": "100", "method": "card"})
    second_due = date.fromisoformat(plan["schedule"][1]["due_on"])
    clock.day = second_due + timedelta(days=10)
    assert (await client.post("/v1/jobs/payment-plans", headers=staff())).json()["outcomes"] == \
        {"in_good_standing": 1}
    clock.day = second_due + timedelta(days=11)
    report = (await client.post("/v1/jobs/payment-plans", headers=staff())).json()
    assert report["outcomes"] == {"installment_missed": 1} and report["ids"] == [plan["id"]]
    assert (await client.post("/v1/jobs/payment-plans", headers=staff())).json()["outcomes"] == \
        {"in_good_standing": 1}  # the same day again records nothing new
    read = (await client.get(f"/v1/payment-plans/{plan['id']}", headers=staff("biller"))).json()
    assert read["status"] == "active" and read["missed_installments"] == 1
    assert read["standing"]["next_due_on"] == second_due.isoformat() and D(read["standing"]["behind"]) == D("100.00")

    third_due = date.fromisoformat(plan["schedule"][2]["due_on"])
    clock.day = third_due + timedelta(days=11)
    report = (await client.post("/v1/jobs/payment-plans", headers=staff())).json()
    assert report["outcomes"] == {"defaulted": 1}
    account = await _account(client, staff, patient_id)
    assert account["active_plan_id"] is None and "payment_plan" not in account["statuses"]
    listed = (await client.get("/v1/payment-plans", headers=staff(), params={"status": "defaulted"})).json()["items"]
    assert [p["id"] for p in listed] == [plan["id"]]
    cancel = await client.post(f"/v1/payment-plans/{plan['id']}/cancel", headers=staff())
    assert cancel.status_code == 409


async def test_a_paid_off_plan_completes_and_a_cancelled_one_stops_holding(
    client, staff, deliver, events, patient_id, clock
):
    clock.day = START
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("90.00",), on=START))
    account = await _account(client, staff, patient_id)
    plan = (await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "total": "90.00", "installment_amount": "30.00", "frequency": "weekly",
        "first_due_on": START.isoformat()})).json()
    await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(), json={"amount": "90", "method": "cash"})
    assert (await client.post("/v1/jobs/payment-plans", headers=staff())).json()["outcomes"] == {"completed": 1}

    await deliver(events.encounter_coded(patient_id, insured=False, charges=("50.00",), on=START))
    other = (await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "installment_amount": "25.00", "frequency": "biweekly", "first_due_on": START.isoformat()})).json()
    assert other["id"] != plan["id"]
    cancelled = await client.post(f"/v1/payment-plans/{other['id']}/cancel", headers=staff())
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await _account(client, staff, patient_id))["active_plan_id"] is None


async def test_plan_terms_are_checked_all_at_once(client, staff, deliver, events, patient_id, clock, count):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("100.00",)))
    account = await _account(client, staff, patient_id)
    bad = await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "total": "500.00", "installment_amount": "600.00", "frequency": "weekly",
        "first_due_on": (clock.today() - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.json()["errors"]] == ["/total", "/installment_amount", "/first_due_on"]
    schema = await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "installment_amount": "0", "frequency": "daily", "first_due_on": "someday"})
    assert {e["pointer"] for e in schema.json()["errors"]} == {"/installment_amount", "/frequency", "/first_due_on"}
    assert (await client.get("/v1/payment-plans", headers=staff())).json()["items"] == []


async def test_self_pay_visits_get_the_tenants_discount_and_a_recode_replaces_both(
    client, staff, deliver, events, patient_id
):
    await _set_policy(client, staff, self_pay_discount_percent="30")
    first = events.encounter_coded(patient_id, insured=False, charges=("125.00", "40.00"))
    await deliver(first)
    account = await _account(client, staff, patient_id)
    assert D(account["balance"]) == D("115.50")
    charge, discount = account["entries"]
    assert charge["entry_type"] == "patient_charge" and D(charge["amount"]) == D("165.00")
    assert discount["entry_type"] == "adjustment" and discount["reason"] == "self_pay_discount"
    assert D(discount["amount"]) == D("-49.50") and discount["visit_id"] == charge["visit_id"]

    coded = first.payload_as(type(first.event()))
    recoded = events.encounter_coded(patient_id, insured=False, charges=("100.00",))
    payload = {**recoded.payload, "encounter_id": str(coded.encounter_id), "revision": 2}
    await deliver(type(recoded).model_validate({**recoded.model_dump(), "payload": payload}))
    account = await _account(client, staff, patient_id)
    assert D(account["balance"]) == D("70.00")
    assert [e["entry_type"] for e in account["entries"]] == [
        "patient_charge", "adjustment", "reversal", "reversal", "patient_charge", "adjustment"]


async def test_small_balances_are_written_off_below_the_threshold_only_once(
    client, staff, deliver, events, patient_id, clock
):
    off = await client.post("/v1/jobs/small-balance-write-off", headers=staff())
    assert off.json()["ran"] is False  # the default threshold is 0: off
    await _set_policy(client, staff, small_balance_write_off_below="5.00")
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("4.99",)))
    larger = f"MRN-l-{uuid.uuid4().hex[:6]}"
    await deliver(events.encounter_coded(larger, insured=False, charges=("5.00",)))
    report = (await client.post("/v1/jobs/small-balance-write-off", headers=staff())).json()
    account = await _account(client, staff, patient_id)
    assert report["outcomes"] == {"written_off": 1} and report["ids"] == [account["id"]]
    assert D(account["balance"]) == 0 and account["entries"][-1]["reason"] == "small_balance"
    assert account["entries"][-1]["entry_type"] == "write_off"
    again = (await client.post("/v1/jobs/small-balance-write-off", headers=staff())).json()
    assert again["outcomes"] == {} and D((await _account(client, staff, larger))["balance"]) == D("5.00")


async def test_policy_defaults_validation_and_roles(client, staff):
    defaults = (await client.get("/v1/policy", headers=staff("biller"))).json()
    assert defaults["statement_cycle_days"] == [1] and defaults["minimum_statement_balance"] == "5.00"
    assert (await client.put("/v1/policy", headers=staff(), json=defaults)).status_code == 403
    bad = await client.put("/v1/policy", headers=staff("practice_admin"), json={
        **defaults, "statement_cycle_days": [0, 32], "self_pay_discount_percent": "101", "reminder_after_days": 0,
        "how_to_pay": {"practice_name": ""}, "unknown": True})
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {
        "/statement_cycle_days/0", "/statement_cycle_days/1", "/self_pay_discount_percent", "/reminder_after_days",
        "/how_to_pay/practice_name", "/unknown"}
    changed = await client.put("/v1/policy", headers=staff("practice_admin"),
                               json={**defaults, "statement_cycle_days": [28, 15, 15]})
    assert changed.json()["statement_cycle_days"] == [15, 28]
    assert (await client.get("/v1/policy", headers=staff())).json() == changed.json()


async def test_accounts_filter_by_status_and_aging_bucket(client, staff, deliver, events, clock):
    mrn = {name: f"MRN-{name}-{uuid.uuid4().hex[:6]}" for name in ("old", "new", "pending", "credit")}
    await deliver(events.encounter_coded(mrn["old"], insured=False, on=clock.today() - timedelta(days=75)))
    await deliver(events.encounter_coded(mrn["new"], insured=False, on=clock.today() - timedelta(days=2)))
    await deliver(events.encounter_coded(mrn["pending"], insured=True))
    await deliver(events.encounter_coded(mrn["credit"], insured=False, charges=("10.00",)))
    credit = await _account(client, staff, mrn["credit"])
    await client.post(f"/v1/accounts/{credit['id']}/payments", headers=staff(), json={"amount": "25", "method": "cash"})

    async def patients(**params) -> set[str]:  # type: ignore[no-untyped-def]
        response = await client.get("/v1/accounts", headers=staff(), params=params)
        assert response.status_code == 200, response.text
        return {a["patient_id"] for a in response.json()["items"]}

    assert await patients(status="patient_due") == {mrn["old"], mrn["new"]}
    assert await patients(status="insurance_pending") == {mrn["pending"]}
    assert await patients(status="credit") == {mrn["credit"]}
    assert await patients(aging_bucket="days_61_90") == {mrn["old"]}
    assert await patients(aging_bucket="days_0_30") == {mrn["new"]}
    assert await patients(aging_bucket="over_120") == set()
    assert (await client.get("/v1/accounts", headers=staff(), params={"status": "nope"})).status_code == 422
    page = (await client.get("/v1/accounts", headers=staff(), params={"limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2


async def test_plans_and_policy_are_tenant_scoped(client, staff, deliver, events, patient_id, clock):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("60.00",)))
    account = await _account(client, staff, patient_id)
    plan = (await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(), json={
        "installment_amount": "20.00", "frequency": "monthly", "first_due_on": clock.today().isoformat()})).json()
    other = f"tenant-{uuid.uuid4().hex[:10]}"
    assert (await client.get(f"/v1/payment-plans/{plan['id']}", headers=staff(tenant_id=other))).status_code == 404
    assert (await client.post(f"/v1/payment-plans/{plan['id']}/cancel", headers=staff(tenant_id=other))).status_code \
        == 404
    assert (await client.post(f"/v1/accounts/{account['id']}/payment-plans", headers=staff(tenant_id=other), json={
        "installment_amount": "20.00", "frequency": "monthly", "first_due_on": clock.today().isoformat()})
    ).status_code == 404
    assert (await client.get("/v1/payment-plans", headers=staff(tenant_id=other))).json()["items"] == []
    await client.put("/v1/policy", headers=staff("practice_admin", tenant_id=other),
                     json=samples.billing_policy(self_pay_discount_percent="50"))
    assert (await client.get("/v1/policy", headers=staff())).json()["self_pay_discount_percent"] == "0.00"
    assert (await client.post(f"/v1/payment-plans/{plan['id']}/cancel", headers=staff("biller"))).status_code == 403
