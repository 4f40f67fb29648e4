"""claims-svc's HTTP API: tenancy, roles, filters, paging and the audit of reads."""

from __future__ import annotations

import pytest

from claims_svc.application.reactions import when_encounter_coded_create_claim
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_shared.db import audit_log


@pytest.fixture
async def billed(client, wrap, deliver, make_coded, as_role, seed_reference) -> list[dict]:  # type: ignore[no-untyped-def]
    """Two claims in the test's tenant, one clean and one held by the scrubber (93000 has no price), newest first."""
    await seed_reference()
    for codes, charges in ((("99213", "83036"), ("125.00", "40.00")), (("99213", "93000"), ("125.00", None))):
        await deliver(when_encounter_coded_create_claim, wrap(make_coded(codes=codes, charges=charges)))
    return (await client.get("/v1/claims", headers=as_role("biller"))).json()["items"]


async def test_another_tenant_sees_nothing_of_ours(client, billed):
    other = auth_headers("biller", tenants=("someone-else",))
    response = await client.get(f"/v1/claims/{billed[0]['id']}", headers=other)
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/claims", headers=other)).json()["items"] == []


async def test_no_claims_endpoint_reaches_another_tenants_claims_or_batches(client, billed, send_batches, as_role):
    [batch] = await send_batches()
    other = auth_headers("biller", tenants=("someone-else",))
    claim_id, batch_id = billed[-1]["id"], batch["id"]
    for method, path, body in (
        ("GET", f"/v1/claims/{claim_id}", None), ("POST", f"/v1/claims/{claim_id}/scrub", None),
        ("POST", f"/v1/claims/{claim_id}/close", {"reason": "not ours to close"}),
        ("GET", f"/v1/claims/{claim_id}/appeals", None), ("GET", f"/v1/batches/{batch_id}", None),
        ("GET", f"/v1/batches/{batch_id}/file", None), ("POST", f"/v1/batches/{batch_id}/send", None),
    ):
        response = await client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path, response.text)
    for path in ("/v1/claims", "/v1/work-queue", "/v1/denials", "/v1/batches", "/v1/follow-up?min_age_days=0"):
        assert (await client.get(path, headers=other)).json()["items"] == [], path
    assert (await client.get(f"/v1/batches/{batch_id}", headers=as_role("biller"))).status_code == 200


@pytest.mark.parametrize("role,claims_status,denials_status", [
    ("biller", 200, 200), ("practice_admin", 200, 200), ("payment_poster", 200, 403), ("coder", 200, 403),
    ("ehr_integration", 403, 403), ("patient_accounts", 403, 403),
])
async def test_each_route_admits_only_its_roles(client, billed, as_role, role, claims_status, denials_status):
    headers = as_role(role)
    assert (await client.get("/v1/claims", headers=headers)).status_code == claims_status
    assert (await client.get(f"/v1/claims/{billed[0]['id']}", headers=headers)).status_code == claims_status
    denials = await client.get("/v1/denials", headers=headers)
    assert denials.status_code == denials_status
    if denials_status == 403:
        assert denials.headers["content-type"] == "application/problem+json"


async def test_no_token_is_401_as_problem_json(client):
    response = await client.get("/v1/claims")
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"


async def test_filters_and_paging(client, billed, as_role):
    headers = as_role("biller")
    held = (await client.get("/v1/claims", params={"status": "scrub_failed"}, headers=headers)).json()["items"]
    assert [c["status"] for c in held] == ["scrub_failed"]
    assert len((await client.get("/v1/claims", params={"patient_id": "MRN-1"}, headers=headers)).json()["items"]) == 2
    assert (await client.get("/v1/claims", params={"patient_id": "MRN-2"}, headers=headers)).json()["items"] == []
    first = (await client.get("/v1/claims", params={"limit": 1}, headers=headers)).json()
    second = (await client.get("/v1/claims", params={"limit": 1, "offset": first["next_offset"]}, headers=headers)).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [c["id"] for c in billed]
    assert second["next_offset"] is None
    assert (await client.get("/v1/claims", params={"status": "nonsense"}, headers=headers)).status_code == 422


async def test_reads_are_audited(client, billed, as_role, tenant, count):
    reads = (audit_log.c.tenant_id == tenant, audit_log.c.action.in_(("read", "list")), audit_log.c.actor == "tester")
    before = await count(audit_log, *reads)
    await client.get(f"/v1/claims/{billed[0]['id']}", headers=as_role("biller"))
    await client.get("/v1/denials", headers=as_role("biller"))
    assert await count(audit_log, *reads) == before + 2
