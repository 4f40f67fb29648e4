"""Idempotency-Key on POST /v1/encounters, and intake under concurrent retries (real PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from coding_svc.adapters.orm import encounter_versions, encounters
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body
from openrcm_shared import idempotency
from openrcm_shared.db import idempotency_keys, outbox_events
from openrcm_shared.idempotency import Claim, IdempotentRequest, request_fingerprint

EHR = auth_headers("ehr_integration", subject="ehr-epic")

# These tell the story of provider-coded encounters released at intake: the tenant opts in.
pytestmark = pytest.mark.usefixtures("auto_release")


def keyed(key: str, headers: dict[str, str] = EHR) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_a_retry_with_the_same_key_replays_the_original_201(client, count):
    first = await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=keyed("k-1"))
    retry = await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=keyed("k-1"))
    assert first.status_code == 201, first.text
    # Without the key the natural key would answer 200: the replay is the first answer, verbatim.
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await count(encounters) == 1 and await count(outbox_events) == 1
    assert await count(idempotency_keys, idempotency_keys.c.status == "completed") == 1


async def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(client, count):
    body = encounter_body("ENC-1")
    body["diagnoses"], body["service_lines"] = [], []
    await client.post("/v1/encounters", json=body, headers=keyed("k-1"))
    body["prior_authorization_number"] = "PA-1"  # would amend without the key
    response = await client.post("/v1/encounters", json=body, headers=keyed("k-1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert response.json()["errors"][0]["pointer"] == "/Idempotency-Key"
    assert await count(encounter_versions) == 0


async def test_a_retry_while_the_first_attempt_runs_is_409(client, app, count):
    body = encounter_body("ENC-1")
    # The first attempt holds the key (claimed, not completed) while its retry arrives.
    request = IdempotentRequest("tenant-a", "ehr-epic", "k-1", request_fingerprint("POST", "/v1/encounters", body))
    async with app.state.runtime.uow_factory() as uow:
        assert isinstance(await idempotency.begin(uow, request), Claim)
    response = await client.post("/v1/encounters", json=body, headers=keyed("k-1"))
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/idempotency-key-in-progress")
    assert await count(encounters) == 0


async def test_validation_failures_are_not_stored(client, count):
    bad = encounter_body("ENC-1")
    bad["billing_provider"]["npi"] = "1234567890"
    assert (await client.post("/v1/encounters", json=bad, headers=keyed("k-1"))).status_code == 422
    future = encounter_body("ENC-1", days_ago=-5)  # passes the schema, fails the cross-field rules
    assert (await client.post("/v1/encounters", json=future, headers=keyed("k-1"))).status_code == 422
    assert await count(idempotency_keys) == 0
    fixed = await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=keyed("k-1"))
    assert fixed.status_code == 201


async def test_a_refused_request_releases_its_key(client, count):
    await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=EHR)
    changed = encounter_body("ENC-1", diagnoses=["E11.9", "I10", "E78.5"])
    assert (await client.post("/v1/encounters", json=changed, headers=keyed("k-2"))).status_code == 409
    assert await count(idempotency_keys) == 0


async def test_keys_belong_to_one_client(client, count):
    await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=keyed("k-1"))
    other_client = keyed("k-1", auth_headers("ehr_integration", subject="ehr-cerner"))
    response = await client.post("/v1/encounters", json=encounter_body("ENC-2"), headers=other_client)
    assert response.status_code == 201
    assert await count(encounters) == 2


async def test_a_malformed_key_is_422(client):
    response = await client.post("/v1/encounters", json=encounter_body("ENC-1"), headers=keyed("has spaces"))
    assert response.status_code == 422
    assert "/Idempotency-Key" in {e["pointer"] for e in response.json()["errors"]}


async def test_twenty_parallel_identical_posts_make_one_encounter_and_one_event(client, count):
    responses = await asyncio.gather(
        *(client.post("/v1/encounters", json=encounter_body("ENC-RACE"), headers=EHR) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [201], [r.text for r in responses if r.status_code not in (200, 201)]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count(encounters) == 1
    assert await count(outbox_events) == 1


async def test_twenty_parallel_posts_with_one_key_make_one_encounter(client, count):
    """Each answer is the original 201 (replayed if it came after the first finished) or 409 (came during it)."""
    responses = await asyncio.gather(
        *(client.post("/v1/encounters", json=encounter_body("ENC-RACE"), headers=keyed("k-race")) for _ in range(20))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert sum("idempotent-replayed" not in r.headers for r in created) == 1
    assert len({r.text for r in created}) == 1
    assert all(r.json()["type"].endswith("/idempotency-key-in-progress") for r in responses if r.status_code == 409)
    assert await count(encounters) == 1
    assert await count(outbox_events) == 1


async def test_parallel_changed_documents_apply_one_after_the_other(client, app, count):
    def version_of(n: int) -> dict:
        body = encounter_body("ENC-RACE")
        body["diagnoses"], body["service_lines"] = [], []
        body["prior_authorization_number"] = f"PA-{n}"
        return body

    responses = await asyncio.gather(*(client.post("/v1/encounters", json=version_of(n), headers=EHR) for n in range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    async with app.state.runtime.session_factory() as session:
        version = await session.scalar(select(encounters.c.version))
    assert version == 10
    assert await count(encounter_versions) == 9
