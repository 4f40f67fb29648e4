"""Reconciling payments with postings and bank deposits; denial-rate reports."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

X12 = {"Content-Type": "application/edi-x12"}


def trace() -> str:
    return f"EFT{uuid.uuid4().hex[:10].upper()}"


async def test_payments_reconcile_with_postings_and_plb_and_are_matched_to_deposits(
    client, claims, seed, headers, x12
):
    known, stranger = claims.submitted(), claims.submitted()
    await seed(known)
    await client.put("/v1/posting-settings", json={"auto_post_clean_remits": False}, headers=headers("practice_admin"))
    content = x12.one([x12.paid(known), x12.paid(stranger)], trace=trace(), amount=Decimal("214.00"),
                      plb=["PLB*1234567893*20261231*WO:ICN-OLD*10.00"])
    [tx] = (await client.post("/v1/remittances", content=content, headers={**headers(), **X12})).json()["transactions"]
    remittance_id = tx["remittance_id"]
    pending = (await client.get("/v1/reconciliation/payments", headers=headers("biller"))).json()
    assert pending["items"] == []  # only posted payments are reconciled
    assert (await client.post(f"/v1/remittances/{remittance_id}/post", headers=headers())).status_code == 200

    [payment] = (await client.get("/v1/reconciliation/payments?reconciled=false", headers=headers("biller"))).json()["items"]
    assert (payment["amount"], payment["posted_claims_paid"], payment["held_claims_paid"],
            payment["provider_adjustments"], payment["difference"], payment["reconciled"]) == (
        "214.00", "112.00", "112.00", "10.00", "0.00", False)

    deposit = {"reference": "BANK-778", "deposit_date": date.today().isoformat(), "amount": "214.01"}
    url = f"/v1/reconciliation/payments/{remittance_id}/deposit"
    wrong = await client.post(url, json=deposit, headers=headers())
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "/amount"
    assert (await client.post(url, json={**deposit, "amount": "214.00"}, headers=headers("biller"))).status_code == 403
    matched = await client.post(url, json={**deposit, "amount": "214.00"}, headers=headers())
    assert matched.status_code == 200 and matched.json()["reconciled"]
    assert (await client.post(url, json={**deposit, "amount": "214.00"}, headers=headers())).status_code == 409
    assert (await client.get("/v1/reconciliation/payments?reconciled=false", headers=headers())).json()["items"] == []
    listed = (await client.get("/v1/remittances?reconciled=true", headers=headers())).json()["items"]
    assert [r["deposit"]["reference"] for r in listed] == ["BANK-778"]
    assert (await client.post(url, json=deposit, headers=headers(tenant_id="other"))).status_code == 404


async def test_denial_rates_by_payer_carc_category_and_department(client, claims, seed, headers, x12):
    paid, coding, billing = claims.submitted(), claims.submitted(), claims.submitted()
    await seed(paid, coding, billing)
    await client.put("/v1/posting-settings", json={"auto_post_clean_remits": True}, headers=headers("practice_admin"))
    content = x12.one([x12.paid(paid), x12.denied(coding, reason="50", remark="N115"),
                       x12.denied(billing, reason="16", remark="MA130")], trace=trace())
    [tx] = (await client.post("/v1/remittances", content=content, headers={**headers(), **X12})).json()["transactions"]
    assert tx["status"] == "posted"
    today = date.today()
    params = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}

    async def report(by: str) -> dict:
        response = await client.get("/v1/reports/denials", params={**params, "by": by}, headers=headers("biller"))
        assert response.status_code == 200, response.text
        return {r["key"]: (r["claims"], r["denied_claims"], r["denial_rate"]) for r in response.json()["rows"]}

    assert await report("payer") == {"ACME01": (3, 2, "0.6667")}
    assert await report("carc") == {"CO-50": (3, 1, "0.3333"), "CO-16": (3, 1, "0.3333")}
    assert await report("category") == {"coding": (3, 1, "0.3333"), "missing_information": (3, 1, "0.3333")}
    assert await report("department") == {"coding": (3, 1, "0.3333"), "billing": (3, 1, "0.3333")}
    earlier = {"from": "2020-01-01", "to": "2020-12-31", "by": "payer"}
    assert (await client.get("/v1/reports/denials", params=earlier, headers=headers())).json()["rows"] == []
    backwards = {"from": today.isoformat(), "to": "2020-01-01"}
    assert (await client.get("/v1/reports/denials", params=backwards, headers=headers())).status_code == 422
