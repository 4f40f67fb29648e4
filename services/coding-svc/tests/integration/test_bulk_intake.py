"""POST /v1/encounters:bulk on real PostgreSQL: each item on its own."""

from __future__ import annotations

from coding_svc.adapters.orm import encounters
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body

EHR = auth_headers("ehr_integration", subject="ehr-epic")


async def test_a_bad_item_is_reported_with_pointers_into_it_and_the_others_are_stored(client, count):
    await client.post("/v1/encounters", json=encounter_body("ENC-B0"), headers=EHR)
    bad = encounter_body("ENC-B2")
    bad["billing_provider"]["npi"] = "1234567890"
    bad["service_lines"][0]["diagnosis_pointers"] = [1, 5]
    changed = encounter_body("ENC-B0")
    changed["prior_authorization_number"] = "PA-1"
    items = [encounter_body("ENC-B1"), bad, encounter_body("ENC-B0"), changed, "not an encounter"]

    response = await client.post("/v1/encounters:bulk", json={"encounters": items}, headers=EHR)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "created"), (1, "invalid"), (2, "unchanged"), (3, "amended"), (4, "invalid")]
    assert {e["pointer"] for e in results[1]["errors"]} >= {"/billing_provider/npi", "/service_lines/0/diagnosis_pointers/1"}
    assert "1234567890" not in response.text
    assert results[3]["version"] == 2 and results[0]["encounter_id"]
    assert response.json()["counts"] == {"created": 1, "invalid": 2, "unchanged": 1, "amended": 1}
    assert await count(encounters) == 2
    stored = await client.get(f"/v1/encounters/{results[0]['encounter_id']}", headers=auth_headers("coder"))
    assert stored.json()["status"] == "awaiting_coding"  # like single intake: the queue, by default


async def test_bulk_intake_reports_conflicts_and_needs_its_roles(client, count, set_policy):
    await set_policy(auto_release_clean_provider_codes=True)
    await client.post("/v1/encounters", json=encounter_body("ENC-B5"), headers=EHR)  # released at intake
    changed = encounter_body("ENC-B5", diagnoses=["E11.9", "I10", "E78.5"])
    response = await client.post("/v1/encounters:bulk", json={"encounters": [changed, encounter_body("ENC-B6")]},
                                 headers=EHR)
    results = response.json()["results"]
    assert [(r["status"], bool(r.get("detail"))) for r in results] == [("conflict", True), ("created", False)]
    coded = await client.get(f"/v1/encounters/{results[1]['encounter_id']}", headers=auth_headers("coder"))
    assert coded.json()["status"] == "coded"
    assert (await client.post("/v1/encounters:bulk", json={"encounters": [encounter_body("X")]},
                              headers=auth_headers("coder"))).status_code == 403
    empty = await client.post("/v1/encounters:bulk", json={"encounters": []}, headers=EHR)
    assert empty.status_code == 422
