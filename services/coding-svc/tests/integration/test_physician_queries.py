"""Physician queries on real PostgreSQL: ask, answer through the EHR, back to the coder; aging lists."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update

from coding_svc.adapters.orm import physician_queries
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import RENDERING_NPI, encounter as encounter_body
from openrcm_shared.db import audit_log, utcnow

EHR = auth_headers("ehr_integration", subject="ehr-epic")
ANN = auth_headers("coder", subject="ann")
BOB = auth_headers("coder", subject="bob")
OTHER_NPI = "1003000126"


async def claimed_encounter(client, external_id: str) -> str:  # type: ignore[no-untyped-def]
    created = await client.post("/v1/encounters", json=encounter_body(external_id), headers=EHR)
    assert created.status_code == 201, created.text
    encounter_id = created.json()["id"]
    assert (await client.post(f"/v1/encounters/{encounter_id}/claim", headers=ANN)).status_code == 200
    return encounter_id


async def ask(client, encounter_id: str, **body) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post(f"/v1/encounters/{encounter_id}/queries",
                                 json={"question": "Is the diabetes type 1 or type 2?", **body}, headers=ANN)
    assert response.status_code == 201, response.text
    return response.json()


async def test_query_round_trip_returns_the_encounter_to_the_asking_coder(client, count):
    encounter_id = await claimed_encounter(client, "ENC-PQ1")
    query = await ask(client, encounter_id)
    assert (query["status"], query["provider_npi"], query["asked_by"], query["returns_to"]) == (
        "open", RENDERING_NPI, "ann", "awaiting_coding")
    assert (query["age_days"], query["aging_bucket"], query["options"]) == (0, "0-2", None)

    waiting = (await client.get(f"/v1/encounters/{encounter_id}", headers=ANN)).json()
    assert (waiting["status"], waiting["claim"]) == ("query_pending", None)
    queue = (await client.get("/v1/work-queue", params={"queue": "query_pending"}, headers=ANN)).json()["items"]
    assert [i["encounter_id"] for i in queue] == [encounter_id]
    assert (await client.get("/v1/work-queue", headers=ANN)).json()["items"] == []
    refused = await client.post(f"/v1/encounters/{encounter_id}/claim", headers=BOB)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/encounter-not-workable")
    assert (await client.post("/v1/work-queue/next", params={"queue": "query_pending"}, headers=BOB)).status_code == 204

    # The provider answers through the EHR.
    open_for_ehr = (await client.get("/v1/queries", params={"status": "open"}, headers=EHR)).json()["items"]
    assert [q["id"] for q in open_for_ehr] == [query["id"]]
    answered = await client.post(f"/v1/queries/{query['id']}/answer", json={"answer": "Type 2, on metformin."},
                                 headers=EHR)
    assert answered.status_code == 200, answered.text
    assert (answered.json()["status"], answered.json()["answered_by"], answered.json()["answer"]) == (
        "answered", "ehr-epic", "Type 2, on metformin.")

    back = (await client.get(f"/v1/encounters/{encounter_id}", headers=ANN)).json()
    assert (back["status"], back["claim"]["claimed_by"], back["claim"]["active"]) == ("awaiting_coding", "ann", True)
    assert (await client.post(f"/v1/encounters/{encounter_id}/claim", headers=BOB)).status_code == 409
    released = await client.post(f"/v1/encounters/{encounter_id}/release", headers=ANN)
    assert released.status_code == 200 and released.json()["status"] == "coded"

    again = await client.post(f"/v1/queries/{query['id']}/answer", json={"answer": "again"}, headers=EHR)
    assert again.status_code == 409 and again.json()["type"].endswith("/query-not-open")
    assert await count(audit_log, audit_log.c.action.in_(["ask_query", "answer_query"])) == 2


async def test_an_options_query_takes_one_of_its_options(client):
    encounter_id = await claimed_encounter(client, "ENC-PQ2")
    query = await ask(client, encounter_id, options=["Type 1", "Type 2", "Other (explain)"], provider_npi=OTHER_NPI)
    assert query["provider_npi"] == OTHER_NPI
    path = f"/v1/queries/{query['id']}/answer"
    missing = await client.post(path, json={"answer": "type two"}, headers=EHR)
    assert missing.status_code == 422 and [e["pointer"] for e in missing.json()["errors"]] == ["/chosen_option"]
    wrong = await client.post(path, json={"chosen_option": "Type 3"}, headers=EHR)
    assert wrong.status_code == 422 and wrong.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/v1/queries/{query['id']}", headers=ANN)).json()["status"] == "open"
    assert (await client.post(path, json={"chosen_option": "Type 2"}, headers=ANN)).status_code == 403  # coders don't answer
    ok = await client.post(path, json={"chosen_option": "Type 2", "answer": "see note"},
                           headers=auth_headers("practice_admin", subject="admin"))
    assert ok.status_code == 200 and (ok.json()["chosen_option"], ok.json()["answered_by"]) == ("Type 2", "admin")


async def test_bad_queries_list_every_bad_field(client):
    encounter_id = await claimed_encounter(client, "ENC-PQ3")
    response = await client.post(f"/v1/encounters/{encounter_id}/queries",
                                 json={"question": "", "options": ["A", "A"], "provider_npi": "1234567890"}, headers=ANN)
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {"/question", "/options", "/provider_npi"}
    other = await client.post(f"/v1/encounters/{encounter_id}/queries", json={"question": "?"}, headers=BOB)
    assert other.status_code == 409 and other.json()["type"].endswith("/claimed-by-another-coder")


async def test_withdrawing_returns_the_encounter_to_the_coder(client):
    encounter_id = await claimed_encounter(client, "ENC-PQ4")
    query = await ask(client, encounter_id)
    withdrawn = await client.post(f"/v1/queries/{query['id']}/withdraw", headers=ANN)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    encounter = (await client.get(f"/v1/encounters/{encounter_id}", headers=ANN)).json()
    assert (encounter["status"], encounter["claim"]["claimed_by"]) == ("awaiting_coding", "ann")
    assert (await client.post(f"/v1/queries/{query['id']}/answer", json={"answer": "x"}, headers=EHR)).status_code == 409
    assert (await client.post(f"/v1/queries/{query['id']}/withdraw", headers=EHR)).status_code == 403


async def test_queries_age_and_are_listed_per_provider(client, app):
    ages = {}
    for n, (days, npi) in enumerate([(0, RENDERING_NPI), (5, RENDERING_NPI), (10, OTHER_NPI), (20, RENDERING_NPI)]):
        encounter_id = await claimed_encounter(client, f"ENC-AGE{n}")
        query = await ask(client, encounter_id, provider_npi=npi)
        ages[query["id"]] = days
    async with app.state.runtime.session_factory() as session:
        for query_id, days in ages.items():
            await session.execute(update(physician_queries).where(physician_queries.c.id == uuid.UUID(query_id))
                                  .values(asked_at=utcnow() - timedelta(days=days, hours=1)))
        await session.commit()

    mine = await client.get(f"/v1/providers/{RENDERING_NPI}/queries", headers=EHR)
    assert mine.status_code == 200, mine.text
    items = mine.json()["items"]
    assert [(q["age_days"], q["aging_bucket"]) for q in items] == [(20, "15+"), (5, "3-7"), (0, "0-2")]  # oldest first
    assert all(q["provider_npi"] == RENDERING_NPI for q in items)
    other = (await client.get("/v1/queries", params={"provider_npi": OTHER_NPI}, headers=ANN)).json()["items"]
    assert [(q["age_days"], q["aging_bucket"]) for q in other] == [(10, "8-14")]
    first_page = (await client.get("/v1/queries", params={"status": "open", "limit": 3}, headers=ANN)).json()
    assert len(first_page["items"]) == 3 and first_page["next_offset"] == 3
    assert (await client.get("/v1/providers/123/queries", headers=ANN)).status_code == 422


async def test_queries_stay_in_their_tenant(client):
    encounter_id = await claimed_encounter(client, "ENC-PQ5")
    query = await ask(client, encounter_id)
    other_ehr = auth_headers("ehr_integration", tenants=("tenant-b",))
    other_coder = auth_headers("coder", tenants=("tenant-b",), subject="ann")
    assert (await client.post(f"/v1/queries/{query['id']}/answer", json={"answer": "x"}, headers=other_ehr)).status_code == 404
    assert (await client.post(f"/v1/queries/{query['id']}/withdraw", headers=other_coder)).status_code == 404
    assert (await client.get(f"/v1/queries/{query['id']}", headers=other_coder)).status_code == 404
    assert (await client.get("/v1/queries", headers=other_ehr)).json()["items"] == []
    assert (await client.get(f"/v1/providers/{RENDERING_NPI}/queries", headers=other_ehr)).json()["items"] == []
    assert (await client.get("/v1/queries", headers=auth_headers("biller"))).status_code == 403
