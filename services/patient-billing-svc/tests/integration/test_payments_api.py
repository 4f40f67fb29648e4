"""Patient payments, adjustments and refunds through the API, against real PostgreSQL.

Payments are applied to the oldest charges first; overpayments leave a credit that opens a refund
work item; Idempotency-Key makes a retried payment post once.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from patient_billing_svc.adapters.orm import ledger_entries, refund_items

D = Decimal


async def _account(client, staff, patient_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/accounts/by-patient/{patient_id}", headers=staff())
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_payment_pays_the_oldest_visit_first_and_is_announced(
    client, staff, deliver, events, patient_id, emitted
):
    today = date.today()
    old = events.encounter_coded(patient_id, insured=False, charges=("100.00",), on=today - timedelta(days=70))
    new = events.encounter_coded(patient_id, insured=False, charges=("60.00",), on=today - timedelta(days=5))
    for envelope in (new, old):  # delivered out of order: age decides, not arrival
        await deliver(envelope)
    account = await _account(client, staff, patient_id)
    assert account["aging"]["days_61_90"] == "100.00" and account["aging"]["days_0_30"] == "60.00"

    response = await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(),
                                 json={"amount": "120.00", "method": "check", "reference": "CHK-1001"})
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["entry"]["entry_type"] == "patient_payment" and D(posted["entry"]["amount"]) == D("-120.00")
    visits = {v["encounter_id"]: v["id"] for v in account["visits"]}
    old_visit, new_visit = visits[str(old.payload["encounter_id"])], visits[str(new.payload["encounter_id"])]
    assert [(a["visit_id"], D(a["amount"])) for a in posted["applied"]] == [(old_visit, D("100")), (new_visit, D("20"))]
    assert D(posted["unapplied"]) == 0 and posted["refund_item"] is None
    assert D(posted["account"]["balance"]) == D("40.00")

    account = await _account(client, staff, patient_id)
    assert D(account["patient_due"]) == D("40.00")
    assert {k: D(v) for k, v in account["aging"].items()} == {
        "days_0_30": D("40.00"), "days_31_60": 0, "days_61_90": 0, "days_91_120": 0, "over_120": 0
    }
    assert account["oldest_open_on"] == (today - timedelta(days=5)).isoformat()
    [event] = await emitted("PatientPaymentReceived")
    assert event["account_id"] == account["id"] and D(event["amount"]) == D("120.00") and event["method"] == "check"
    assert D(event["balance_after"]) == D("40.00") and D(event["unapplied"]) == 0
    assert [(a["visit_id"], D(a["amount"])) for a in event["applied"]] == [(old_visit, D("100")), (new_visit, D("20"))]


async def test_a_directed_payment_pays_its_visit_first(client, staff, deliver, events, patient_id):
    today = date.today()
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("100.00",), on=today - timedelta(days=40)))
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("30.00",), on=today))
    account = await _account(client, staff, patient_id)
    newest = next(v for v in account["visits"] if D(v["total_charge"]) == D("30.00"))
    response = await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(),
                                 json={"amount": "30.00", "method": "online", "visit_id": newest["id"]})
    assert response.status_code == 201
    assert [a["visit_id"] for a in response.json()["applied"]] == [newest["id"]]
    account = await _account(client, staff, patient_id)
    assert account["aging"]["days_31_60"] == "100.00" and account["aging"]["days_0_30"] == "0.00"


async def test_an_overpayment_opens_a_refund_item_that_is_paid_back_once(client, staff, deliver, events, patient_id):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("25.00",)))
    account = await _account(client, staff, patient_id)
    response = await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(),
                                 json={"amount": "100.00", "method": "cash"})
    posted = response.json()
    assert D(posted["unapplied"]) == D("75.00") and D(posted["account"]["credit_balance"]) == D("75.00")
    item = posted["refund_item"]
    assert item["status"] == "open" and D(item["amount"]) == D("75.00")
    assert "credit" in posted["account"]["statuses"]

    listed = (await client.get("/v1/refund-items", headers=staff("biller"))).json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]
    assert (await client.post(f"/v1/refund-items/{item['id']}/refund", headers=staff("biller"),
                              json={"method": "check"})).status_code == 403

    refunded = await client.post(f"/v1/refund-items/{item['id']}/refund", headers=staff(),
                                 json={"method": "check", "reference": "RF-1"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded" and refunded.json()["refund_entry_id"]
    again = await client.post(f"/v1/refund-items/{item['id']}/refund", headers=staff(), json={"method": "check"})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"

    account = await _account(client, staff, patient_id)
    assert D(account["balance"]) == 0 and account["entries"][-1]["entry_type"] == "refund"
    assert (await client.get("/v1/refund-items", headers=staff())).json()["items"] == []


async def test_a_later_charge_uses_up_the_credit_and_resolves_the_refund_item(
    client, staff, deliver, events, patient_id, count
):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("10.00",)))
    account = await _account(client, staff, patient_id)
    await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(), json={"amount": "50", "method": "card"})
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("70.00",)))
    account = await _account(client, staff, patient_id)
    assert D(account["balance"]) == D("30.00")
    [item] = (await client.get("/v1/refund-items", headers=staff(), params={"status": "resolved"})).json()["items"]
    assert D(item["amount"]) == D("40.00") and item["resolved_on"] == date.today().isoformat()


async def test_a_reversed_remit_after_the_patient_paid_leaves_a_credit_to_refund(
    client, staff, deliver, events, patient_id
):
    encounter = events.encounter_coded(patient_id)
    paid = events.remit_received(encounter, deductible="50.00")
    await deliver(encounter)
    await deliver(paid)
    account = await _account(client, staff, patient_id)
    await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(), json={"amount": "50", "method": "card"})
    await deliver(events.remit_received(encounter, deductible="50.00", outcome="reversed", reverses=paid))
    account = await _account(client, staff, patient_id)
    assert D(account["credit_balance"]) == D("50.00") and D(account["insurance_pending"]) == D("165.00")
    [item] = (await client.get("/v1/refund-items", headers=staff())).json()["items"]
    assert item["account_id"] == account["id"] and D(item["amount"]) == D("50.00")


async def test_idempotency_key_posts_a_payment_once(client, staff, deliver, events, patient_id, count):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("80.00",)))
    account = await _account(client, staff, patient_id)
    url, key = f"/v1/accounts/{account['id']}/payments", {"Idempotency-Key": f"pay-{uuid.uuid4()}"}
    body = {"amount": "30.00", "method": "card"}
    first = await client.post(url, headers={**staff(), **key}, json=body)
    retry = await client.post(url, headers={**staff(), **key}, json=body)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert await count(ledger_entries, ledger_entries.c.entry_type == "patient_payment") == 1

    reused = await client.post(url, headers={**staff(), **key}, json={**body, "amount": "31.00"})
    assert reused.status_code == 422 and reused.json()["type"].endswith("idempotency-key-reused")
    assert D((await _account(client, staff, patient_id))["balance"]) == D("50.00")


async def test_invalid_payments_list_every_bad_field_and_store_nothing(
    client, staff, deliver, events, patient_id, count
):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("80.00",)))
    account = await _account(client, staff, patient_id)
    url = f"/v1/accounts/{account['id']}/payments"
    response = await client.post(url, headers={**staff(), "Idempotency-Key": "bad-1"},
                                 json={"amount": "-5", "method": "bitcoin", "visit_id": "nope", "extra": 1})
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert {e["pointer"] for e in response.json()["errors"]} == {"/amount", "/method", "/visit_id", "/extra"}
    future = await client.post(url, headers=staff(), json={
        "amount": "5", "method": "cash", "received_on": (date.today() + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and future.json()["errors"][0]["pointer"] == "/received_on"
    foreign_visit = await client.post(url, headers=staff(), json={"amount": "5", "method": "cash",
                                                                  "visit_id": str(uuid.uuid4())})
    assert foreign_visit.status_code == 422 and foreign_visit.json()["errors"][0]["pointer"] == "/visit_id"
    too_much = await client.post(f"/v1/accounts/{account['id']}/adjustments", headers=staff(),
                                 json={"amount": "80.01", "reason": "courtesy"})
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["pointer"] == "/amount"
    automatic = await client.post(f"/v1/accounts/{account['id']}/adjustments", headers=staff(),
                                  json={"amount": "1", "reason": "small_balance"})
    assert automatic.status_code == 422 and automatic.json()["errors"][0]["pointer"] == "/reason"
    # The same key now carries a valid request: the failed attempt was not stored.
    ok = await client.post(url, headers={**staff(), "Idempotency-Key": "bad-1"}, json={"amount": "5", "method": "cash"})
    assert ok.status_code == 201
    assert await count(ledger_entries) == 2 and await count(refund_items) == 0


async def test_adjustments_and_write_offs_take_amounts_off_the_balance(client, staff, deliver, events, patient_id):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("80.00",)))
    account = await _account(client, staff, patient_id)
    courtesy = await client.post(f"/v1/accounts/{account['id']}/adjustments", headers=staff("practice_admin"),
                                 json={"amount": "30.00", "reason": "courtesy"})
    charity = await client.post(f"/v1/accounts/{account['id']}/adjustments", headers=staff(),
                                json={"amount": "50.00", "reason": "charity"})
    assert courtesy.status_code == charity.status_code == 201
    assert courtesy.json()["entry"]["entry_type"] == "adjustment" and charity.json()["entry"]["entry_type"] == "write_off"
    assert D(charity.json()["account"]["balance"]) == 0 and "settled" in charity.json()["account"]["statuses"]


async def test_payments_and_refunds_are_tenant_scoped_and_role_checked(client, staff, deliver, events, patient_id):
    await deliver(events.encounter_coded(patient_id, insured=False, charges=("10.00",)))
    account = await _account(client, staff, patient_id)
    posted = (await client.post(f"/v1/accounts/{account['id']}/payments", headers=staff(),
                                json={"amount": "15", "method": "cash"})).json()
    item_id = posted["refund_item"]["id"]
    other = f"tenant-{uuid.uuid4().hex[:10]}"
    for method, path, body in (
        ("POST", f"/v1/accounts/{account['id']}/payments", {"amount": "1", "method": "cash"}),
        ("POST", f"/v1/accounts/{account['id']}/adjustments", {"amount": "1", "reason": "courtesy"}),
        ("PUT", f"/v1/accounts/{account['id']}/dispute", {"disputed": True}),
        ("POST", f"/v1/refund-items/{item_id}/refund", {"method": "cash"}),
        ("POST", f"/v1/refund-items/{item_id}/dismiss", None),
    ):
        response = await client.request(method, path, headers=staff(tenant_id=other), json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        forbidden = await client.request(method, path, headers=staff("biller"), json=body)
        assert forbidden.status_code == 403, path
        assert (await client.request(method, path, json=body)).status_code == 401
    assert (await client.get("/v1/refund-items", headers=staff(tenant_id=other))).json()["items"] == []
    assert (await client.get("/v1/refund-items", headers=staff("coder"))).status_code == 403
    assert D((await _account(client, staff, patient_id))["balance"]) == D("-5.00")  # nothing else changed
