"""GET/PUT /v1/coding-policy on real PostgreSQL."""

from __future__ import annotations

from openrcm_devtools.pytest_plugin import auth_headers

ADMIN = auth_headers("practice_admin", subject="admin")


async def test_defaults_until_set_then_the_stored_policy(client):
    default = await client.get("/v1/coding-policy", headers=auth_headers("coder"))
    assert default.status_code == 200, default.text
    assert default.json() == {
        "tenant_id": "tenant-a", "auto_release_clean_provider_codes": False, "claim_minutes": 30,
        "default_filing_days": 365, "filing_days_by_payer": {}, "audit_sample_percent": "5",
        "audit_sample_percent_by_coder": {}, "is_default": True, "updated_at": None, "updated_by": None,
    }
    body = {"auto_release_clean_provider_codes": True, "claim_minutes": 45, "default_filing_days": 180,
            "filing_days_by_payer": {"MEDICARE": 365, "ACME01": 90}, "audit_sample_percent": "2.5",
            "audit_sample_percent_by_coder": {"new-coder": 50}}
    put = await client.put("/v1/coding-policy", json=body, headers=ADMIN)
    assert put.status_code == 200, put.text
    stored = (await client.get("/v1/coding-policy", headers=auth_headers("coding_auditor"))).json()
    assert stored["filing_days_by_payer"] == {"MEDICARE": 365, "ACME01": 90} and stored["claim_minutes"] == 45
    assert stored["audit_sample_percent"] in ("2.5", "2.50") and stored["audit_sample_percent_by_coder"]["new-coder"] in ("50", "50.00")
    assert (stored["is_default"], stored["updated_by"]) == (False, "admin")
    # Another tenant still has the defaults.
    other = await client.get("/v1/coding-policy", headers=auth_headers("coder", tenants=("tenant-b",)))
    assert other.json()["is_default"] is True


async def test_every_bad_field_is_listed_and_nothing_is_stored(client):
    bad = {"auto_release_clean_provider_codes": "maybe", "claim_minutes": 0, "default_filing_days": 99999,
           "filing_days_by_payer": {"ACME01": -1}, "audit_sample_percent": 101,
           "audit_sample_percent_by_coder": {"ann": "lots"}, "surprise": True}
    response = await client.put("/v1/coding-policy", json=bad, headers=ADMIN)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"/auto_release_clean_provider_codes", "/claim_minutes", "/default_filing_days",
            "/filing_days_by_payer/ACME01", "/audit_sample_percent", "/audit_sample_percent_by_coder/ann",
            "/surprise"} <= pointers
    assert (await client.get("/v1/coding-policy", headers=ADMIN)).json()["is_default"] is True


async def test_only_practice_admins_change_it(client):
    for role in ("coder", "coding_auditor", "ehr_integration", "biller"):
        assert (await client.put("/v1/coding-policy", json={}, headers=auth_headers(role))).status_code == 403
    assert (await client.get("/v1/coding-policy", headers=auth_headers("biller"))).status_code == 403
    assert (await client.put("/v1/coding-policy", json={}, headers=auth_headers("vendor_admin"))).status_code == 200
