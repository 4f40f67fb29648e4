"""coding-svc HTTP API against real PostgreSQL and the local broker."""

from __future__ import annotations

import json

from sqlalchemy import select

from coding_svc.adapters.orm import encounters
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_shared.db import audit_log, outbox_events

from openrcm_devtools.samples import encounter as encounter_body

EHR = auth_headers("ehr_integration")


async def test_coded_encounter_is_stored_and_emits_encounter_coded(client, count, auto_release):
    response = await client.post("/v1/encounters", json=encounter_body("ENC-1001"), headers=EHR)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "coded" and body["revision"] == 1
    assert body["diagnoses"] == ["E119", "I10"]  # stored without the dot
    assert response.headers["location"] == f"/v1/encounters/{body['id']}"

    fetched = await client.get(f"/v1/encounters/{body['id']}", headers=auth_headers("coder"))
    assert fetched.status_code == 200 and fetched.json()["id"] == body["id"]
    assert await count(outbox_events) == 1
    assert await count(audit_log, audit_log.c.entity_type == "encounter") == 2  # create + read


async def test_same_external_id_returns_the_original_and_stores_nothing_new(client, count, auto_release):
    first = await client.post("/v1/encounters", json=encounter_body("ENC-1001"), headers=EHR)
    again = await client.post("/v1/encounters", json=encounter_body("ENC-1001"), headers=EHR)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert await count(encounters) == 1
    assert await count(outbox_events) == 1


async def test_bad_input_lists_every_bad_field_and_stores_nothing(client, count):
    body = encounter_body("ENC-1001")
    body["patient"]["sex"] = "X"
    body["billing_provider"]["npi"] = "1234567890"
    body["diagnoses"] = ["E11.9", "123"]
    body["coverages"][0]["relationship_to_subscriber"] = "01"  # subscriber then required
    body["service_lines"][0]["procedure_code"] = "9921"
    body["notes"] = []  # the documentation is required
    response = await client.post("/v1/encounters", json=body, headers=EHR)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"/patient/sex", "/billing_provider/npi", "/diagnoses/1", "/coverages/0/subscriber",
            "/service_lines/0/procedure_code", "/notes"} <= pointers
    assert "1234567890" not in response.text  # rejected values are not echoed
    assert await count(encounters) == 0


async def test_cross_field_problems_are_listed_together(client, count):
    body = encounter_body("ENC-1002", diagnoses=["E11.9"])
    body["patient"]["date_of_birth"] = "2999-01-01"
    body["service_lines"][0]["diagnosis_pointers"] = [1, 3]
    response = await client.post("/v1/encounters", json=body, headers=EHR)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"/patient/date_of_birth", "/service_lines/0/diagnosis_pointers/1"} <= pointers
    assert await count(encounters) == 0


async def test_a_medicare_secondary_coverage_carries_its_msp_type_into_encounter_coded(client, app, auto_release):
    body = encounter_body("ENC-1003")
    body["coverages"].append({"sequence": "secondary", "payer_id": "MCARE", "payer_name": "Medicare Part B",
                              "member_id": "1EG4TE5MK73", "relationship_to_subscriber": "18",
                              "insurance_type_code": "12"})
    bad = json.loads(json.dumps(body))
    bad["coverages"][1]["insurance_type_code"] = "99"
    refused = await client.post("/v1/encounters", json=bad, headers=EHR)
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/coverages/1/insurance_type_code"]

    assert (await client.post("/v1/encounters", json=body, headers=EHR)).status_code == 201
    async with app.state.runtime.session_factory() as session:
        envelope = json.loads(await session.scalar(select(outbox_events.c.envelope)))
    assert [c.get("insurance_type_code") for c in envelope["payload"]["coverages"]] == [None, "12"]
