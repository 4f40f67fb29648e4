"""The thin path through all four services, on PostgreSQL and the real broker, as separate processes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from openrcm_devtools import samples
from openrcm_devtools.pytest_plugin import token_for
from openrcm_devtools.stack import LocalStack, wait_until

pytestmark = pytest.mark.slow
TENANT = "tenant-a"


def _claim_for(stack: LocalStack, encounter_id: str, tenant: str = TENANT) -> dict:
    with stack.client("claims-svc", token_for("biller", tenants=(tenant,))) as claims:
        def probe():  # type: ignore[no-untyped-def]
            items = claims.get("/v1/claims", params={"encounter_id": encounter_id}).json()["items"]
            return items[0] if items and items[0]["status"] == "submitted" else None
        summary = wait_until(probe, what="claim sent in a batch")
        return claims.get(f"/v1/claims/{summary['id']}").json()


def _expected_claim_known(stack: LocalStack, pcn: str, tenant: str = TENANT) -> None:
    with stack.client("payments-svc", token_for("payment_poster", tenants=(tenant,))) as payments:
        wait_until(lambda: payments.get("/v1/expected-claims", params={"patient_control_number": pcn}).json()["items"],
                   what="payments-svc knows the claim")


def _submit(stack: LocalStack, body: dict, tenant: str = TENANT, correlation_id: str | None = None) -> dict:
    headers = {"X-Correlation-ID": correlation_id} if correlation_id else {}
    with stack.client("coding-svc", token_for("ehr_integration", tenants=(tenant,))) as coding:
        response = coding.post("/v1/encounters", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()


def test_encounter_to_claim_to_remit_to_patient_balance_and_denials_reach_their_owners(stack: LocalStack):
    paid_encounter = _submit(stack, samples.encounter("E2E-PAID", patient_id="MRN-5001"), correlation_id="corr-e2e-paid")
    coding_denied = _submit(stack, samples.encounter("E2E-CODING-DENIAL", patient_id="MRN-5002"))
    billing_denied = _submit(stack, samples.encounter("E2E-BILLING-DENIAL", patient_id="MRN-5003"))

    claims = {name: _claim_for(stack, enc["id"]) for name, enc in
              (("paid", paid_encounter), ("coding", coding_denied), ("billing", billing_denied))}
    assert claims["paid"]["status"] == "submitted"
    assert Decimal(claims["paid"]["total_charge"]) == Decimal("165.00")
    for claim in claims.values():
        _expected_claim_known(stack, claim["patient_control_number"])

    remit = samples.remittance(
        [
            samples.remit_claim_paid(claims["paid"], deductible=Decimal("20.00")),
            samples.remit_claim_denied(claims["coding"], group="CO", reason_code="50", remark_codes=["N115"]),
            samples.remit_claim_denied(claims["billing"], group="CO", reason_code="16", remark_codes=["MA130"]),
        ],
        trace_number="E2E-TRACE-1",
    )
    with stack.client("payments-svc", token_for("payment_poster", tenants=(TENANT,))) as payments:
        posted = payments.post("/v1/remittances", json=remit)
        assert posted.status_code == 201, posted.text

    with stack.client("claims-svc", token_for("biller", tenants=(TENANT,))) as claims_api:
        def status_of(name: str) -> str:
            return claims_api.get(f"/v1/claims/{claims[name]['id']}").json()["status"]
        wait_until(lambda: status_of("paid") == "paid", what="claim paid")
        wait_until(lambda: status_of("coding") == "denied" and status_of("billing") == "denied", what="claims denied")
        # Billing-owned denial (CO-16 missing information) lands in the billing denial queue; the coding one does not.
        denials = wait_until(lambda: claims_api.get("/v1/denials").json()["items"], what="billing denial queued")
        assert {d["claim_id"] for d in denials} == {claims["billing"]["id"]}

    with stack.client("coding-svc", token_for("coder", tenants=(TENANT,))) as coding:
        reworked = wait_until(
            lambda: (e := coding.get(f"/v1/encounters/{coding_denied['id']}").json())["status"] == "rework" and e,
            what="coding denial reopened the encounter",
        )
        assert all(r["category"] == "coding" for r in reworked["rework_reasons"])
        assert any("CO-50" in r["reason_codes"] for r in reworked["rework_reasons"])
        assert coding.get(f"/v1/encounters/{billing_denied['id']}").json()["status"] == "coded"

    with stack.client("patient-billing-svc", token_for("patient_accounts", tenants=(TENANT,))) as billing:
        account = wait_until(
            lambda: (a := billing.get("/v1/accounts/by-patient/MRN-5001")).status_code == 200
            and Decimal(a.json()["balance"]) == Decimal("20.00") and a.json(),
            what="patient balance opened",
        )
        assert Decimal(account["patient_due"]) == Decimal("20.00")

    _correlation_id_followed_the_encounter(stack, "corr-e2e-paid")
    _tenant_isolation_holds(stack, paid_encounter["id"], claims["paid"]["id"], posted.json()["id"])


def _correlation_id_followed_the_encounter(stack: LocalStack, correlation_id: str) -> None:
    """The EHR's X-Correlation-ID is in the events it caused and in the consumers' JSON logs."""
    for consumer in ("claims-svc", "patient-billing-svc", "payments-svc"):
        lines = [json.loads(line) for line in stack[consumer].log_path.read_text().splitlines() if line.startswith("{")]
        handled = [line for line in lines if line.get("msg") == "event handled" and line.get("correlation_id") == correlation_id]
        assert handled, f"{consumer} logged no handled event with the request's correlation id"
    # No PHI in any service log: the patient's name and date of birth never appear.
    for name, process in stack.services.items():
        text = process.log_path.read_text()
        assert "Rivera" not in text and "1978-06-15" not in text, f"PHI in {name} log"


def _tenant_isolation_holds(stack: LocalStack, encounter_id: str, claim_id: str, remittance_id: str) -> None:
    other = ("tenant-b",)
    with stack.client("coding-svc", token_for("coder", tenants=other)) as api:
        assert api.get(f"/v1/encounters/{encounter_id}").status_code == 404
    with stack.client("claims-svc", token_for("biller", tenants=other)) as api:
        assert api.get(f"/v1/claims/{claim_id}").status_code == 404
    with stack.client("payments-svc", token_for("payment_poster", tenants=other)) as api:
        assert api.get(f"/v1/remittances/{remittance_id}").status_code == 404
    with stack.client("patient-billing-svc", token_for("patient_accounts", tenants=other)) as api:
        assert api.get("/v1/accounts/by-patient/MRN-5001").status_code == 404
    # A tenant-A token cannot act for tenant B, whatever the header says.
    with stack.client("coding-svc", token_for("ehr_integration", tenants=(TENANT,)), tenant="tenant-b") as api:
        assert api.post("/v1/encounters", json=samples.encounter("E2E-CROSS")).status_code == 403
    # A role that is not admitted gets 403 (a coder cannot post remittances).
    with stack.client("payments-svc", token_for("coder", tenants=(TENANT,))) as api:
        response = api.get(f"/v1/remittances/{remittance_id}")
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
