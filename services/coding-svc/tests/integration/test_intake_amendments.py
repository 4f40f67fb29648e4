"""Natural-key intake: resends change nothing, changes amend before coding (with history), 409 after."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from coding_svc.adapters.orm import encounter_versions, encounters
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body
from openrcm_shared.db import audit_log, outbox_events

EHR = auth_headers("ehr_integration", subject="ehr-epic")
CODER = auth_headers("coder")

# These tell the story of provider-coded encounters released at intake: the tenant opts in.
pytestmark = pytest.mark.usefixtures("auto_release")


def uncoded(external_id: str) -> dict:
    body = encounter_body(external_id)
    body["diagnoses"], body["service_lines"] = [], []
    body["notes"] = [{"type": "progress", "author": "Dr Okafor", "text": "Seen for follow-up."}]
    return body


async def test_a_changed_document_amends_an_encounter_awaiting_coding_and_keeps_the_old_one(client, count):
    first = await client.post("/v1/encounters", json=uncoded("ENC-1"), headers=EHR)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["version"], first.json()["revision"]) == ("awaiting_coding", 1, 0)

    changed = uncoded("ENC-1")
    changed["prior_authorization_number"] = "PA-778"
    amended = await client.post("/v1/encounters", json=changed, headers=EHR)
    assert amended.status_code == 200, amended.text
    assert amended.json()["id"] == first.json()["id"]
    assert (amended.json()["version"], amended.json()["status"]) == (2, "awaiting_coding")
    assert amended.headers["location"] == f"/v1/encounters/{first.json()['id']}"

    history = await client.get(f"/v1/encounters/{first.json()['id']}/versions", headers=CODER)
    assert history.status_code == 200, history.text
    versions = history.json()["versions"]
    assert [(v["version"], v["current"], v["received_by"]) for v in versions] == [(1, False, "ehr-epic"), (2, True, "ehr-epic")]
    assert versions[0]["document"]["prior_authorization_number"] is None
    assert versions[1]["document"]["prior_authorization_number"] == "PA-778"
    assert versions[0]["document"]["notes"] == [{"type": "progress", "author": "Dr Okafor", "text": "Seen for follow-up."}]
    assert await count(encounters) == 1
    assert await count(encounter_versions) == 1
    assert await count(outbox_events) == 0
    assert await count(audit_log, audit_log.c.action == "amend") == 1


async def test_the_same_document_again_is_unchanged_also_after_an_amendment(client, count):
    await client.post("/v1/encounters", json=uncoded("ENC-2"), headers=EHR)
    changed = uncoded("ENC-2")
    changed["notes"][0]["text"] = "Seen for follow-up; addendum."  # notes count: a changed note amends
    assert (await client.post("/v1/encounters", json=changed, headers=EHR)).json()["version"] == 2
    again = await client.post("/v1/encounters", json=changed, headers=EHR)
    assert again.status_code == 200 and again.json()["version"] == 2
    assert await count(encounter_versions) == 1


async def test_numbers_compare_by_value(client, count):
    body = encounter_body("ENC-3")
    first = await client.post("/v1/encounters", json=body, headers=EHR)
    body["service_lines"][0]["units"] = "1.000"
    body["service_lines"][0]["charge"] = "125"
    again = await client.post("/v1/encounters", json=body, headers=EHR)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["version"] == 1


async def test_an_amendment_that_brings_codes_releases_the_encounter(client, count):
    await client.post("/v1/encounters", json=uncoded("ENC-4"), headers=EHR)
    coded = encounter_body("ENC-4")
    coded["notes"] = uncoded("ENC-4")["notes"]
    response = await client.post("/v1/encounters", json=coded, headers=EHR)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["revision"], response.json()["version"]) == ("coded", 1, 2)
    assert await count(outbox_events) == 1


async def test_a_changed_document_for_a_coded_encounter_is_refused_with_how_to_correct_it(client, count):
    first = await client.post("/v1/encounters", json=encounter_body("ENC-5"), headers=EHR)
    assert first.json()["status"] == "coded"
    changed = encounter_body("ENC-5")
    changed["service_lines"][0]["charge"] = "150.00"
    response = await client.post("/v1/encounters", json=changed, headers=EHR)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/encounter-already-coded")
    assert f"coded on {date.today().isoformat()} as revision 1" in problem["detail"]
    assert "revision 2" in problem["detail"] and "coding team" in problem["detail"]
    assert (problem["encounter_id"], problem["revision"], problem["encounter_status"]) == (first.json()["id"], 1, "coded")
    stored = await client.get(f"/v1/encounters/{first.json()['id']}", headers=CODER)
    assert stored.json()["version"] == 1 and stored.json()["service_lines"][0]["charge"] == "125.00"
    assert await count(encounter_versions) == 0
    assert await count(outbox_events) == 1
    # The unchanged document is still answered normally.
    assert (await client.post("/v1/encounters", json=encounter_body("ENC-5"), headers=EHR)).status_code == 200


async def test_an_encounter_in_rework_is_not_amended_either(client, app, count):
    first = await client.post("/v1/encounters", json=encounter_body("ENC-6"), headers=EHR)
    async with app.state.runtime.session_factory() as session:
        await session.execute(update(encounters).values(status="rework"))
        await session.commit()
    changed = encounter_body("ENC-6", diagnoses=["E11.9", "I10", "E78.5"])
    response = await client.post("/v1/encounters", json=changed, headers=EHR)
    assert response.status_code == 409
    assert "rework after a coding denial" in response.json()["detail"]
    assert response.json()["encounter_id"] == first.json()["id"]


async def test_versions_of_another_tenants_encounter_are_not_found(client):
    first = await client.post("/v1/encounters", json=uncoded("ENC-7"), headers=EHR)
    other = auth_headers("coder", tenants=("tenant-b",))
    response = await client.get(f"/v1/encounters/{first.json()['id']}/versions", headers=other)
    assert response.status_code == 404
