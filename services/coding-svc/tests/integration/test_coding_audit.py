"""Coding audits on real PostgreSQL: the sample, blind coding, and the quality report's numbers."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from coding_svc.adapters.orm import coding_audits
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body

EHR = auth_headers("ehr_integration", subject="ehr-epic")
ANN = auth_headers("coder", subject="ann")
AUDITOR = auth_headers("coding_auditor", subject="aud")
ADMIN = auth_headers("practice_admin", subject="admin")
OTHER_TENANT_AUDITOR = auth_headers("coding_auditor", tenants=("tenant-b",), subject="aud-b")

ANN_CODES = {
    "diagnoses": ["I10", "E11.9"],
    "service_lines": [
        {"procedure_code": "99214", "units": "1", "diagnosis_pointers": [1, 2], "charge": "180.00"},
        {"procedure_code": "83036", "units": "1", "diagnosis_pointers": [2], "charge": "40.00"},
    ],
}
# The auditor's blind coding. Against Ann's: E11.9 for E11.65 and 99214 for 99213 are wrong codes (same
# category / same line); Z79.4 is missing; 83036 agrees but with 2 units (wrong units) and points at
# E11.65, the counterpart of Ann's E11.9, so no pointer error. Codes: Ann 4, auditor 5, matched 2
# (I10, 83036): precision 2/4 = 0.5, recall 2/5 = 0.4.
AUDITOR_CODES = {
    "diagnoses": ["E11.65", "I10", "Z79.4"],
    "service_lines": [
        {"procedure_code": "99213", "units": "1", "diagnosis_pointers": [1, 2]},
        {"procedure_code": "83036", "units": "2", "diagnosis_pointers": [1]},
    ],
}


async def release_by_ann(client, external_id: str) -> str:  # type: ignore[no-untyped-def]
    created = await client.post("/v1/encounters", json=encounter_body(external_id), headers=EHR)
    assert created.status_code == 201, created.text
    encounter_id = created.json()["id"]
    for method, path, body in (
        ("POST", f"/v1/encounters/{encounter_id}/claim", None),
        ("PUT", f"/v1/encounters/{encounter_id}/draft", ANN_CODES),
        ("POST", f"/v1/encounters/{encounter_id}/release", None),
    ):
        response = await client.request(method, path, json=body, headers=ANN)
        assert response.status_code == 200, response.text
    return encounter_id


async def test_a_sampled_release_is_audited_blind_and_reported_with_hand_computed_figures(client, app, set_policy):
    await set_policy(audit_sample_percent="100")
    encounter_id = await release_by_ann(client, "ENC-AUD-1")
    # Ann's work on it took 30 minutes (claim to release), so she releases 2 encounters an hour.
    async with app.state.runtime.session_factory() as session:
        await session.execute(text("UPDATE coding_releases SET claimed_at = released_at - interval '30 minutes'"))
        await session.commit()

    pending = (await client.get("/v1/audits?status=pending", headers=AUDITOR)).json()["items"]
    assert [(a["encounter_id"], a["coder"], a["revision"]) for a in pending] == [(encounter_id, "ann", 1)]
    audit_id = pending[0]["audit_id"]

    blind = (await client.get(f"/v1/audits/{audit_id}", headers=AUDITOR)).json()
    assert blind["status"] == "pending" and blind["coder_codes"] is None and blind["result"] is None
    assert "diagnoses" not in blind["documentation"] and "lines" not in blind["documentation"]
    assert blind["documentation"]["external_encounter_id"] == "ENC-AUD-1"

    assert (await client.post(f"/v1/audits/{audit_id}/coding", json=AUDITOR_CODES, headers=ANN)).status_code == 403
    assert (await client.get(f"/v1/audits/{audit_id}", headers=OTHER_TENANT_AUDITOR)).status_code == 404

    done = await client.post(f"/v1/audits/{audit_id}/coding", json=AUDITOR_CODES, headers=AUDITOR)
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert (result["matched_codes"], result["coder_codes"], result["auditor_codes"]) == (2, 4, 5)
    assert result["errors"] == {"wrong_code": 2, "missing": 1, "wrong_units": 1}
    assert done.json()["coder_codes"]["diagnoses"] == ["I10", "E119"]

    again = await client.post(f"/v1/audits/{audit_id}/coding", json=AUDITOR_CODES, headers=AUDITOR)
    assert again.status_code == 409 and again.json()["type"].endswith("audit-already-completed")

    report = await client.get("/v1/reports/coding-quality", headers=ADMIN)
    assert report.status_code == 200, report.text
    [ann] = report.json()["coders"]
    assert ann["coder"] == "ann"
    assert (ann["encounters_released"], ann["encounters_audited"], ann["encounters_exact"]) == (1, 1, 0)
    assert Decimal(ann["precision"]) == Decimal("0.5") and Decimal(ann["recall"]) == Decimal("0.4")
    assert Decimal(ann["hours_worked"]) == Decimal("0.5") and Decimal(ann["encounters_per_hour"]) == Decimal("2")
    assert ann["errors"] == {"wrong_code": 2, "missing": 1, "extra": 0, "wrong_modifier": 0, "wrong_units": 1,
                             "wrong_pointer": 0}


async def test_nothing_is_drawn_at_zero_percent_and_auto_releases_are_never_drawn(client, set_policy, count):
    await set_policy(audit_sample_percent="0")
    await release_by_ann(client, "ENC-AUD-2")
    await set_policy(audit_sample_percent="100", auto_release_clean_provider_codes=True)
    auto = await client.post("/v1/encounters", json=encounter_body("ENC-AUD-3"), headers=EHR)
    assert auto.json()["status"] == "coded"
    assert await count(coding_audits) == 0


async def test_a_bad_report_period_lists_the_problem(client):
    response = await client.get("/v1/reports/coding-quality?date_from=2026-02-01&date_to=2026-01-01", headers=ADMIN)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/date_from"]
